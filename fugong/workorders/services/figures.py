"""Work-order use-cases: queues and figures."""

from datetime import datetime

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from fugong.core.models import Campaign, User

from ..models import (
    OPEN_STATES,
    Category,
    NeedLine,
    ProblemGroup,
    WorkOrder,
)


def _median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def order_figures(user: User, campaign: Campaign, now: datetime | None = None) -> dict:
    """The dashboard's work-order figures in the user's scope for one campaign: open and
    overdue by unit and by category, median hours from submission to resolution, satisfaction
    per unit, the biggest common problems, and the needs requested and delivered."""

    now = now or timezone.now()
    qs = WorkOrder.objects.visible_to(user).filter(campaign=campaign)
    is_open = Q(state__in=OPEN_STATES)
    overdue = is_open & Q(deadline__lt=now)
    totals = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=is_open),
        overdue=Count("id", filter=overdue),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        avg_rating=Avg("rating"),
        rated=Count("rating"),
    )
    spans = qs.filter(resolved_at__isnull=False).values_list("unit_id", "created_at", "resolved_at")
    hours_by_unit = {}
    for unit_id, created, resolved in spans:
        hours_by_unit.setdefault(unit_id, []).append((resolved - created).total_seconds() / 3600)
    totals["median_hours"] = _median([h for hs in hours_by_unit.values() for h in hs])
    units = list(
        qs.filter(unit__isnull=False)
        .values("unit", "unit__name")
        .annotate(
            open=Count("id", filter=is_open),
            overdue=Count("id", filter=overdue),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            avg_rating=Avg("rating"),
            rated=Count("rating"),
        )
        .order_by("-open", "-overdue", "unit__name")
    )
    for row in units:
        row["median_hours"] = _median(hours_by_unit.get(row["unit"], []))
    categories = {c.code: c.name for c in Category.objects.all()}
    by_category = {}
    for cat, proposed, deadline in qs.filter(is_open).values_list(
        "category__code", "proposed_label", "deadline"
    ):
        code = cat or proposed or "other"
        row = by_category.setdefault(
            code, {"key": code, "label": categories.get(code, code), "open": 0, "overdue": 0}
        )
        row["open"] += 1
        row["overdue"] += bool(deadline and deadline < now)
    groups = list(
        ProblemGroup.objects.filter(campaign=campaign, members__in=qs.filter(is_open))
        .annotate(open=Count("members"), enterprises=Count("members__enterprise", distinct=True))
        .order_by("-open", "-created_at")[:8]
    )
    needs = list(
        NeedLine.objects.filter(order__in=qs)
        .values("kind", "label", "unit")
        .annotate(
            requested=Sum("requested"),
            delivered=Sum("delivered"),
            enterprises=Count("order__enterprise", distinct=True),
        )
        .order_by("kind", "label")
    )
    kinds = dict(NeedLine.Kind.choices)
    for row in needs:
        row["name"] = row["label"] or str(kinds.get(row["kind"], row["kind"]))
    return {
        "totals": totals,
        "units": units[:20],
        "categories": sorted(by_category.values(), key=lambda r: (-r["open"], r["label"])),
        "groups": groups,
        "needs": needs,
    }
