import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from staff.models import Resident, Unit

CSV = (
    "楼栋,单元,房号,住户姓名,联系电话\n"
    "3,1,1201,张三,13812345678\n"
    "3,1,1201,李四,021-55551234\n"
    "3,2,0502,王五,\n"
)


def _upload(client, estate, name, content):
    return client.post(
        reverse("admin:staff_unit_import"),
        {"estate": estate.pk, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_manager_imports_csv_with_chinese_headers(client, manager, ch):
    client.force_login(manager)
    response = _upload(client, ch, "units.csv", CSV.encode("utf-8"))
    assert response.status_code == 200
    assert Unit.objects.filter(estate=ch).count() == 2
    assert set(Resident.objects.values_list("name", flat=True)) == {"张三", "李四", "王五"}


def test_import_twice_adds_nothing(client, manager, ch):
    client.force_login(manager)
    _upload(client, ch, "units.csv", CSV.encode("utf-8"))
    _upload(client, ch, "units.csv", CSV.encode("utf-8"))
    assert Unit.objects.count() == 2 and Resident.objects.count() == 3


def test_gb18030_csv_from_excel_is_read(client, manager, ch):
    client.force_login(manager)
    _upload(client, ch, "units.csv", CSV.encode("gb18030"))
    assert Resident.objects.filter(name="张三").exists()


def test_xlsx_import(client, manager, ch):
    wb = Workbook()
    ws = wb.active
    ws.append(["building", "entrance", "room", "resident_name", "phone"])
    ws.append(["5", "", "301", "赵六", "13912345678"])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(manager)
    _upload(client, ch, "units.xlsx", buf.getvalue())
    unit = Unit.objects.get(estate=ch, building="5", room="301")
    assert unit.residents.get().phone == "13912345678"


def test_a_bad_row_imports_nothing_and_names_the_row(client, manager, ch):
    bad = CSV + "4,1,0101,钱七,12345\n"
    client.force_login(manager)
    response = _upload(client, ch, "units.csv", bad.encode("utf-8"))
    assert "12345" in response.content.decode()
    assert Unit.objects.count() == 0 and Resident.objects.count() == 0


def test_missing_header_is_explained(client, manager, ch):
    client.force_login(manager)
    response = _upload(client, ch, "units.csv", b"a,b\n1,2\n")
    assert response.status_code == 200
    assert Unit.objects.count() == 0
    assert response.context["import_errors"]


def test_other_file_types_are_refused(client, manager, ch):
    client.force_login(manager)
    response = _upload(client, ch, "units.txt", b"hello")
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("role", ["clerk", "supervisor", "gm"])
def test_desk_staff_cannot_reach_the_import(client, user_of, role):
    client.force_login(user_of(role))
    response = client.get(reverse("admin:staff_unit_import"))
    assert response.status_code == 302  # the admin sends non-staff to its login
