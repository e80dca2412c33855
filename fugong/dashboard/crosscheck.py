"""The electricity cross-check (电力复工指数 against the daily reports): siblings never import each
other, so it lives here, on top, reading the reporting app's status as of the day and the power
app's readings and baselines.

Over the enterprises in scope that have a baseline for the campaign: resumed by report (status
as of the day 复工 or 部分复工), resumed by power (the day's reading ≥ threshold × baseline),
both, report_only, power_only, neither; `no_reading` counts those without a reading that day (no
data, never zero: not resumed by power and in neither disagreement list). The two lists for the
township to check: reports resumed but power under the threshold, reports not resumed but power
at or over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, Count, F, FilteredRelation, IntegerField, Q, Value, When

from fugong.power import services as power
from fugong.registry import industry as industries
from fugong.reporting.models import Status
from fugong.reporting.stats import StatsQuery, _to_children, percent, status_condition

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from django.db.models import QuerySet

    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


BY = ("region", "industry")
LISTS = ("report_not_power", "power_not_report")


def _joined(user: Actor, query: StatsQuery) -> QuerySet[Enterprise]:
    """The enterprises in scope with a baseline, joined to the day's reading and status."""
    return (
        query.enterprises(user)
        .annotate(
            power_baseline=FilteredRelation(
                "power_baselines", condition=Q(power_baselines__campaign=query.campaign)
            ),
            power_reading=FilteredRelation(
                "power_readings", condition=Q(power_readings__day=query.day)
            ),
            day_status=FilteredRelation(
                "day_statuses",
                condition=status_condition(query, query.day),
            ),
        )
        .filter(power_baseline__id__isnull=False)
    )


def _conditions(query: StatsQuery) -> tuple[Q, Q, Q, Q, Q]:
    """Resumed by report, not resumed by report (未复工 or never reported), resumed by power,
    a reading under the threshold, a reading at all — written without negation, which Django
    would turn into a subquery that loses the filtered joins."""
    by_report = Q(day_status__status__in=[Status.FULL, Status.PARTIAL])
    not_report = Q(day_status__id__isnull=True) | Q(day_status__status=Status.NOT_RESUMED)
    by_power = power.resumed_by_power(query.campaign)
    low_power = power.under_threshold(query.campaign)
    # kwh (never null) rather than id: the day's readings are then read from the index alone
    has_reading = Q(power_reading__kwh__isnull=False)
    return by_report, not_report, by_power, low_power, has_reading


# a row's power class: no reading that day, a reading under the threshold, at or over it
NO_READING, LOW_POWER, BY_POWER = 0, 1, 2
RESUMED = (Status.FULL, Status.PARTIAL)


def _grouped(joined: QuerySet, query: StatsQuery, *keys: str) -> QuerySet:
    """One statement: the enterprises counted by (`keys`…, the day's status, power class) —
    at most 4 × 3 rows per key — instead of six filtered counts over every row; the counts
    follow in Python (`_tally`). Two expressions to compile rather than six, the threshold
    compared once per row."""
    power_class = Case(
        When(power.resumed_by_power(query.campaign), then=Value(BY_POWER)),
        When(power_reading__kwh__isnull=False, then=Value(LOW_POWER)),
        default=Value(NO_READING),
        output_field=IntegerField(),
    )
    return (
        joined.annotate(power_class=power_class, report_status=F("day_status__status"))
        .values(*keys, "report_status", "power_class")
        .annotate(n=Count("id"))
        .order_by()
    )


def _tally(rows: Iterable[dict]) -> dict[str, int]:
    """The six counts from grouped rows: a day's status is 复工, 部分复工, 未复工 or none (so "not
    resumed by report" is the complement of "resumed by report") and a reading is either at or
    over the threshold or under it: power_only = resumed_by_power − both, and reports resumed
    with power under the threshold = report_with_reading − both."""
    agg = dict.fromkeys(
        ("enterprises_with_baseline", "with_reading", "resumed_by_report", "resumed_by_power",
         "both", "report_with_reading"),
        0,
    )  # fmt: skip
    for row in rows:
        n, resumed, pc = row["n"], row["report_status"] in RESUMED, row["power_class"]
        agg["enterprises_with_baseline"] += n
        agg["with_reading"] += n * (pc != NO_READING)
        agg["resumed_by_report"] += n * resumed
        agg["resumed_by_power"] += n * (pc == BY_POWER)
        agg["both"] += n * (resumed and pc == BY_POWER)
        agg["report_with_reading"] += n * (resumed and pc != NO_READING)
    return agg


def _tally_by(rows: Iterable[dict], key: str) -> dict[Any, dict[str, int]]:
    groups: dict[Any, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return {k: _tally(v) for k, v in groups.items()}


def _figures(agg: dict[str, int | None]) -> dict[str, Any]:
    n = agg.get("enterprises_with_baseline") or 0
    report, pw, both = (agg.get(k) or 0 for k in ("resumed_by_report", "resumed_by_power", "both"))
    power_only = pw - both
    report_low_power = (agg.get("report_with_reading") or 0) - both
    return {
        "enterprises_with_baseline": n,
        "with_reading": agg.get("with_reading") or 0,
        "no_reading": n - (agg.get("with_reading") or 0),
        "resumed_by_report": report,
        "resumed_by_power": pw,
        "both": both,
        "report_only": report - both,
        "power_only": power_only,
        "neither": n - report - power_only,
        "report_rate": percent(report, n),
        "power_rate": percent(pw, n),
        "disagreements": report_low_power + power_only,
    }


def cross_check(user: Actor, query: StatsQuery, by: str | None = None) -> dict:
    """The figures for the query (and a breakdown by child region or industry)."""
    joined = _joined(user, query)
    result = {
        "campaign": query.campaign.name,
        "region": query.region.code,
        "region_name": query.region.name,
        "date": query.day.isoformat(),
        "threshold": power.threshold(query.campaign),
        "baseline_month": power.baseline_month(query.campaign).strftime("%Y-%m"),
        **_figures(_tally(_grouped(joined, query))),
    }
    if by == "region":
        groups, labels = _to_children(
            query.region, _tally_by(_grouped(joined, query, "region_id"), "region_id")
        )
    elif by == "industry":
        groups = _tally_by(_grouped(joined, query, "industry"), "industry")
        labels = {k: industries.label(k) for k in groups}
    else:
        return result
    result["breakdown"] = [
        {"key": k, "label": str(labels.get(k, k)), **_figures(groups[k])} for k in sorted(groups)
    ]
    return result


def disagreements(user: Actor, query: StatsQuery, which: str) -> list[dict]:
    """One disagreement list: `report_not_power` (reports resumed, power under the threshold)
    or `power_not_report` (reports not resumed, power at or over it), lowest or highest index
    first."""
    by_report, not_report, by_power, low_power, _has_reading = _conditions(query)
    wanted = by_report & low_power if which == LISTS[0] else not_report & by_power
    rows = (
        _joined(user, query)
        .filter(wanted)
        .select_related("region")
        .annotate(
            kwh=F("power_reading__kwh"),
            baseline=F("power_baseline__kwh_per_day"),
            status=F("day_status__status"),
        )
    )
    labels = dict(Status.choices)
    out = [
        {
            "id": e.pk,
            "uscc": e.uscc,
            "name": e.name,
            "region": e.region.name,
            "industry": industries.label(e.industry),
            "contact_phone": e.contact_phone,
            "status": e.status or "",
            "status_label": str(labels.get(e.status, "")) if e.status else "",
            "kwh": float(e.kwh),
            "baseline": float(e.baseline),
            "index": power.index(e.kwh, e.baseline),
        }
        for e in rows
    ]
    out.sort(key=lambda r: (r["index"], r["name"]), reverse=which != LISTS[0])
    return out
