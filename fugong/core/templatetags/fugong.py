"""Template filters for figures written the Chinese way (27万只, 2.3亿元)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def _plain(value):
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


@register.filter
def cn_quantity(value, unit=""):
    """270000, "只" → "27万只"; 23000, "万元" → "2.3亿元"; 8.4, "吨" → "8.4吨"."""
    try:
        value = Decimal(str(value or 0))
    except InvalidOperation:
        return f"{value}{unit}"
    if unit == "万元":
        if abs(value) >= 10000:
            return f"{_plain(value / 10000)}亿元"
        return f"{_plain(value)}万元"
    if abs(value) >= 10**8:
        return f"{_plain(value / 10**8)}亿{unit}"
    if abs(value) >= 10**4:
        return f"{_plain(value / 10**4)}万{unit}"
    return f"{_plain(value)}{unit}"


@register.filter
def hours(value):
    """Hours as 「N天M小时」 or 「M小时」."""
    if value is None:
        return "—"
    if float(value) < 1:
        return "不足1小时"
    value = round(float(value))
    days, rest = divmod(value, 24)
    return f"{days}天{rest}小时" if days else f"{rest}小时"
