"""Numbers and dates from users, parsed one way everywhere.

`parse_decimal` / `parse_int` turn what a form, an import row or an API body carries into a
finite number in range or raise `BadInput` (a ValueError) with the rule broken — never the
`InvalidOperation`, `OverflowError` or a 10^999999999-digit integer that `Decimal("sNaN")`,
`int(Decimal("Infinity"))` or `int(Decimal("1e999999999"))` give. The API's field types
(`FiniteFloat`, `IsoDate`, `IsoDateTime`) do the same inside django-ninja's schemas.
"""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AllowInfNan, BeforeValidator, ConfigDict, Field

# No figure anyone enters (staff, output in 万元, days, masks) comes near this.
LARGEST = Decimal(10) ** 12


class BadInput(ValueError):
    """The value is not a number of the kind asked for; str(exc) says which rule."""


def parse_decimal(
    value: Any,
    *,
    low: Decimal | int | None = None,
    high: Decimal | int | None = None,
    percent: bool = False,
) -> Decimal | None:
    """None for an empty value; otherwise a finite Decimal in [low, high] (±10^12 at most)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadInput(_("应为数字"))
    text = str(value).strip()
    if percent:
        text = text.rstrip("%").strip()
    if len(text) > 40:
        raise BadInput(_("应为数字"))
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise BadInput(_("应为数字")) from exc
    if not number.is_finite() or number.copy_abs() > LARGEST:  # copy_abs: no context, no Overflow
        raise BadInput(_("应为有限的数字"))
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            raise BadInput(_("应在 %(l)s 到 %(h)s 之间") % {"l": low, "h": high})
        if low is not None:
            raise BadInput(_("不能小于 %(l)s") % {"l": low})
        raise BadInput(_("不能大于 %(h)s") % {"h": high})
    return number


def parse_int(value: Any, *, low: int | None = None, high: int | None = None) -> int | None:
    """None for an empty value; otherwise a whole number in [low, high] (`3.0` is 3)."""
    number = parse_decimal(value, low=low, high=high)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise BadInput(_("应为整数"))
    return int(number)


def parse_int_or_zero(value: Any) -> int:
    """A version or id from a form or query string: 0 (matching nothing) when it is not a
    whole number between 0 and 2^63-1."""
    try:
        return parse_int(value, low=0, high=2**63 - 1) or 0
    except BadInput:
        return 0


# --- API field types ----------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso(pattern: re.Pattern, kinds: tuple[type, ...]) -> Callable[[object], object]:
    def check(value: Any) -> Any:
        if isinstance(value, kinds):
            return value
        if isinstance(value, str) and pattern.match(value):
            return value
        raise ValueError("ISO 8601 (YYYY-MM-DD) expected")  # not a Unix timestamp like 0

    return check


class BodyIn(Schema):
    """A request body of the API: a property it does not name is refused (422), not ignored
    — a misspelt field is an error the client sees, and the document says so."""

    model_config = ConfigDict(extra="forbid")


IsoDate = Annotated[datetime.date, BeforeValidator(_iso(_DATE, (datetime.date,)))]
IsoDateTime = Annotated[datetime.datetime, BeforeValidator(_iso(_DATETIME, (datetime.datetime,)))]
FiniteFloat = Annotated[float, AllowInfNan(False), Field(ge=-1e12, le=1e12)]
