"""Completeness of the daily report for one data day (DESIGN: "Completeness for day D").

expected = the enterprises expected to report dated D (StatsQuery.expected: in the user's
scope, the region subtree and the filters, active and inside the campaign's reporting scope
as of D, and D a due weekday); reported = those of them with a report dated D, split into
on time (arrived by the deadline) and late; reported counts late reports only when the
campaign says they count. confirmed = reported and confirmed by the township (逐级审核);
county_confirmed = those of them in townships the county confirmed in turn. Numerators are
always taken among the expected enterprises, so no rate exceeds 100 %."""

from django.db.models import Count, Q
from django.utils import timezone

from fugong.core.models import User

from .confirmation import county_confirmed_q
from .models import DailyReport
from .stats import StatsQuery, percent

ON_TIME = Q(on_time=True) | Q(on_time__isnull=True)  # reports older than the window settings


def reports_for(user: User, query: StatsQuery):
    """The reports dated the query's day of the enterprises expected to report it."""
    return DailyReport.objects.filter(
        campaign=query.campaign, date=query.day, enterprise__in=query.expected(user).values("pk")
    )


def completeness(user: User, query: StatsQuery) -> dict:
    """expected, reported, on_time, late, confirmed, missing and their rates for one day."""
    campaign, day = query.campaign, query.day
    expected = query.expected(user).count()
    counts = reports_for(user, query).aggregate(
        n_on_time=Count("id", filter=ON_TIME),
        n_late=Count("id", filter=Q(on_time=False)),
        n_confirmed=Count("id", filter=Q(confirmed_at__isnull=False)),
        n_county=Count(
            "id", filter=Q(confirmed_at__isnull=False) & county_confirmed_q(campaign, day)
        ),
    )
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
