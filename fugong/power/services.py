"""The power index (电力复工指数): readings in, baselines computed, index per enterprise and day.

Semantics (../shared/DESIGN.md): the baseline is the daily average of the calendar month before
the campaign starts — or of the month `campaign.sla["power_baseline_month"]` names as YYYYMM —
over the days that have a reading; power index = the day's kWh / baseline; resumed by power when
the index reaches `campaign.sla["power_threshold_percent"]` (default 30)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils.translation import gettext as _

from fugong.core.models import Campaign

from .models import Baseline, Reading

if TYPE_CHECKING:
    from django.db.models.expressions import CombinedExpression

DEFAULT_THRESHOLD = 30  # campaign.sla["power_threshold_percent"]


def threshold(campaign: Campaign) -> int:
    """The campaign's threshold in percent of the baseline."""
    return int((campaign.sla or {}).get("power_threshold_percent", DEFAULT_THRESHOLD))


def baseline_month(campaign: Campaign) -> date:
    """The first day of the campaign's baseline month."""
    named = (campaign.sla or {}).get("power_baseline_month")
    if named:
        return date(int(named) // 100, int(named) % 100, 1)
    before = campaign.starts_on.replace(day=1) - timedelta(days=1)
    return before.replace(day=1)


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def baseline_month_error(value: object) -> str:
    """'' if `value` is an acceptable power_baseline_month, else the rule it breaks."""
    try:
        date(int(value) // 100, int(value) % 100, 1)
    except (TypeError, ValueError):
        return _("基准月应为 YYYYMM，例如 201912")
    return ""


def recompute_baselines(campaign: Campaign, enterprise_ids: Iterable[int] | None = None) -> int:
    """Rewrite the campaign's baselines (of the given enterprises, or all in its region) from the
    readings of its baseline month; returns how many enterprises have one."""
    first = baseline_month(campaign)
    readings = Reading.objects.filter(
        campaign.region.subtree_q("enterprise__"), day__gte=first, day__lte=month_end(first)
    )
    old = Baseline.objects.filter(campaign=campaign)
    if enterprise_ids is not None:
        ids = list(enterprise_ids)
        readings, old = readings.filter(enterprise_id__in=ids), old.filter(enterprise_id__in=ids)
    with transaction.atomic():
        old.delete()
        rows = (
            readings.values("enterprise_id")
            .annotate(avg=Avg("kwh"), days=Count("id"))
            .filter(avg__gt=0)
            .order_by()
        )
        made = Baseline.objects.bulk_create(
            [
                Baseline(
                    campaign=campaign,
                    enterprise_id=r["enterprise_id"],
                    month=first,
                    days=r["days"],
                    kwh_per_day=Decimal(r["avg"]).quantize(Decimal("0.001")),
                )
                for r in rows
            ],
            batch_size=2000,
        )
    return len(made)


# one day's meter reading: (enterprise id, day, kWh)
ReadingRow = tuple[int, date, Decimal]


def save_readings(readings: list[ReadingRow]) -> tuple[int, int]:
    """Write (enterprise id, day, kWh) readings — a re-imported day replaces the earlier value —
    and recompute the baselines of every campaign whose baseline month they touch. One
    transaction (the importer audits it); returns (created, updated)."""
    with transaction.atomic():
        keys = {(e, d) for e, d, _k in readings}
        ids = {e for e, _d in keys}
        existing = {
            (r.enterprise_id, r.day): r
            for r in Reading.objects.filter(enterprise_id__in=ids, day__in={d for _e, d in keys})
            if (r.enterprise_id, r.day) in keys
        }
        new, changed = [], []
        for enterprise_id, day, kwh in readings:
            row = existing.get((enterprise_id, day))
            if row is None:
                new.append(Reading(enterprise_id=enterprise_id, day=day, kwh=kwh))
            elif row.kwh != kwh:
                row.kwh = kwh
                changed.append(row)
        Reading.objects.bulk_create(new, batch_size=2000)
        Reading.objects.bulk_update(changed, ["kwh"], batch_size=2000)
        months = {d.replace(day=1) for _e, d in keys}
        for campaign in Campaign.objects.select_related("region"):
            if baseline_month(campaign) in months:
                recompute_baselines(campaign, ids)
    return len(new), len(existing)


def index(kwh: Decimal | float | None, baseline: Decimal | float | None) -> float | None:
    """The power index in percent, one decimal; None without a reading or a baseline."""
    if kwh is None or not baseline:
        return None
    return round(float(Decimal(kwh) * 100 / Decimal(baseline)), 1)


def _floor(campaign: Campaign) -> CombinedExpression:
    return F("power_baseline__kwh_per_day") * threshold(campaign) / 100


def resumed_by_power(campaign: Campaign) -> Q:
    """On a queryset of enterprises annotated with `power_baseline` (this campaign's, as a
    FilteredRelation) and `power_reading` (the day's): resumed by power."""
    return Q(power_reading__kwh__gte=_floor(campaign))


def under_threshold(campaign: Campaign) -> Q:
    """The same annotations: a reading that day, under the threshold (no reading is no data)."""
    return Q(power_reading__kwh__lt=_floor(campaign))
