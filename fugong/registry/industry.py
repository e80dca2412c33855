"""GB/T 4754-2017 国民经济行业分类: sections (门类, `C`), divisions (大类, `27`), groups (中类,
`271`) and classes (小类, `2710`).

The names come from `data/gbt4754_2017.tsv` (code, tab, name). `parse` reads what people write
in a sheet — `C`, `C27`, `27`, `271`, `2710`, `C2710`, `C27 医药制造业`, `制造业`, `医药制造业`
— and returns the code at the precision given; `section_of` and `division_of` derive the
coarser levels from a code of any precision.

The shipped table holds the 20 sections and 97 divisions: no package on the registries this
project can install ships the groups and classes under a licence that allows redistribution
(see the TSV's header). So a group or class is checked against the table where the table lists
its division's groups, and structurally elsewhere (three or four digits under a division that
exists); its label then names its division. Adding the standard's group and class lines to the
TSV makes the check exact, and their Chinese names parse, with no change here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DATA = Path(__file__).with_name("data") / "gbt4754_2017.tsv"

# Which divisions each section holds (the standard's own ranges).
_SECTION_RANGES = [
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
]


def _load() -> dict[str, str]:
    names = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t", 1)
            names[code.strip()] = name.strip()
    return names


NAMES = _load()
SECTIONS = {k: v for k, v in NAMES.items() if k.isalpha()}
DIVISIONS = {k: v for k, v in NAMES.items() if k.isdigit() and len(k) == 2}
GROUPS = {k: v for k, v in NAMES.items() if k.isdigit() and len(k) == 3}
CLASSES = {k: v for k, v in NAMES.items() if k.isdigit() and len(k) == 4}
_DIVISIONS_WITH_GROUPS = {code[:2] for code in GROUPS}
_GROUPS_WITH_CLASSES = {code[:3] for code in CLASSES}


def _name_key(text: str) -> str:
    return re.sub(r"[\s、，,]", "", unicodedata.normalize("NFKC", text))


_BY_NAME = {}
for _code, _name in NAMES.items():
    _BY_NAME.setdefault(_name_key(_name), _code)


def section_of(code: str) -> str:
    """The section letter of a section, division, group or class code."""
    code = str(code or "").strip().upper()
    if code[:1].isalpha():
        if code[:1] in SECTIONS:
            return code[:1]
        raise KeyError(code)
    n = int(code[:2])
    for letter, lo, hi in _SECTION_RANGES:
        if lo <= n <= hi:
            return letter
    raise KeyError(code)


def division_of(code: str) -> str:
    """The 2-digit division of a division, group or class code; "" for a section."""
    code = str(code or "").strip().upper()
    return "" if code.isalpha() else code[:2]


_CODE = re.compile(r"^([A-T])?(\d{1,4})?(.*)$")


def parse(text: str) -> str:
    """The code (section letter or 2/3/4 digits) for a code, a `C27 医药制造业` label or a
    Chinese name of a section or division (and of a group or class when the table has it);
    raise ValueError."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    if raw.endswith(".0") and raw[:-2].isdigit():  # a code typed as a number
        raw = raw[:-2]
    m = _CODE.match(re.sub(r"\s", "", raw).upper())
    letter, digits = m.group(1) or "", m.group(2) or ""
    rest = m.group(3).strip("-—:：")
    if not (letter or digits):
        return _by_name(raw, text)
    if not digits:
        return _by_name(rest, text, letter) if rest else letter
    if rest and not (rest[:1] > "\u2e7f" or rest[:1] == "("):  # `27a`, `2710x`: not a code
        raise ValueError(text)
    digits = digits.zfill(2)
    if digits[:2] not in DIVISIONS or (letter and section_of(digits) != letter):
        raise ValueError(text)
    if len(digits) > 2 and not _may_exist(digits):
        raise ValueError(text)
    return digits


def _may_exist(code: str) -> bool:
    """Whether a 3- or 4-digit code is a group or class: in the table where the table lists
    groups of its division (and classes of its group), else by structure alone."""
    if code[:2] in _DIVISIONS_WITH_GROUPS and code[:3] not in GROUPS:
        return False
    return len(code) == 3 or code[:3] not in _GROUPS_WITH_CLASSES or code in CLASSES


def is_listed(code: str) -> bool:
    """Whether the shipped table names this exact code (else it was accepted by structure)."""
    return code in NAMES


def _by_name(name: str, text: str, section: str = "") -> str:
    code = _BY_NAME.get(_name_key(name))
    if code is None or (section and section_of(code) != section):
        raise ValueError(text)
    return code


def parse_industry(text: str) -> str:
    """The 2-digit division for 'C13', '13', '131', '1310' or a division's name; raise
    ValueError (a bare section has no division)."""
    division = division_of(parse(text))
    if not division:
        raise ValueError(text)
    return division


def validate_code(code: str) -> None:
    """A model validator: `code` is a section letter or a division, group or class code."""
    try:
        valid = parse(code) == code
    except (ValueError, KeyError):
        valid = False
    if not valid:
        raise ValidationError(_("%(c)s 不是 GB/T 4754-2017 的行业代码") % {"c": code})


def label(code: str) -> str:
    """`C2710 化学药品原料药制造` when the table names the code, else `C2710（医药制造业）`:
    the name of the most precise level the table has, in brackets."""
    if not code:
        return ""
    if code.isalpha():
        return f"{code} {NAMES.get(code, '')}"
    name = NAMES.get(code)
    if name:
        return f"{section_of(code)}{code} {name}"
    known = NAMES.get(code[:3]) or NAMES.get(division_of(code), "")
    return f"{section_of(code)}{code}（{known}）"


DIVISION_CHOICES = [(code, f"{section_of(code)}{code} {name}") for code, name in DIVISIONS.items()]
SECTION_CHOICES = [(k, f"{k} {v}") for k, v in SECTIONS.items()]
