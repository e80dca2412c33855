"""Completeness of the daily report for one data day (DESIGN: "Completeness for day D").

expected = the enterprises expected to report dated D (StatsQuery.expected: in the user's
scope, the region subtree and the filters, active and inside the campaign's reporting scope
as of D, and D a due weekday); reported = those of them with a report dated D, split into
on time (arrived by the deadline) and late; reported counts late reports only when the
campaign says they count. confirmed = reported and confirmed by the township (逐级审核);
county_confirmed = those of them in townships the county confirmed in turn. Numerators are
always taken among the expected enterprises, so no rate exceeds 100 %."""

from django.db.models import Count, FilteredRelation, Q
from django.utils import timezone

from fugong.core.models import User

from .confirmation import county_confirmed_q
from .stats import StatsQuery, percent


def completeness(user: User, query: StatsQuery) -> dict:
    """expected, reported, on_time, late, confirmed, missing and their rates for one day: one
    query over the expected enterprises LEFT JOINed to their report of the day."""
    campaign, day = query.campaign, query.day
    joined = query.expected(user).annotate(
        r=FilteredRelation("reports", condition=Q(reports__campaign=campaign, reports__date=day))
    )
    confirmed_q = Q(r__confirmed_at__isnull=False)
    sums = {
        "n_expected": Count("id"),
        # a report older than the window settings (on_time unknown) counts as on time
        "n_on_time": Count("r__id", filter=Q(r__on_time=True) | Q(r__on_time__isnull=True)),
        "n_late": Count("r__id", filter=Q(r__on_time=False)),
        "n_confirmed": Count("r__id", filter=confirmed_q),
    }
    county = county_confirmed_q(campaign, day, "")
    if county is not None:
        sums["n_county"] = Count("r__id", filter=confirmed_q & county)
    counts = {"n_county": 0, **joined.aggregate(**sums)}
    expected = counts["n_expected"]
    on_time, late, confirmed = counts["n_on_time"], counts["n_late"], counts["n_confirmed"]
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
        "county_confirmed": counts["n_county"],
        "completeness": percent(reported, expected),
        "on_time_rate": percent(on_time, expected),
        "late_rate": percent(late, expected),
        "confirmed_rate": percent(confirmed, expected),
    }
