"""The DayStatus / RegionDay rollup: every enterprise's status on every day of a campaign and
its sums per leaf region, kept current as reports arrive and carried forward day by day. Both
the report use-cases (services) and the statistics (stats) read it; it imports neither."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.registry.models import Enterprise, EnterpriseHistory, regions_of

from .models import DailyReport, DayStatus, Horizon, RegionDay

if TYPE_CHECKING:
    from collections.abc import Iterable

# --- the DayStatus rollup -----------------------------------------------------------------


def _status_row(report: DailyReport, day: date) -> DayStatus:
    return DayStatus(
        campaign_id=report.campaign_id,
        day=day,
        enterprise_id=report.enterprise_id,
        report=report,
        status=report.status,
        mode=report.mode,
        confirmed=report.confirmed_at is not None,
        staff_on_duty=report.staff_on_duty,
        staff_total=report.staff_total,
        output=report.output,
        capacity_utilisation=report.capacity_utilisation,
        reported_today=(day == report.date),
    )


def refresh_status(report: DailyReport) -> None:
    """Rewrite the enterprise's DayStatus rows from the report's day up to the day before its
    next report (or the horizon)."""
    through = roll_forward(report.campaign, report.date)
    nxt = DailyReport.objects.filter(
        campaign_id=report.campaign_id, enterprise_id=report.enterprise_id, date__gt=report.date
    ).aggregate(d=Min("date"))["d"]
    last = min(nxt - timedelta(days=1), through) if nxt else through
    DayStatus.objects.filter(
        campaign_id=report.campaign_id,
        enterprise_id=report.enterprise_id,
        day__gte=report.date,
        day__lte=last,
    ).delete()
    days = (last - report.date).days + 1
    DayStatus.objects.bulk_create(
        [_status_row(report, report.date + timedelta(days=i)) for i in range(days)], batch_size=1000
    )
    recompute_region_days(report.campaign_id, regions_of([report.enterprise_id]), report.date, last)


_COPY_REGION_DAYS_SQL = """
INSERT INTO reporting_regionday (campaign_id, day, region_id, resumed_full, resumed_partial,
    reported, reported_today, staff_on_duty, staff_total_reported, registry_staff_reported,
    output, capacity_sum, capacity_n)
SELECT campaign_id, %s, region_id, resumed_full, resumed_partial, reported, 0, staff_on_duty,
    staff_total_reported, registry_staff_reported, output, capacity_sum, capacity_n
FROM reporting_regionday WHERE campaign_id = %s AND day = %s
"""

_REGION_DAYS_SQL = """
INSERT INTO reporting_regionday (campaign_id, day, region_id, resumed_full, resumed_partial,
    reported, reported_today, staff_on_duty, staff_total_reported, registry_staff_reported,
    output, capacity_sum, capacity_n)
SELECT s.campaign_id, s.day, COALESCE(h.region_id, e.region_id),
    SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
    SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END),
    COUNT(*), SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
    SUM(s.staff_on_duty), SUM(s.staff_total), SUM(e.total_staff),
    COALESCE(SUM(s.output), 0), COALESCE(SUM(s.capacity_utilisation), 0),
    COUNT(s.capacity_utilisation)
FROM reporting_daystatus s JOIN registry_enterprise e ON e.id = s.enterprise_id
LEFT JOIN registry_enterprisehistory h ON h.enterprise_id = s.enterprise_id
    AND h.valid_to > s.day AND (h.valid_from IS NULL OR h.valid_from <= s.day)
WHERE s.campaign_id = %s AND s.day >= %s AND s.day <= %s {regions}
    AND (e.active_from IS NULL OR e.active_from <= s.day)
    AND (e.active_to IS NULL OR e.active_to > s.day)
GROUP BY s.campaign_id, s.day, COALESCE(h.region_id, e.region_id)
"""
# each day's sums go to the leaf region the enterprise was in that day (its history period
# covering the day, else its current region): README "As of day D"


def recompute_region_days(
    campaign_id: int,
    region_ids: Iterable[int] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> None:
    """Recompute RegionDay rows from DayStatus for some leaf regions (all when None) over
    [start, end] (the whole campaign when None)."""
    start, end = start or date.min, end or date.max
    rows = RegionDay.objects.filter(campaign_id=campaign_id, day__gte=start, day__lte=end)
    regions, params = "", [campaign_id, start, end]
    if region_ids is not None:
        region_ids = sorted(set(region_ids))
        if not region_ids:
            return
        rows = rows.filter(region_id__in=region_ids)
        ids = ", ".join(["%s"] * len(region_ids))
        regions = "AND COALESCE(h.region_id, e.region_id) IN (" + ids + ")"
        params += region_ids
    rows.delete()
    with connection.cursor() as cursor:
        cursor.execute(_REGION_DAYS_SQL.format(regions=regions), params)


def enterprises_changed(region_ids: Iterable[int]) -> None:
    """The registry changed enterprises of these leaf regions (moved, staff, deleted): bring
    every campaign's RegionDay rows for them back in step."""
    for campaign_id in Horizon.objects.values_list("campaign_id", flat=True):
        recompute_region_days(campaign_id, region_ids)


_COPY_SQL = """
INSERT INTO reporting_daystatus (campaign_id, day, enterprise_id, report_id, status, mode,
    confirmed, staff_on_duty, staff_total, output, capacity_utilisation, reported_today)
SELECT campaign_id, %s, enterprise_id, report_id, status, mode, confirmed, staff_on_duty,
    staff_total, output, capacity_utilisation, %s
FROM reporting_daystatus WHERE campaign_id = %s AND day = %s
"""


def _recompute_where_dates_fall(campaign_id: int, day: date) -> None:
    """The copied sums of `day` are wrong in the leaf regions where an enterprise opened,
    closed or moved that day (RegionDay counts only enterprises active on its day, in the
    region they were in that day): recompute them."""
    moved = EnterpriseHistory.objects.filter(Q(valid_from=day) | Q(valid_to=day))
    regions = set(
        Enterprise.objects.filter(
            Q(active_from=day) | Q(active_to=day) | Q(pk__in=moved.values("enterprise_id"))
        ).values_list("region_id", flat=True)
    ) | set(moved.values_list("region_id", flat=True))
    if regions:
        recompute_region_days(campaign_id, regions, day, day)


def horizon_day(campaign: Campaign, day: date | None = None) -> date:
    """The last day whose statuses exist or can exist: not after today nor the campaign's end."""
    last = min(day or timezone.localdate(), timezone.localdate())
    return min(last, campaign.ends_on) if campaign.ends_on else last


def roll_forward(campaign: Campaign, day: date | None = None) -> date:
    """Carry every enterprise's status forward, one day at a time, up to `day`; return the
    horizon. Idempotent and safe under concurrency (the campaign's Horizon row is locked)."""
    target = horizon_day(campaign, day)
    horizon = Horizon.objects.filter(campaign=campaign).first()
    if horizon is not None and horizon.through >= target:
        return horizon.through
    with transaction.atomic():
        Horizon.objects.get_or_create(
            campaign=campaign, defaults={"through": campaign.starts_on - timedelta(days=1)}
        )
        horizon = Horizon.objects.select_for_update().get(campaign=campaign)
        with connection.cursor() as cursor:
            d = horizon.through + timedelta(days=1)
            while d <= target:
                cursor.execute(_COPY_SQL, [d, False, campaign.pk, d - timedelta(days=1)])
                cursor.execute(_COPY_REGION_DAYS_SQL, [d, campaign.pk, d - timedelta(days=1)])
                _recompute_where_dates_fall(campaign.pk, d)
                d += timedelta(days=1)
        if target > horizon.through:
            horizon.through = target
            horizon.save(update_fields=["through"])
    return horizon.through


def rebuild_status(campaign: Campaign) -> None:
    """Recompute a campaign's DayStatus from its reports (after a bulk load or a repair), up
    to the same horizon (today's, if it had none)."""
    with transaction.atomic():
        horizon = Horizon.objects.filter(campaign=campaign).first()
        DayStatus.objects.filter(campaign=campaign).delete()
        RegionDay.objects.filter(campaign=campaign).delete()
        Horizon.objects.filter(campaign=campaign).delete()
        # no rows yet: this only sets the horizon
        through = roll_forward(campaign, horizon.through if horizon else None)
        reports = DailyReport.objects.filter(campaign=campaign).order_by("enterprise_id", "date")
        batch, current = [], None
        for report in reports.iterator(chunk_size=5000):
            if current is not None and current.enterprise_id == report.enterprise_id:
                batch.extend(_days(current, report.date - timedelta(days=1)))
            elif current is not None:
                batch.extend(_days(current, through))
            current = report
            if len(batch) > 20000:
                DayStatus.objects.bulk_create(batch, batch_size=5000)
                batch = []
        if current is not None:
            batch.extend(_days(current, through))
        DayStatus.objects.bulk_create(batch, batch_size=5000)
        recompute_region_days(campaign.pk)
        if connection.vendor == "postgresql":  # fresh statistics for the planner after a bulk load
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reporting_daystatus, reporting_dailyreport")


def _days(report: DailyReport, last: date) -> list[DayStatus]:
    return [
        _status_row(report, report.date + timedelta(days=i))
        for i in range((last - report.date).days + 1)
    ]


def latest_report_day(campaign: Campaign) -> date | None:
    return DailyReport.objects.filter(campaign=campaign).aggregate(d=Max("date"))["d"]
