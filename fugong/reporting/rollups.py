"""The DayStatus rollup and its sums: every enterprise's status on every day of a campaign,
its sums per leaf region (RegionDay), per leaf region, industry division and scale
(SegmentDay), per leaf region and scale (ScaleDay) and per list, leaf region and scale
(ListDay), kept current as reports arrive and carried forward day by day. Both the
report use-cases (services) and the statistics (stats) read it; it imports neither."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from fugong.core.bulk import indexes_deferred
from fugong.core.models import Campaign
from fugong.registry.models import Enterprise, EnterpriseHistory, ListMembership, regions_of

from .models import (
    DailyReport,
    DayStatus,
    Horizon,
    ListDay,
    ListDayPending,
    RegionDay,
    ScaleDay,
    SegmentDay,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

log = logging.getLogger("fugong.bulk")

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
    next report (or the horizon). A report dated after the horizon gets its one row, on its
    day (the read path carries it forward, the worker's roll-forward fills the days between):
    a submission never rolls every enterprise forward, and waits only while the worker does."""
    with transaction.atomic():
        through = _horizon_shared(report.campaign)
        if report.date > through:
            DayStatus.objects.filter(
                campaign_id=report.campaign_id, enterprise_id=report.enterprise_id, day=report.date
            ).delete()
            _status_row(report, report.date).save()
            transaction.on_commit(lambda: _enqueue_roll_forward(report.campaign_id))
            return
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
            [_status_row(report, report.date + timedelta(days=i)) for i in range(days)],
            batch_size=1000,
        )
        recompute_region_days(
            report.campaign_id, regions_of([report.enterprise_id]), report.date, last
        )


SUM_COLUMNS = (
    "resumed_full",
    "resumed_partial",
    "reported",
    "reported_today",
    "staff_on_duty",
    "staff_total_reported",
    "registry_staff_reported",
    "output",
    "capacity_sum",
    "capacity_n",
    "confirmed",
    "resumed_confirmed",
    "resumed_output",
    "resumed_annual",
    "closed_loop",
    "closed_loop_confirmed",
    "closed_loop_output",
    "closed_loop_annual",
)
COLUMNS = ", ".join(SUM_COLUMNS)

_COPY_SUMS_SQL = f"""
INSERT INTO {{table}} (campaign_id, day, region_id{{keys}}, {COLUMNS})
SELECT campaign_id, %s, region_id{{keys}}, {COLUMNS.replace("reported_today", "0")}
FROM {{table}} WHERE campaign_id = %s AND day = %s
"""

SUMS_SQL = """
INSERT INTO {table} (campaign_id, day, region_id{keys}, {columns})
SELECT s.campaign_id, s.day, COALESCE(h.region_id, e.region_id){values},
    SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
    SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END),
    COUNT(*), SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
    SUM(s.staff_on_duty), SUM(s.staff_total), SUM(e.total_staff),
    COALESCE(SUM(s.output), 0), COALESCE(SUM(s.capacity_utilisation), 0),
    COUNT(s.capacity_utilisation),
    SUM(CASE WHEN s.confirmed THEN 1 ELSE 0 END),
    SUM(CASE WHEN {resumed} AND s.confirmed THEN 1 ELSE 0 END),
    COALESCE(SUM(CASE WHEN {resumed} THEN s.output END), 0),
    COALESCE(SUM(CASE WHEN {resumed} THEN e.annual_output END), 0),
    SUM(CASE WHEN {closed_loop} THEN 1 ELSE 0 END),
    SUM(CASE WHEN {closed_loop} AND s.confirmed THEN 1 ELSE 0 END),
    COALESCE(SUM(CASE WHEN {closed_loop} THEN s.output END), 0),
    COALESCE(SUM(CASE WHEN {closed_loop} THEN e.annual_output END), 0)
FROM reporting_daystatus s JOIN registry_enterprise e ON e.id = s.enterprise_id
LEFT JOIN registry_enterprisehistory h ON h.enterprise_id = s.enterprise_id
    AND h.valid_to > s.day AND (h.valid_from IS NULL OR h.valid_from <= s.day){join}
WHERE {where}
    AND (e.active_from IS NULL OR e.active_from <= s.day)
    AND (e.active_to IS NULL OR e.active_to > s.day)
GROUP BY s.campaign_id, s.day, COALESCE(h.region_id, e.region_id){values}
"""
# each day's sums go to the leaf region the enterprise was in that day (its history period
# covering the day, else its current region), and SegmentDay's, ScaleDay's and ListDay's to
# its scale that day too; ListDay's are a list's members that day, each of its lists once:
# README "As of day D". The migrations creating the tables fill them with the same statement.
SCALE = "COALESCE(h.scale, e.scale)"
SEGMENT_KEYS = ", industry_section, industry_division, scale"
SEGMENT_VALUES = f", e.industry_section, e.industry_division, {SCALE}"
# a list's members that day, each once even where two of its memberships overlap
MEMBERS_JOIN = """
JOIN registry_enterpriselist l ON EXISTS (SELECT 1 FROM registry_listmembership m
    WHERE m.list_id = l.id AND m.enterprise_id = s.enterprise_id
    AND m.added_on <= s.day AND (m.removed_on IS NULL OR m.removed_on > s.day))"""
_RESUMED = "s.status IN ('full', 'partial')"


@dataclass(frozen=True)
class Rollup:
    """A rollup table: its sums of the status rows grouped by leaf region and `keys`."""

    model: type
    table: str
    keys: str = ""  # the key columns after region_id, each after a comma
    values: str = ""  # their values in the status rows' join
    join: str = ""  # more of that join

    def sums_sql(self, where: str) -> str:
        """The INSERT of the table's sums from the status rows `where` selects."""
        return SUMS_SQL.format(
            table=self.table,
            keys=self.keys,
            values=self.values,
            join=self.join,
            columns=COLUMNS,
            where=where,
            resumed=_RESUMED,
            closed_loop=f"{_RESUMED} AND s.mode = 'closed_loop'",
        )


ROLLUPS = (
    Rollup(RegionDay, "reporting_regionday"),
    Rollup(SegmentDay, "reporting_segmentday", SEGMENT_KEYS, SEGMENT_VALUES),
    Rollup(ScaleDay, "reporting_scaleday", ", scale", f", {SCALE}"),
    Rollup(ListDay, "reporting_listday", ", list_id, scale", f", l.id, {SCALE}", MEMBERS_JOIN),
)
ROLLUP = {r.table: r for r in ROLLUPS}
LIST_DAYS = ROLLUP["reporting_listday"]
# the `where` of every campaign's sums up to its horizon: the migrations creating a rollup
# table fill it with `sums_sql(UP_TO_HORIZON)`, each in one set-based statement
UP_TO_HORIZON = "s.day <= (SELECT through FROM reporting_horizon WHERE campaign_id = s.campaign_id)"


def recompute_region_days(
    campaign_id: int,
    region_ids: Iterable[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    rollups: tuple[Rollup, ...] = ROLLUPS,
) -> None:
    """Recompute the rollups' rows (all of them unless told) from DayStatus for some leaf
    regions (all when None) over [start, end] (the whole campaign when None)."""
    start, end = start or date.min, end or date.max
    where, params = "s.campaign_id = %s AND s.day >= %s AND s.day <= %s", [campaign_id, start, end]
    if region_ids is not None:
        region_ids = sorted(set(region_ids))
        if not region_ids:
            return
        ids = ", ".join(["%s"] * len(region_ids))
        where += " AND COALESCE(h.region_id, e.region_id) IN (" + ids + ")"
        # and, for the index on the status rows, the enterprises ever in those regions: else
        # a region's day reads every enterprise's row of the day (≈ 200 ms a rollup at
        # 100,000 enterprises, on every report)
        where += (
            f" AND s.enterprise_id IN (SELECT id FROM registry_enterprise WHERE region_id IN"
            f" ({ids}) UNION ALL SELECT enterprise_id FROM registry_enterprisehistory"
            f" WHERE region_id IN ({ids}))"
        )
        params += region_ids * 3
    with connection.cursor() as cursor:
        for rollup in rollups:
            rows = rollup.model.objects.filter(
                campaign_id=campaign_id, day__gte=start, day__lte=end
            )
            if region_ids is not None:
                rows = rows.filter(region_id__in=region_ids)
            rows.delete()
            cursor.execute(rollup.sums_sql(where), params)


def enterprises_changed(region_ids: Iterable[int]) -> None:
    """The registry changed enterprises of these leaf regions (moved, staff, deleted): bring
    every campaign's rollup rows for them back in step."""
    for campaign_id, through in Horizon.objects.values_list("campaign_id", "through"):
        recompute_region_days(campaign_id, region_ids, None, through)


def lists_changed(region_ids: Iterable[int], since: date) -> None:
    """List memberships of enterprises of these leaf regions changed from `since` on: mark
    their ListDay rows pending (one row per region, the earliest day kept) and have the worker
    settle them after the commit (`settle_list_days`)."""
    earliest = "LEAST" if connection.vendor == "postgresql" else "min"
    table = ListDayPending._meta.db_table
    with connection.cursor() as cursor:  # always a write: the mark is this transaction's, locked
        for region_id in sorted(set(region_ids)):
            cursor.execute(
                f"INSERT INTO {table} (region_id, since) VALUES (%s, %s) ON CONFLICT (region_id) "
                f"DO UPDATE SET since = {earliest}({table}.since, excluded.since)",
                [region_id, since],
            )
    queued = getattr(connection, "run_on_commit", [])
    if not any(call is _enqueue_settle for _sids, call, *_robust in queued):  # once per commit
        transaction.on_commit(_enqueue_settle, robust=True)  # the nightly job settles it else


def settle_list_days() -> int:
    """Recompute the ListDay rows of the pending regions, every campaign from the region's
    first stale day up to its horizon, and clear the marks; the number of regions settled.
    The campaigns' horizons are locked first, as the roll-forward locks them, so neither copies
    the other's half-made rows. Marks a transaction still holds are left to its own job after
    its commit (its membership changes are not visible yet)."""
    with transaction.atomic():
        horizons = list(Horizon.objects.select_for_update().order_by("pk"))
        marks = ListDayPending.objects.select_for_update(skip_locked=True).order_by("pk")
        pending = list(marks)
        by_since: dict[date, set[int]] = {}
        for mark in pending:
            by_since.setdefault(mark.since, set()).add(mark.region_id)
        for horizon in horizons:
            for since, regions in sorted(by_since.items()):
                if since <= horizon.through:
                    recompute_region_days(
                        horizon.campaign_id, regions, since, horizon.through, (LIST_DAYS,)
                    )
        ListDayPending.objects.filter(pk__in=[mark.pk for mark in pending]).delete()
    return len(pending)


def lists_pending() -> bool:
    """Whether some region's ListDay rows wait for `settle_list_days`."""
    return ListDayPending.objects.exists()


def _enqueue_settle() -> None:
    from . import tasks  # the task module imports the services, which import this one

    tasks.settle_list_days()


_COPY_SQL = """
INSERT INTO reporting_daystatus (campaign_id, day, enterprise_id, report_id, status, mode,
    confirmed, staff_on_duty, staff_total, output, capacity_utilisation, reported_today)
SELECT campaign_id, %s, enterprise_id, report_id, status, mode, confirmed, staff_on_duty,
    staff_total, output, capacity_utilisation, %s
FROM reporting_daystatus p WHERE campaign_id = %s AND day = %s {skip}
"""
# enterprises whose report dated the new day arrived before the horizon reached it keep its row
_SKIP_REPORTED = """AND NOT EXISTS (SELECT 1 FROM reporting_daystatus n
    WHERE n.campaign_id = p.campaign_id AND n.day = %s AND n.enterprise_id = p.enterprise_id)"""


def _roll_one_day(cursor: object, campaign_id: int, d: date) -> None:
    """Make day `d`'s status rows and sums from day d-1's (the horizon), keeping the rows of
    the reports dated `d` that arrived before the horizon reached it."""
    before = d - timedelta(days=1)
    reported = set(
        DayStatus.objects.filter(campaign_id=campaign_id, day=d).values_list(
            "enterprise__region_id", flat=True
        )
    )
    if reported:
        cursor.execute(_COPY_SQL.format(skip=_SKIP_REPORTED), [d, False, campaign_id, before, d])
    else:
        cursor.execute(_COPY_SQL.format(skip=""), [d, False, campaign_id, before])
    for rollup in ROLLUPS:
        text = _COPY_SUMS_SQL.format(table=rollup.table, keys=rollup.keys)
        cursor.execute(text, [d, campaign_id, before])
    if reported:
        recompute_region_days(campaign_id, reported, d, d)
    _recompute_where_dates_fall(campaign_id, d)


def _recompute_where_dates_fall(campaign_id: int, day: date) -> None:
    """The copied sums of `day` are wrong in the leaf regions where an enterprise opened,
    closed, moved, joined or left a list that day (the rollups count only enterprises active
    on their day, in the region they were in and the lists they were on that day): recompute
    them."""
    moved = EnterpriseHistory.objects.filter(Q(valid_from=day) | Q(valid_to=day))
    listed = ListMembership.objects.filter(Q(added_on=day) | Q(removed_on=day))
    regions = set(
        Enterprise.objects.filter(
            Q(active_from=day) | Q(active_to=day) | Q(pk__in=moved.values("enterprise_id"))
        ).values_list("region_id", flat=True)
    ) | set(moved.values_list("region_id", flat=True))
    regions |= regions_of(listed.values_list("enterprise_id", flat=True))
    if regions:
        recompute_region_days(campaign_id, regions, day, day)


def horizon_day(campaign: Campaign, day: date | None = None) -> date:
    """The last day whose statuses exist or can exist: not after today nor the campaign's end."""
    last = min(day or timezone.localdate(), timezone.localdate())
    return min(last, campaign.ends_on) if campaign.ends_on else last


def horizon_through(campaign: Campaign) -> date:
    """The last day whose status rows exist for every enterprise (the day before the campaign
    starts when none has been rolled forward yet)."""
    through = Horizon.objects.filter(campaign=campaign).values_list("through", flat=True).first()
    return through if through is not None else campaign.starts_on - timedelta(days=1)


def _horizon_shared(campaign: Campaign) -> date:
    """The horizon, its row locked in share mode on PostgreSQL: writers of one enterprise's rows
    do not wait for each other, and the roll-forward (which locks it for update) waits for them
    and they for it. SQLite has one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return horizon_through(campaign)
    sql = "SELECT through FROM reporting_horizon WHERE campaign_id = %s FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])
        row = cursor.fetchone()
        if row is None:
            Horizon.objects.get_or_create(
                campaign=campaign, defaults={"through": campaign.starts_on - timedelta(days=1)}
            )
            cursor.execute(sql, [campaign.pk])
            row = cursor.fetchone()
    return row[0]


def _enqueue_roll_forward(campaign_id: int) -> None:
    from . import tasks  # the task module imports the services, which import this one

    tasks.roll_campaign_forward(campaign_id)


def roll_forward(campaign: Campaign, day: date | None = None) -> date:
    """Carry every enterprise's status forward, one day at a time, up to `day`; return the
    horizon. Idempotent and safe under concurrency (the campaign's Horizon row is locked).
    The worker's job (tasks.py) and the write paths call it; a read never does: beyond the
    horizon it reads `status_rows_on`."""
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
                _roll_one_day(cursor, campaign.pk, d)
                d += timedelta(days=1)
        if target > horizon.through:
            horizon.through = target
            horizon.save(update_fields=["through"])
    return horizon.through


def status_rows_on(campaign: Campaign, day: date, through: date | None = None) -> QuerySet:
    """Each enterprise's status row as of `day`, read without writing. Up to the horizon, the
    day's rows. Beyond it (the worker has not rolled forward yet), the latest of an
    enterprise's row on the horizon and the rows of its reports dated after it, up to `day`:
    exactly the rows a roll-forward would make, except that `reported_today` holds only where
    the row's day is `day` (see `reported_on`)."""
    through = horizon_through(campaign) if through is None else through
    rows = DayStatus.objects.filter(campaign=campaign)
    if day <= through:
        return rows.filter(day=day)
    later = DayStatus.objects.filter(
        campaign=campaign,
        enterprise_id=OuterRef("enterprise_id"),
        day__gt=OuterRef("day"),
        day__lte=day,
    )
    return rows.filter(~Exists(later), day__gte=through, day__lte=day)


def reported_on(day: date, prefix: str = "") -> Q:
    """The status rows (of `status_rows_on`) of a report dated `day`."""
    return Q(**{f"{prefix}reported_today": True, f"{prefix}day": day})


def rebuild_status(campaign: Campaign) -> None:
    """Recompute a campaign's DayStatus from its reports (after a bulk load or a repair), up
    to the same horizon (today's, if it had none)."""
    with transaction.atomic():
        horizon = Horizon.objects.filter(campaign=campaign).first()
        DayStatus.objects.filter(campaign=campaign).delete()
        for rollup in ROLLUPS:
            rollup.model.objects.filter(campaign=campaign).delete()
        Horizon.objects.filter(campaign=campaign).delete()
        # no rows yet: this only sets the horizon
        through = roll_forward(campaign, horizon.through if horizon else None)
        reports = DailyReport.objects.filter(campaign=campaign).order_by("enterprise_id", "date")
        batch, current = [], None
        for report in reports.iterator(chunk_size=5000):
            if current is not None and current.enterprise_id == report.enterprise_id:
                batch.extend(_days(current, report.date - timedelta(days=1), through))
            elif current is not None:
                batch.extend(_days(current, through, through))
            current = report
            if len(batch) > 20000:
                DayStatus.objects.bulk_create(batch, batch_size=5000)
                batch = []
        if current is not None:
            batch.extend(_days(current, through, through))
        DayStatus.objects.bulk_create(batch, batch_size=5000)
        recompute_region_days(campaign.pk, None, None, through)
        if connection.vendor == "postgresql":  # fresh statistics for the planner after a bulk load
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reporting_daystatus, reporting_dailyreport")


_STATUS_ROWS_SQL = """
INSERT INTO reporting_daystatus (campaign_id, day, enterprise_id, report_id, status, mode,
    confirmed, staff_on_duty, staff_total, output, capacity_utilisation, reported_today)
SELECT r.campaign_id, g::date, r.enterprise_id, r.id, r.status, r.mode,
    r.confirmed_at IS NOT NULL, r.staff_on_duty, r.staff_total, r.output,
    r.capacity_utilisation, g::date = r.date
FROM (SELECT *, lead(date) OVER (PARTITION BY enterprise_id ORDER BY date) AS next
      FROM reporting_dailyreport WHERE campaign_id = %(campaign)s) r,
    generate_series(r.date, CASE WHEN r.date > %(through)s THEN r.date
        ELSE LEAST(COALESCE(r.next - 1, %(through)s), %(through)s) END, interval '1 day') g
"""


def bulk_rebuild_status(campaign: Campaign) -> None:
    """`rebuild_status` done set-based on PostgreSQL, for a bulk load (the province demo): one
    INSERT … SELECT of every status row (each report's from its day to the day before the
    next, not beyond the horizon: the rows `_days` makes), the rollups' secondary indexes
    and constraints made afterwards in one pass, then the region sums. Elsewhere:
    `rebuild_status`."""
    if connection.vendor != "postgresql":
        return rebuild_status(campaign)
    with transaction.atomic():
        horizon = Horizon.objects.filter(campaign=campaign).first()
        with connection.cursor() as cursor:
            tables = ("reporting_daystatus", *(r.table for r in ROLLUPS), "reporting_horizon")
            for table in tables:
                cursor.execute(f"DELETE FROM {table} WHERE campaign_id = %s", [campaign.pk])
        through = roll_forward(campaign, horizon.through if horizon else None)
        rows = Enterprise.objects.count() * ((through - campaign.starts_on).days + 1)
        with indexes_deferred("reporting_daystatus", "reporting_regionday", rows=rows):
            started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute(_STATUS_ROWS_SQL, {"campaign": campaign.pk, "through": through})
                written = cursor.rowcount
            log.info("%d status rows in %.1f s", written, time.monotonic() - started)
            started = time.monotonic()
            with connection.cursor() as cursor:  # the sums' plan needs the new row counts
                cursor.execute("ANALYZE reporting_daystatus")
            recompute_region_days(campaign.pk, None, None, through)
            log.info("region sums in %.1f s", time.monotonic() - started)
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE reporting_daystatus, reporting_dailyreport, reporting_regionday"
            )
        log.info("analysed in %.1f s", time.monotonic() - started)
    return None


def _days(report: DailyReport, last: date, through: date) -> list[DayStatus]:
    """The report's rows from its day to `last`, not beyond the horizon (`through`); a report
    dated after the horizon has its own day's row only, as `refresh_status` makes it."""
    if report.date > through:
        return [_status_row(report, report.date)]
    last = min(last, through)
    return [
        _status_row(report, report.date + timedelta(days=i))
        for i in range((last - report.date).days + 1)
    ]


def latest_report_day(campaign: Campaign) -> date | None:
    return DailyReport.objects.filter(campaign=campaign).aggregate(d=Max("date"))["d"]
