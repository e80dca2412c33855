"""Completeness of the daily report for one data day (DESIGN: "Completeness for day D").

expected = the enterprises expected to report dated D (StatsQuery.expected: in the user's
scope, the region subtree and the filters, active and inside the campaign's reporting scope
as of D, and D a due weekday); reported = those of them with a report dated D, split into
on time (arrived by the deadline) and late; reported counts late reports only when the
campaign says they count. confirmed = reported and confirmed by the township (逐级审核);
county_confirmed = those of them in townships the county confirmed in turn. Numerators are
always taken among the expected enterprises, so no rate exceeds 100 %."""

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from fugong.core.models import Region, User
from fugong.registry.models import Enterprise, as_of_q

from .models import TownshipConfirmation
from .stats import StatsQuery, percent

# One statement: the expected enterprises (the ORM's query, compiled once, no ordering) LEFT
# JOINed to their report of the day, counted by conditional aggregation; the county-confirmed
# count joins the townships the county confirmed that day (region as of the day, README "As
# of day D"), only when there are any. A report older than the window settings (on_time
# unknown) counts as on time.
_SQL = """
SELECT COUNT(*),
       SUM(CASE WHEN r.enterprise_id IS NOT NULL AND r.on_time IS NOT FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.on_time = FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.confirmed_at IS NOT NULL THEN 1 ELSE 0 END),
       {county}
FROM ({expected}) x
LEFT JOIN reporting_dailyreport r
       ON r.enterprise_id = x.eid AND r.campaign_id = %s AND r.date = %s
"""

_COUNTY = "SUM(CASE WHEN r.confirmed_at IS NOT NULL AND x.eid IN ({ids}) THEN 1 ELSE 0 END)"


def _counts(user: User, query: StatsQuery) -> tuple[int, ...]:
    """(expected, on time, late, confirmed, county-confirmed) on the query's day."""
    campaign, day = query.campaign, query.day
    expected = query.expected(user)
    if expected.query.is_empty():
        return 0, 0, 0, 0, 0
    sql, params = expected.order_by().values(eid=F("pk")).query.sql_with_params()
    county, county_params = "0", ()
    inside = Q()
    confirmations = TownshipConfirmation.objects.filter(campaign=campaign, day=day)
    for township in Region.objects.filter(pk__in=confirmations.values("region_id")):
        inside |= as_of_q(day, township)
    if inside:
        ids = Enterprise.objects.filter(inside).order_by().values("pk").query.sql_with_params()
        county, county_params = _COUNTY.format(ids=ids[0]), ids[1]
    with connection.cursor() as cursor:
        cursor.execute(
            _SQL.format(expected=sql, county=county),
            [*county_params, *params, campaign.pk, day],
        )
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
