"""Validators for Chinese identifiers, by their standards. Each raises ValidationError with a
message that names the rule, and has a normalising twin that returns the canonical form."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from a 31-character alphabet (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    value = (value or "").strip().upper()
    if len(value) != 18:
        raise ValidationError(_("统一社会信用代码应为18位，实际%(n)d位"), params={"n": len(value)})
    if not _USCC_RE.match(value):
        raise ValidationError(_("统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z）"))
    if not value[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码第3-8位应为行政区划代码"))
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位错误（GB 32100）"))
    return value


def validate_uscc(value: str) -> None:
    normalize_uscc(value)


# Mainland mobile numbers (11 digits, 1[3-9]) and landlines with area code (0xx[x]-xxxxxxx[x]).
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize_phone(value: str) -> str:
    value = re.sub(r"[\s()（）]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return value
    raise ValidationError(
        _("电话号码格式错误：手机号为1开头的11位数字，固定电话为区号加7-8位号码（如0433-2512345）")
    )


def validate_phone(value: str) -> None:
    normalize_phone(value)


# Region codes: GB/T 2260 (6 digits: province, city, county), 9-digit township and park codes
# (统计用区划代码), optionally padded to 12 digits.
_REGION_CODE_RE = re.compile(r"^(\d{6}|\d{9}|\d{12})$")


def normalize_region_code(value) -> str:
    value = str(value or "").strip()
    if value.endswith(".0"):  # Excel stores codes typed as numbers as floats
        value = value[:-2]
    if not _REGION_CODE_RE.match(value):
        raise ValidationError(
            _("行政区划代码应为6位（省市县，GB/T 2260）或9/12位（街镇、园区）数字")
        )
    if len(value) == 12 and value.endswith("000"):
        value = value[:9]
    return value


def validate_region_code(value: str) -> None:
    normalize_region_code(value)
