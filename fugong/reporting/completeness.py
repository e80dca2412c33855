"""Completeness of the daily report for one data day (DESIGN: "Completeness for day D").

expected = the enterprises expected to report dated D (StatsQuery.expected: in the user's
scope, the region subtree and the filters, active and inside the campaign's reporting scope
as of D, and D a due weekday); reported = those of them with a report dated D, split into
on time (arrived by the deadline) and late; reported counts late reports only when the
campaign says they count. confirmed = reported and confirmed by the township (逐级审核);
county_confirmed = those of them in townships the county confirmed in turn. Numerators are
always taken among the expected enterprises, so no rate exceeds 100 %."""

from django.db import connection
from django.db.models import F
from django.utils import timezone

from fugong.core.models import User

from .stats import StatsQuery, percent

# One statement: the expected enterprises (the ORM's query, compiled once, no ordering) LEFT
# JOINed to their report of the day, counted by conditional aggregation. County-confirmed:
# confirmed reports of enterprises whose region on the day (their history period covering it,
# else their current region: README "As of day D") lies in a township the county confirmed
# that day, a subquery run once. A report older than the window settings (on_time unknown)
# counts as on time.
_SQL = """
SELECT COUNT(*),
       SUM(CASE WHEN r.enterprise_id IS NOT NULL AND r.on_time IS NOT FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.on_time = FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.confirmed_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.confirmed_at IS NOT NULL AND x.eid IN (
           SELECT e.id FROM registry_enterprise e
           LEFT JOIN registry_enterprisehistory h ON h.enterprise_id = e.id
                AND h.valid_to > %s AND (h.valid_from IS NULL OR h.valid_from <= %s)
           JOIN core_region g ON g.id = COALESCE(h.region_id, e.region_id)
           JOIN reporting_townshipconfirmation tc ON tc.campaign_id = %s AND tc.day = %s
           JOIN core_region t ON t.id = tc.region_id
                AND g.path >= t.path AND g.path < SUBSTR(t.path, 1, LENGTH(t.path) - 1) || '0'
       ) THEN 1 ELSE 0 END)
FROM ({expected}) x
LEFT JOIN reporting_dailyreport r
       ON r.enterprise_id = x.eid AND r.campaign_id = %s AND r.date = %s
"""


def _counts(user: User, query: StatsQuery) -> tuple[int, ...]:
    """(expected, on time, late, confirmed, county-confirmed) on the query's day."""
    campaign, day = query.campaign, query.day
    expected = query.expected(user)
    if expected.query.is_empty():
        return 0, 0, 0, 0, 0
    sql, params = expected.order_by().values(eid=F("pk")).query.sql_with_params()
    with connection.cursor() as cursor:
        county = [day, day, campaign.pk, day]
        cursor.execute(_SQL.format(expected=sql), [*county, *params, campaign.pk, day])
        return tuple(int(v or 0) for v in cursor.fetchone())


def completeness(user: User, query: StatsQuery) -> dict:
    """expected, reported, on_time, late, confirmed, missing and their rates for one day."""
    campaign, day = query.campaign, query.day
    expected, on_time, late, confirmed, county_confirmed = _counts(user, query)
    reported = on_time + late if campaign.late_reports_count else on_time
    locks_at = campaign.report_locks_at(day)
    return {
        "campaign": campaign.name,
        "campaign_id": campaign.pk,
        "region": query.region.code,
        "region_name": query.region.name,
        "date": day.isoformat(),
        "due": campaign.report_due_on(day),
        "deadline": timezone.localtime(campaign.report_deadline(day)).isoformat(),
        "locks_at": timezone.localtime(locks_at).isoformat() if locks_at else None,
        "late_reports_count": campaign.late_reports_count,
        "expected": expected,
        "reported": reported,
        "on_time": on_time,
        "late": late,
        "missing": expected - on_time - late,
        "confirmed": confirmed,
        "unconfirmed": on_time + late - confirmed,
        "county_confirmed": county_confirmed,
        "completeness": percent(reported, expected),
        "on_time_rate": percent(on_time, expected),
        "late_rate": percent(late, expected),
        "confirmed_rate": percent(confirmed, expected),
    }
