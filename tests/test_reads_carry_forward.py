"""Reads never write: a statistics read of a day after the horizon (the first read after
midnight, or the worker down) carries the statuses forward in the query and writes nothing,
and its figures are those the worker's roll-forward then materialises, day by day, including
reports that arrived dated after the horizon."""

import datetime

import pytest

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.dashboard import crosscheck
from fugong.power.models import Baseline, Reading
from fugong.registry.models import ListMembership
from fugong.reporting import stats
from fugong.reporting.models import DailyReport, DayStatus, Horizon, RegionDay
from fugong.reporting.services import roll_forward, save_report, validate_report
from fugong.reporting.tasks import roll_campaign_forward

from .clock import travel
from .factories import EnterpriseFactory, ListFactory, RegionFactory

START = datetime.date(2020, 2, 1)
H = datetime.date(2020, 2, 3)  # the horizon the worker reached
TODAY = datetime.date(2020, 2, 8)


def report(campaign, e, day, status, on_duty=10, total=None, output=2.5, capacity=60):
    data = {
        "status": status,
        "mode": "normal",
        "staff_on_duty": on_duty,
        "staff_total": total or e.total_staff,
        "output": output,
        "capacity_utilisation": capacity,
    }
    clean = validate_report(campaign, e, day, data, window=False)
    return save_report(SYSTEM, campaign, e, day, clean, "web")


@pytest.fixture
def world(db):
    province = RegionFactory(code="530000", name="云南省", level="province")
    city = RegionFactory(code="533300", name="怒江州", level="city", parent=province)
    fugong = RegionFactory(code="533323", name="福贡县", level="county", parent=city)
    lushui = RegionFactory(code="533301", name="泸水市", level="county", parent=city)
    campaign = Campaign.objects.create(name="2020年怒江复工", region=province, starts_on=START)
    ents = [
        EnterpriseFactory(
            region=fugong if i % 3 else lushui,
            industry="13" if i % 2 else "52",
            scale="above" if i % 4 else "below",
            total_staff=40 + i,
        )
        for i in range(24)
    ]
    ents[20].active_from = datetime.date(2020, 2, 5)  # opens after the horizon
    ents[21].active_to = datetime.date(2020, 2, 6)  # closes after it
    for e in ents[20:22]:
        e.save()
    key = ListFactory(name="重点企业", kind="key")
    ListMembership.objects.bulk_create(
        [ListMembership(list=key, enterprise=e, added_on=START) for e in ents[:10]]
        + [ListMembership(list=key, enterprise=ents[15], added_on=datetime.date(2020, 2, 6))]
        # after the horizon, on days nothing else happens in their county, one reporting
        # enterprise joins the list and one leaves: the roll-forward's list sums follow them
        + [ListMembership(list=key, enterprise=ents[13], added_on=datetime.date(2020, 2, 7))]
        + [
            ListMembership(
                list=key,
                enterprise=ents[12],
                added_on=START,
                removed_on=datetime.date(2020, 2, 8),
            )
        ]
    )
    for i, e in enumerate(ents[:12]):
        Baseline.objects.create(
            campaign=campaign,
            enterprise=e,
            month=datetime.date(2019, 12, 1),
            days=31,
            kwh_per_day=100,
        )
        for d in range(8):
            day = START + datetime.timedelta(days=d)
            Reading.objects.create(enterprise=e, day=day, kwh=40 + 10 * ((i + d) % 7))
    with travel(H, 20):
        for i, e in enumerate(ents[:16]):
            report(campaign, e, START, "full" if i % 3 else "partial", on_duty=5 + i)
        for e in ents[4:9]:
            report(campaign, e, H, "not_resumed", on_duty=0)
        roll_forward(campaign)
    with travel(TODAY, 9):
        # reports dated after the horizon: new statuses, a first report, one changed back
        for i, e in enumerate(ents[2:7]):
            report(campaign, e, datetime.date(2020, 2, 5), "full", on_duty=30 + i)
        report(campaign, ents[16], datetime.date(2020, 2, 4), "partial", on_duty=3)
        report(campaign, ents[20], datetime.date(2020, 2, 6), "full", on_duty=7)
        report(campaign, ents[3], datetime.date(2020, 2, 7), "not_resumed", on_duty=0)
        report(campaign, ents[10], TODAY, "partial", on_duty=4)
        # and a late one dated before it, which rewrites rows up to the horizon
        report(campaign, ents[11], datetime.date(2020, 2, 2), "not_resumed", on_duty=0)
        DailyReport.objects.filter(enterprise__in=ents[:6]).update(
            confirmed_at=datetime.datetime(2020, 2, 8, tzinfo=datetime.UTC)
        )
        DayStatus.objects.filter(enterprise__in=ents[:6]).update(confirmed=True)
    return campaign, key


def _everything(campaign, key):
    """Every figure the statistics give, for each day from the horizon to today."""
    out = {}
    for offset in range((TODAY - H).days + 1):
        day = H + datetime.timedelta(days=offset)
        for params in (
            {"region": "530000"},
            {"region": "533323"},
            {"region": "530000", "industry": "13"},
            {"region": "530000", "scale": "below"},
            {"region": "530000", "list": key.name},
            {"region": "530000", "confirmed": "1"},
        ):
            q = stats.StatsQuery.parse(SYSTEM, {**params, "date": day.isoformat()}, campaign)
            name = f"{day} {sorted(params.items())}"
            for by in (None, *stats.BY):
                out[f"{name} by {by}"] = stats.resumption(SYSTEM, q, by=by)
            out[f"{name} series"] = stats.series(SYSTEM, q, START, day)
            for figure in stats.FIGURES:
                ids = sorted(stats.drill_down(SYSTEM, q, figure).values_list("pk", flat=True))
                out[f"{name} {figure}"] = ids
            shown = stats.status_map(q, ids)
            out[f"{name} rows"] = sorted(
                (k, s.status, s.reported_today, s.staff_on_duty) for k, s in shown.items()
            )
            out[f"{name} power"] = [
                crosscheck.cross_check(SYSTEM, q, by="region"),
                *(crosscheck.disagreements(SYSTEM, q, w) for w in crosscheck.LISTS),
            ]
    return out


def _written():
    return (
        DayStatus.objects.count(),
        RegionDay.objects.count(),
        list(Horizon.objects.values_list("through", flat=True)),
    )


def test_a_read_beyond_the_horizon_writes_nothing_and_equals_the_rolled_forward_figures(world):
    campaign, key = world
    assert Horizon.objects.get(campaign=campaign).through == H
    with travel(TODAY, 10):
        before = _written()
        carried = _everything(campaign, key)
        assert _written() == before  # no row, no sum, no horizon moved by the reads
        roll_campaign_forward.call_local(campaign.pk)  # the worker's job
        assert Horizon.objects.get(campaign=campaign).through == TODAY
        assert _written() != before
        rolled = _everything(campaign, key)
    assert carried.keys() == rolled.keys()
    for name in carried:
        assert carried[name] == rolled[name], name
    # the figures moved with the reports after the horizon: the test compares something
    on = {d: carried[f"{d} [('region', '530000')] by None"] for d in (H, TODAY)}
    assert on[H]["resumed"] != on[TODAY]["resumed"]
    assert on[TODAY]["reported_today"] == 1 and on[H]["reported_today"] == 5


def test_the_worker_keeps_a_report_dated_after_the_horizon(world):
    campaign, _key = world
    sparse = set(
        DayStatus.objects.filter(campaign=campaign, day__gt=H).values_list(
            "day", "enterprise_id", "status", "reported_today"
        )
    )
    assert len(sparse) == 9 and all(row[3] for row in sparse)  # one row per report, its day
    with travel(TODAY, 10):
        roll_forward(campaign)
    kept = set(
        DayStatus.objects.filter(campaign=campaign, day__gt=H, reported_today=True).values_list(
            "day", "enterprise_id", "status", "reported_today"
        )
    )
    assert kept == sparse
    for d in range(1, (TODAY - H).days + 1):  # every enterprise with a status has a row a day
        day = H + datetime.timedelta(days=d)
        assert DayStatus.objects.filter(
            campaign=campaign, day=day
        ).count() == DayStatus.objects.filter(campaign=campaign, day=H).count() + (
            1 if day >= datetime.date(2020, 2, 4) else 0
        ) + (1 if day >= datetime.date(2020, 2, 6) else 0)
