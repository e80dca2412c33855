"""Health use-cases: counts for the government."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils import timezone

from fugong.registry.models import (
    Enterprise,
    enterprise_id_of,
)

from ..models import (
    Declaration,
    Employee,
    GateCheck,
)
from .rounds import _pct

if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from fugong.core.permissions import Actor


def counts(
    user: Actor, day: date | None = None, enterprise: Enterprise | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per enterprise in the user's scope: people on the roster, declared today, abnormal
    declarations, gate entries admitted and refused — counts only, never names."""
    day = day or timezone.localdate()
    enterprises = Enterprise.objects.visible_to(user)
    own = enterprise_id_of(user)
    if own:
        enterprises = enterprises.filter(pk=own)
    if enterprise is not None:
        enterprises = enterprises.filter(pk=enterprise.pk)
    roster = dict(
        Employee.objects.filter(enterprise__in=enterprises, active=True)
        .values("enterprise")
        .annotate(n=Count("id"))
        .values_list("enterprise", "n")
    )
    ids = list(roster)
    declared = {
        r["enterprise"]: r
        for r in Declaration.objects.filter(enterprise_id__in=ids, day=day)
        .values("enterprise")
        .annotate(n=Count("id"), n_abnormal=Count("id", filter=Q(abnormal=True)))
    }
    gate = {
        r["enterprise"]: r
        for r in GateCheck.objects.filter(enterprise_id__in=ids, day=day, direction="in")
        .values("enterprise")
        .annotate(
            n_admitted=Count("id", filter=Q(admitted=True)),
            n_refused=Count("id", filter=Q(admitted=False)),
        )
    }
    names = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = [
        {
            "enterprise_id": pk,
            "enterprise": names[pk],
            "roster": n,
            "declared": declared.get(pk, {}).get("n", 0),
            "abnormal": declared.get(pk, {}).get("n_abnormal", 0),
            "admitted": gate.get(pk, {}).get("n_admitted", 0),
            "refused": gate.get(pk, {}).get("n_refused", 0),
        }
        for pk, n in roster.items()
    ]
    rows.sort(key=lambda r: (-r["abnormal"], -r["roster"], r["enterprise"]))
    total = {
        k: sum(r[k] for r in rows)
        for k in ("roster", "declared", "abnormal", "admitted", "refused")
    }
    total["enterprises"] = len(rows)
    total["declared_rate"] = _pct(total["declared"], total["roster"])
    return rows, total
