"""The province demo's bulk path (issue 19, PostgreSQL): reports written in SQL and the
rollup made set-based give the statistics the rollup rebuilt from the raw reports gives, the
indexes and constraints are back afterwards, and the large roster's ID numbers validate and
match their keyed hashes."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from fugong.core import crypto
from fugong.core.models import Campaign, User
from fugong.core.validators import normalize_id_card
from fugong.health.models import Employee
from fugong.registry.models import Enterprise
from fugong.reporting.completeness import completeness
from fugong.reporting.demo import SMALL
from fugong.reporting.models import DailyReport, DayStatus, RegionDay
from fugong.reporting.rollups import rebuild_status
from fugong.reporting.stats import StatsQuery, resumption, series

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the bulk demo path (INSERT … SELECT, COPY) is PostgreSQL's; SQLite keeps the "
        "Python path",
    ),
]
CAMPAIGN = "2020年新冠肺炎疫情复工复产"
DAYS = [date(2020, 2, 3), date(2020, 2, 14), date(2020, 2, 22), date(2020, 7, 31)]


def _figures(user, campaign):
    out = {}
    for day in DAYS:
        for region in ("222400", "222401", "222401400"):
            params = {"date": day.isoformat(), "region": region, "campaign": campaign.pk}
            q = StatsQuery.parse(user, params)
            out[day, region] = (
                resumption(user, q, by="region"),
                resumption(user, StatsQuery.parse(user, {**params, "scale": "above"})),
                {k: v for k, v in completeness(user, q).items() if k != "generated_at"},
            )
    q = StatsQuery.parse(user, {"date": "2020-02-22", "campaign": campaign.pk})
    out["series"] = series(user, q, date(2020, 2, 1), date(2020, 2, 22))
    return out


def _status_rows():
    return sorted(
        DayStatus.objects.values_list(
            "campaign_id", "day", "enterprise_id", "report_id", "status", "reported_today"
        )
    )


def _region_sums(campaign):
    return sorted(row[1:] for row in RegionDay.objects.filter(campaign=campaign).values_list())


def _indexes(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        indexes = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [table])
        return indexes, {name for (name,) in cursor.fetchall()}


def test_bulk_demo_figures_equal_those_of_the_rollup_rebuilt_from_the_reports():
    tables = ["reporting_dailyreport", "reporting_daystatus", "reporting_regionday"]
    before = {t: _indexes(t) for t in tables + ["health_employee"]}
    call_command("demo", "--quiet", "--enterprises", "500", "--report-days", "20")
    call_command("demo", "--quiet", "--report-days", "20", "--employees", "3000", "--workers", "2")
    campaign = Campaign.objects.get(name=CAMPAIGN)
    zhuanban = User.objects.get(username="zhuanban")
    # the enterprises after the first SMALL have their reports from SQL, in the same shape
    beyond = DailyReport.objects.filter(
        campaign=campaign, enterprise__in=Enterprise.objects.order_by("pk").values("pk")[SMALL:]
    )
    assert beyond.count() > 150 * 20 * 0.8
    assert set(beyond.values_list("status", flat=True)) == {"full", "partial", "not_resumed"}
    assert not beyond.filter(staff_on_duty__gt=F("staff_total")).exists()
    bulk_rows, bulk_figures = _status_rows(), _figures(zhuanban, campaign)
    bulk_sums = _region_sums(campaign)
    rebuild_status(campaign)  # from the raw reports, row by row in Python
    assert _status_rows() == bulk_rows
    assert bulk_sums and _region_sums(campaign) == bulk_sums
    assert _figures(zhuanban, campaign) == bulk_figures
    assert bulk_figures[DAYS[1], "222400"][0]["enterprises"] == 500
    assert {t: _indexes(t) for t in before} == before  # every index and constraint is back


def test_large_roster_id_numbers_validate_and_match_their_hashes():
    call_command("demo", "--quiet", "--enterprises", "40", "--report-days", "3")
    call_command("demo", "--quiet", "--report-days", "3", "--employees", "2000", "--workers", "2")
    people = Employee.objects.exclude(id_enc="")
    assert people.count() >= 2000
    numbers = set()
    for person in people.iterator():
        number = person.id_number
        assert normalize_id_card(number) == number  # GB 11643 check character
        assert crypto.blind_index(number) == person.id_hash
        numbers.add(number)
    assert len(numbers) == people.count()
