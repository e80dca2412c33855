"""One filter object per list (after NetBox's FilterSets): parsed once from a query string and
used by the list page, its export and the API list, so the three return the same rows.

A list's filter is a dataclass of text fields (its query parameters); it says what is wrong with
its values (`errors()`, field -> reason) and filters a queryset (`apply`, its own signature).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar, Self

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


@dataclass
class ListFilter:
    # field -> (its label, the values it may take besides ""): `errors()` checks them
    CHOICES: ClassVar[dict[str, tuple[str, Iterable[str]]]] = {}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Self:
        """The filter of a query string (or the API's query parameters), values stripped."""
        return cls(**{f.name: (params.get(f.name) or "").strip() for f in fields(cls)})

    def errors(self) -> dict[str, str]:
        found = {
            name: choice_error(getattr(self, name), allowed, label)
            for name, (label, allowed) in self.CHOICES.items()
        }
        return {name: reason for name, reason in found.items() if reason}

    def check(self) -> None:
        """Raise ValidationError naming every bad value (the API answers it with a 422)."""
        errors = self.errors()
        if errors:
            raise ValidationError(errors)

    def as_query(self) -> dict[str, str]:
        """The values set, for the pager's and the export link's query string."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def choice_error(value: str, allowed: Iterable[str], label: str) -> str | None:
    """The reason `value` is not one of `allowed` ("" is always allowed), or None."""
    allowed = list(allowed)
    if not value or value in allowed:
        return None
    return _("%(f)s应为 %(v)s 之一") % {"f": label, "v": "、".join(v for v in allowed if v)}
