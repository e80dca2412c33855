"""Cell values by meaning: one parser per kind of value, for every importer.

Each takes what a spreadsheet cell holds (text, or the number/date python-calamine read) and
returns the canonical value, or raises ValidationError naming the rule the value breaks.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .validators import USCC_ALPHABET, normalize_phone, normalize_uscc


def text(value: object) -> str:
    """A cell as text: integral floats without `.0`, dates as ISO dates, stripped (names keep
    their full-width brackets; the parsers below normalise what they read)."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if value is None:
        return ""
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def folded(value: object) -> str:
    """`text` with full-width digits, letters and punctuation folded to half-width (NFKC)."""
    value = text(value)
    if value.isascii() or unicodedata.is_normalized("NFKC", value):
        return value
    return unicodedata.normalize("NFKC", value)


# --- identifiers ------------------------------------------------------------------------------
_USCC_NOISE = re.compile(r"[\s\-‐‑–—_.·/]+")


_PLAIN_USCC = re.compile(f"[{USCC_ALPHABET}]{{18}}")


def uscc(value: object) -> str:
    """GB 32100 code with spaces, hyphens, lower case or full-width characters tolerated."""
    if type(value) is str and _PLAIN_USCC.fullmatch(value):
        return normalize_uscc(value)  # as written: nothing to fold (most cells of a file)
    code = _USCC_NOISE.sub("", folded(value)).upper()
    if len(code) == 9 and code[:8].isalnum():
        raise ValidationError(
            _("%(c)s 是9位组织机构代码，请填写18位统一社会信用代码") % {"c": text(value)}
        )
    return normalize_uscc(code)


_PLAIN_MOBILE = re.compile(r"1[3-9]\d{9}")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)


def phone(value: object) -> str:
    """A mobile (`13904335678`) or landline with area code (`0433-2512345`, extension
    `-801`); accepts numbers stored as numbers, `+86`, spaces, hyphens, brackets, `转801`.
    The first of several numbers separated by `/`, `；` or `、` is taken."""
    raw = folded(value)
    if _PLAIN_MOBILE.fullmatch(raw):
        return raw  # as written: 11 digits, nothing to clean (most cells of a file)
    if _SCIENTIFIC.match(raw.replace(" ", "")):
        raise ValidationError(
            _(
                "电话号码 %(v)s 被 Excel 存成了科学计数法，后几位已丢失；"
                "请把该列设为“文本”后重新填写"
            )
            % {"v": raw}
        )
    first = re.split(r"[/／;；,，、]|\s{2,}", raw)[0].strip()
    first = re.sub(r"[()（）\[\]]", "", first)
    ext = ""
    m = _EXTENSION.search(first)
    if m:
        ext, first = m.group(1), first[: m.start()]
    first = re.sub(r"^(\+|00)\s*86[\s\-]*", "", first.strip())
    digits = re.sub(r"[\s\-]", "", first)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    m = re.fullmatch(r"(0\d{2,3})[\s\-]*(\d{7,8})(?:[\s\-]+(\d{1,6}))?", first)
    if m:
        ext = ext or m.group(3) or ""
        number = f"{m.group(1)}-{m.group(2)}"
        return normalize_phone(f"{number}-{ext}" if ext else number)
    return normalize_phone(first)


# --- dates ------------------------------------------------------------------------------------
EXCEL_EPOCH = date(1899, 12, 30)
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?$")
_SHORT_DATE = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: object, year: int | None = None) -> date:
    """A date from an Excel date or serial number, `2020-02-14`, `2020/2/14`, `2020.2.14`,
    `20200214`, `2020年2月14日`, or `2月14日` / `2/14` (in `year`, default this year)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value)
    raw = folded(value)
    parts = None
    if m := _FULL_DATE.match(raw) or _COMPACT_DATE.match(raw):
        parts = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _SHORT_DATE.match(raw):
        parts = year or timezone.localdate().year, int(m.group(1)), int(m.group(2))
    elif re.fullmatch(r"\d{5}(\.\d+)?", raw):
        return _serial(float(raw))
    if parts is not None:
        try:
            return date(*parts)
        except ValueError:
            pass
    raise ValidationError(
        _("日期 %(v)s 无法识别（可写 2020-02-14、2020/2/14、2020年2月14日 或 2月14日）")
        % {"v": raw}
    )


def _serial(number: float) -> date:
    if not 1 <= number < 2958466:
        raise ValidationError(_("日期 %(v)s 超出范围") % {"v": number})
    return EXCEL_EPOCH + timedelta(days=int(number))


# --- numbers ----------------------------------------------------------------------------------
_MULTIPLIERS = {"亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(1000), "": Decimal(1)}
_NUMBER = re.compile(r"^([-+]?\d+(?:\.\d+)?)(亿|万|千)?(.*)$")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_MONEY = {"元", "人民币", "元人民币"}
UNIT_WORDS = {
    "",
    "元",
    "人",
    "名",
    "位",
    "个",
    "只",
    "吨",
    "t",
    "kg",
    "公斤",
    "天",
    "日",
    "台",
    "套",
    "件",
    "箱",
    "瓶",
    "支",
    "盒",
    "家",
    "辆",
    "次",
    "%",
    "人民币",
    "元人民币",
}


def number(value: object, unit: str = "") -> Decimal:
    """A number with thousands separators, a unit word (`50人`, `85%`) and a Chinese
    multiplier (`2.3亿`, `500万`), expressed in the column's `unit` (`万元`: `2.3亿` -> 23000)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(_("数值 %(v)s 不是有效数字") % {"v": value})
        return Decimal(str(value))
    if type(value) is str and _PLAIN_NUMBER.fullmatch(value):
        return Decimal(value)  # digits as written, no unit (most cells of a file)
    raw = re.sub(r"[\s,，_]", "", folded(value)).lower()
    m = _NUMBER.match(raw)
    if not m or m.group(3) not in UNIT_WORDS:
        raise ValidationError(_("%(v)s 不是数字") % {"v": text(value)})
    try:
        amount = Decimal(m.group(1))
    except InvalidOperation as exc:
        raise ValidationError(_("%(v)s 不是数字") % {"v": text(value)}) from exc
    if not m.group(2) and m.group(3) not in _MONEY:
        return amount  # already in the column's unit
    amount *= _MULTIPLIERS[m.group(2) or ""]
    base = _MULTIPLIERS.get(unit[:1], Decimal(1)) if unit else Decimal(1)
    return amount / base if base != 1 else amount


def integer(value: object, unit: str = "") -> int:
    amount = number(value, unit)
    if amount != amount.to_integral_value():
        raise ValidationError(_("%(v)s 应为整数") % {"v": text(value)})
    return int(amount)


def number_text(value: object, unit: str = "") -> str:
    """`number` as plain decimal text (for services that parse text themselves)."""
    amount = number(value, unit).normalize()
    return format(amount, "f")


# --- choices ----------------------------------------------------------------------------------
_YES = {"是", "√", "✓", "✔", "y", "yes", "1", "true", "有", "对", "t"}
_NO = {"否", "×", "✗", "✘", "x", "n", "no", "0", "false", "无", "不是", "f"}


def yes_no(value: object, default: bool | None = None) -> bool:
    """是/否, √/×, Y/N, 1/0, true/false, 有/无; empty gives `default` (an error if None)."""
    raw = re.sub(r"\s", "", folded(value)).lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    if raw == "" and default is not None:
        return default
    raise ValidationError(_("应填“是”或“否”（也可填 √/×、Y/N、1/0）"))


_ABOVE = {"规上", "规模以上", "规上工业", "规上企业", "规模以上企业", "规模以上工业企业", "是"}
_BELOW = {"规下", "规模以下", "规下工业", "规下企业", "规模以下企业", "规模以下工业企业", "否"}


def scale(value: object) -> str:
    """'above' (规上/规模以上/是) or 'below' (规下/规模以下/否)."""
    raw = re.sub(r"\s", "", folded(value)).lower()
    if raw in _ABOVE or raw == "above":
        return "above"
    if raw in _BELOW or raw == "below":
        return "below"
    raise ValidationError(_("规模应为 规上 或 规下（也可写 规模以上/规模以下、是/否）"))
