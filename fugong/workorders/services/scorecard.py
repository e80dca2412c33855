"""Work-order use-cases: the scorecard per unit (考核), read from the units' stints (`Handling`).

Every figure counts the stints of a unit — the orders it held — dispatched to it in the period
(by the day of dispatch, local time) for enterprises in the region: an order escalated or
re-dispatched counts for each unit that held it, at the step that unit held it. Rates are over
the orders the step applies to and keep their numerator and denominator; the score weighs the
response, resolution and satisfaction rates by the campaign's weights (30/35/35 by default)
over the rates that have a denominator. Each figure drills down to its orders
(`stint_filter`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from statistics import median

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Region

from ..models import OPEN_STATES, Handling, State

# figure → what it counts (the README's definitions); each is a filter on the stints
FIGURES = {
    "received": _("接收"),
    "signed": _("签收"),
    "signed_on_time": _("按时签收"),
    "replied_on_time": _("按时办结（响应）"),
    "resolved": _("办结"),
    "rated": _("已评价"),
    "satisfied": _("满意"),
    "overdue": _("逾期"),
    "escalations": _("督办"),
    "refusals": _("退单"),
    "refusals_upheld": _("退单获准"),
    "extensions": _("延期"),
    "redos": _("重办"),
}
# rate → (numerator, denominator)
RATES = {
    "sign_rate": ("signed_on_time", "received"),
    "response_rate": ("replied_on_time", "signed"),
    "resolution_rate": ("resolved", "signed"),
    "satisfaction_rate": ("satisfied", "rated"),
    "redo_rate": ("redone", "resolved_once"),
}
WEIGHTS = {"response_rate": 30, "resolution_rate": 35, "satisfaction_rate": 35}
SUMMED = ("refusals", "extensions", "redos")  # times, not orders


def figure_q(figure: str, now: datetime.datetime) -> Q:
    """The stints a figure counts."""
    running = ~Q(order__state=State.WAITING) & Q(order__state__in=OPEN_STATES)
    return {
        "received": Q(),
        "signed": Q(signed_at__isnull=False),
        "signed_on_time": Q(signed_at__lte=F("sign_deadline")),
        "replied_on_time": Q(resolved_at__isnull=False, resolved_at__lte=F("deadline")),
        "resolved": Q(resolved_at__isnull=False),
        "resolved_once": Q(resolved_at__isnull=False) | Q(redos__gt=0),
        "rated": Q(rated=True),
        "satisfied": Q(satisfied=True),
        # escalated, resolved late, or still held and past its deadline now
        "overdue": Q(overdue=True)
        | Q(current=True, resolved_at__isnull=True, deadline__lt=now) & running,
        "escalations": Q(escalated=True),
        "refusals": Q(refusals__gt=0),
        "refusals_upheld": Q(refusal_upheld=True),
        "extensions": Q(extensions__gt=0),
        "redos": Q(redos__gt=0),
        "redone": Q(redos__gt=0),
    }[figure]


@dataclass
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        first = day.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return cls(first, following - datetime.timedelta(days=1))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))
        end = timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time())
        )
        return start, end


def stints_in(region: Region, period: Period) -> QuerySet:
    start, end = period.bounds()
    return Handling.objects.filter(
        region.subtree_q("order__enterprise__"), dispatched_at__gte=start, dispatched_at__lt=end
    )


def stint_filter(
    region: Region, period: Period, unit_id: int, figure: str, now: datetime.datetime | None = None
) -> Q:
    """The orders behind one figure of one unit: a filter on WorkOrder (the drill-down)."""
    now = now or timezone.now()
    stints = stints_in(region, period).filter(figure_q(figure, now), unit=unit_id)
    return Q(pk__in=stints.values("order"))


class Median(Aggregate):
    """PostgreSQL's median of an interval (percentile_cont)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _span(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("dispatched_at"), output_field=DurationField())


def _hours(value: datetime.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _medians(stints: QuerySet) -> dict[int, dict[str, float | None]]:
    """Median hours from dispatch to sign-for and to resolution, per unit."""
    if connection.vendor == "postgresql":
        rows = stints.values("unit").annotate(
            to_sign=Median(_span("signed_at"), filter=Q(signed_at__isnull=False)),
            to_resolve=Median(_span("resolved_at"), filter=Q(resolved_at__isnull=False)),
        )
        return {
            r["unit"]: {"to_sign": _hours(r["to_sign"]), "to_resolve": _hours(r["to_resolve"])}
            for r in rows
        }
    spans: dict[int, dict[str, list]] = {}
    for unit, dispatched, signed, resolved in stints.values_list(
        "unit", "dispatched_at", "signed_at", "resolved_at"
    ):
        row = spans.setdefault(unit, {"to_sign": [], "to_resolve": []})
        if signed:
            row["to_sign"].append(signed - dispatched)
        if resolved:
            row["to_resolve"].append(resolved - dispatched)
    return {
        unit: {k: _hours(median(v)) if v else None for k, v in row.items()}
        for unit, row in spans.items()
    }


def weights_of(campaign: Campaign | None) -> dict[str, int]:
    """The campaign's weights (`scorecard_weight_response`, `…_resolution`,
    `…_satisfaction`), 30/35/35 by default."""
    sla = (campaign.sla or {}) if campaign else {}
    return {
        rate: int(sla.get(f"scorecard_weight_{rate.removesuffix('_rate')}", weight))
        for rate, weight in WEIGHTS.items()
    }


def _rate(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def score_of(row: dict, weights: dict[str, int]) -> float | None:
    """The weighted mean of the rates that have a denominator (out of 100)."""
    present = {rate: w for rate, w in weights.items() if row[rate] is not None}
    total = sum(present.values())
    if not total:
        return None
    return round(sum(row[rate] * w for rate, w in present.items()) / total, 1)


def scorecard(
    region: Region,
    period: Period,
    *,
    campaign: Campaign | None = None,
    weights_from: Campaign | None = None,
    now: datetime.datetime | None = None,
) -> list[dict]:
    """One row per unit that held orders in the period (of `campaign`'s orders only, when
    given), ranked by score (units without a score last): the figures, the rates (percent,
    one decimal, with `<rate>_of` = [numerator, denominator]), the medians and the score
    (weights of `weights_from`, else of `campaign`)."""
    now = now or timezone.now()
    stints = stints_in(region, period)
    if campaign is not None:
        stints = stints.filter(order__campaign=campaign)
    counted = [f for f in (*FIGURES, "resolved_once", "redone") if f not in SUMMED]
    aggregates = {f: Count("id", filter=figure_q(f, now)) for f in counted}
    aggregates |= {f: Sum(f) for f in SUMMED}
    rows = list(stints.values("unit", "unit__code", "unit__name").annotate(**aggregates).order_by())
    medians = _medians(stints)
    weights = weights_of(weights_from or campaign)
    out = []
    for row in rows:
        item = {"unit": row["unit__code"], "unit_name": row["unit__name"], "unit_id": row["unit"]}
        item |= {f: row[f] or 0 for f in FIGURES}
        for rate, (numerator, denominator) in RATES.items():
            item[rate] = _rate(row[numerator], row[denominator])
            item[f"{rate}_of"] = [row[numerator], row[denominator]]
        medians_of = medians.get(row["unit"], {})
        item["median_hours_to_sign"] = medians_of.get("to_sign")
        item["median_hours_to_resolve"] = medians_of.get("to_resolve")
        item["score"] = score_of(item, weights)
        out.append(item)
    out.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["unit"]))
    for rank, item in enumerate(out, 1):
        item["rank"] = rank
    return out
