"""Validators for national formats: credit code (GB 32100), resident ID (GB 11643), mobile, plate."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zoneops.core import clock

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PLATE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{5}[DF])$"
)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-case and strip spaces."""
    return "".join((value or "").split()).upper()


def validate_uscc(value: str) -> None:
    """Raise ValidationError unless `value` is an 18-character credit code with a correct check character."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="uscc_length")
    if not _USCC_SHAPE.match(code):
        raise ValidationError(_("The credit code contains characters not allowed (I, O, Z, S, V)."), code="uscc_chars")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("Check digit is wrong."), code="uscc_check")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> None:
    """Raise ValidationError unless `value` is an 18-digit resident ID with a real birth date and check digit."""
    number = (value or "").strip().upper()
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("A resident ID number has 17 digits and a check digit (0-9 or X)."), code="id_shape")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the ID number does not exist."), code="id_birth") from None
    if born.year < 1900 or born > clock.today():
        raise ValidationError(_("The birth date in the ID number does not exist."), code="id_birth")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("Check digit is wrong."), code="id_check")


def validate_mobile(value: str) -> None:
    """Raise ValidationError unless `value` is an 11-digit mainland mobile number."""
    if not _MOBILE.match((value or "").strip()):
        raise ValidationError(_("Enter an 11-digit mobile number starting with 1."), code="mobile")


def validate_plate(value: str) -> None:
    """Raise ValidationError unless `value` is a mainland vehicle plate (incl. new-energy plates)."""
    if not _PLATE.match((value or "").strip().upper()):
        raise ValidationError(_("Enter a vehicle plate such as 苏F12345 or 苏FD12345."), code="plate")
