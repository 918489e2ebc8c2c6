from __future__ import annotations

import csv
import io

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Estate

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class UnitImportForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.all())
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "First row: building, entrance (单元), room, resident_name, phone — Chinese headers "
            "楼栋, 单元, 房号, 住户姓名, 联系电话 work too. One row per resident."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        name = upload.name.lower()
        data = upload.read()
        if name.endswith(".csv"):
            rows = _read_csv(data)
        elif name.endswith(".xlsx"):
            rows = _read_xlsx(data)
        else:
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        self.cleaned_data["rows"] = rows
        return upload


def _read_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("The CSV file is neither UTF-8 nor GB18030 encoded."))
    return [row for row in csv.reader(io.StringIO(text))]


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
