import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland China: mobiles 1[3-9]xxxxxxxxx (11 digits); landlines with area code
# 0xx(x)-xxxxxxx(x), optionally an extension; 7-8 digit local numbers.
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?$")
_SERVICE = re.compile(r"^(?:400|800)-?\d{3}-?\d{4}$")


def normalize_phone(value: str) -> str:
    """Drop spaces and brackets people type: '(021) 5555 1234' -> '021-55551234'."""
    value = value.strip().replace(" ", "").replace("\u3000", "")
    value = re.sub(r"^\((0\d{2,3})\)", r"\1-", value)
    value = re.sub(r"^（(0\d{2,3})）", r"\1-", value)
    return value


def validate_phone(value: str) -> None:
    value = normalize_phone(value)
    if _MOBILE.match(value) or _LANDLINE.match(value) or _SERVICE.match(value):
        return
    raise ValidationError(
        _(
            "Enter a mainland phone number: an 11-digit mobile such as 13812345678, "
            "or a landline such as 021-55551234."
        ),
        code="invalid_phone",
    )
