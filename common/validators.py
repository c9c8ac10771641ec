"""Validators for Chinese phone numbers and resident ID numbers (GB 11643-1999)."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# re.ASCII: "\d" alone also takes full-width and Arabic-Indic digits.
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$", re.ASCII)
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$", re.ASCII)
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def validate_phone(value: str) -> None:
    """Accept a mainland mobile (13812345678) or landline (0716-1234567) number."""
    cleaned = re.sub(r"[\s()]", "", str(value))
    if MOBILE.match(cleaned.replace("-", "")) or LANDLINE.match(cleaned):
        return
    raise ValidationError(
        _("电话号码格式不正确：手机号应为 11 位（如 13812345678），固定电话应含区号（如 0716-1234567）。"),
        code="phone",
    )


def id_number_check_character(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """Accept an 18-character resident ID number with a valid birth date and check character."""
    value = str(value).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value, re.ASCII):
        raise ValidationError(
            _("身份证号应为 18 位：前 17 位为数字，最后一位为数字或 X（当前 %(length)s 位）。"),
            code="id_length",
            params={"length": len(value)},
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1900 or birth > timezone.localdate():
        raise ValidationError(_("身份证号中的出生日期（第 7–14 位）无效。"), code="id_birth")
    expected = id_number_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("身份证号校验位错误：最后一位应为 %(expected)s，请核对是否输错。"),
            code="id_check",
            params={"expected": expected},
        )
