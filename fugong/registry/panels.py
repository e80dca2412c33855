"""Sections other apps add to the enterprise page (its work orders, applications, passes …)
without the registry importing them: an app registers a function (user, enterprise) → HTML or
"" in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from fugong.registry.models import Enterprise


# a panel: (request, enterprise) -> its HTML, or "" when it has nothing to show
Panel = Callable[["HttpRequest", "Enterprise"], str]
PANELS: list[Panel] = []


def register(fn: Panel) -> Panel:
    PANELS.append(fn)
    return fn


def panels_for(request: HttpRequest, enterprise: Enterprise) -> list[str]:
    return [html for html in (fn(request, enterprise) for fn in PANELS) if html]
