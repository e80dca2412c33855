"""Validators for Chinese identifiers, by their standards. Each raises ValidationError with a
message that names the rule, and has a normalising twin that returns the canonical form."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from typing import Any

    from django.db import models


# GB 32100-2015: 18 characters from a 31-character alphabet (no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}


def uscc_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError(first17)
    try:
        total = sum(map(int.__mul__, map(_USCC_VALUE.__getitem__, first17), USCC_WEIGHTS))
    except KeyError as exc:
        raise ValueError(first17) from exc
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


def normalize_region_code(value: object) -> str:
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


# Motor vehicle plates, GA 36-2018: a province abbreviation, the issuing office's letter (no I
# or O), then 5 characters (ordinary; the last may be 挂/学/警/港/澳) or 6 (new energy: small
# vehicles D/F — and A–K since 2021 — then a letter or digit and 4 digits; large vehicles 5
# digits then the D/F letter).
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "A-HJ-NP-Z"
_PLATE_ORDINARY_RE = re.compile(
    rf"^[{PLATE_PROVINCES}][{_PLATE_LETTER}][{_PLATE_LETTER}0-9]{{4}}[{_PLATE_LETTER}0-9挂学警港澳]$"
)
_PLATE_NEW_ENERGY_RE = re.compile(
    rf"^[{PLATE_PROVINCES}][{_PLATE_LETTER}](?:[A-HJK][{_PLATE_LETTER}0-9]\d{{4}}|\d{{5}}[A-HJK])$"
)


def normalize_plate(value: str) -> str:
    value = re.sub(r"[\s·•\-.]", "", value or "").upper()
    if not value or value[0] not in PLATE_PROVINCES:
        raise ValidationError(_("车牌号应以省份简称开头（如 吉H12345）"))
    if len(value) == 7 and _PLATE_ORDINARY_RE.match(value):
        return value
    if len(value) == 8:
        if _PLATE_NEW_ENERGY_RE.match(value):
            return value
        raise ValidationError(
            _(
                "8 位车牌只能是新能源号牌：小型车第 3 位为 D、F 等字母、末 4 位为数字，"
                "大型车第 3–7 位为数字、末位为 D、F 等字母（GA 36-2018）"
            )
        )
    if len(value) == 7:
        raise ValidationError(
            _("车牌号格式错误：第 2 位为发牌机关字母，其后 5 位为字母或数字（不使用 I、O）")
        )
    raise ValidationError(
        _("车牌号应为 7 位（新能源 8 位），实际 %(n)d 位"), params={"n": len(value)}
    )


def validate_plate(value: str) -> None:
    normalize_plate(value)


# Resident identity card numbers, GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit
# sequence, a check character (ISO 7064 MOD 11-2: 0–9 or X).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_id_card(value: str) -> str:

    value = re.sub(r"\s", "", value or "").upper()
    if len(value) != 18:
        raise ValidationError(_("身份证号应为18位，实际%(n)d位"), params={"n": len(value)})
    if not _ID_RE.match(value):
        raise ValidationError(_("身份证号前17位应为数字，末位为数字或X"))
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_("身份证号第7-14位不是有效的出生日期")) from exc
    if born > datetime.date.today() or born.year < 1900:
        raise ValidationError(_("身份证号第7-14位不是有效的出生日期"))
    total = sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise ValidationError(_("身份证号校验位错误（GB 11643）"))
    return value


def validate_id_card(value: str) -> None:
    normalize_id_card(value)


def normalize_mobile(value: str) -> str:
    """A mainland mobile number (11 digits from 1[3-9]), for people rather than offices."""
    value = normalize_phone(value)
    if not _MOBILE_RE.match(value):
        raise ValidationError(_("手机号应为1开头的11位数字"))
    return value


# Control characters (C0 but tab, line feed and carriage return; DEL) have no place in any
# text a person enters: a BEL in an enterprise's name made every xlsx export of it fail, and
# PostgreSQL refuses NUL. One cleaner for every input path (see `strip_control_characters`,
# connected to every model's pre_save) and the export writer.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


T = TypeVar("T")


def clean_controls(value: T) -> T:
    """`value` without control characters when it is a text; anything else as it is."""
    if isinstance(value, str) and CONTROL_CHARS.search(value):
        return CONTROL_CHARS.sub("", value)
    return value


def strip_control_characters(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    """pre_save receiver: every text field of the record saved without control characters,
    whichever path (form, API, import, bot, admin) the text came in by."""
    if raw:  # loading a fixture or a backup: kept byte for byte
        return
    for f in instance._meta.concrete_fields:
        if f.get_internal_type() in ("CharField", "TextField"):
            value = getattr(instance, f.attname, None)
            cleaned = clean_controls(value)
            if cleaned is not value:
                setattr(instance, f.attname, cleaned)
