"""Dated scale and region (README "As of day D"), with the clock moved: an enterprise moved
from 规上 to 规下 and one moved to another township mid-campaign. Past days' completeness and
resumption denominators do not change, both statistics paths (RegionDay and the status rows)
agree, and no rate exceeds 100 %."""

import datetime

import pytest

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.registry.api import EnterpriseIn
from fugong.registry.models import Enterprise, EnterpriseHistory
from fugong.registry.services import save_enterprise
from fugong.reporting import stats
from fugong.reporting.completeness import completeness
from fugong.reporting.confirmation import confirm_reports, confirm_township
from fugong.reporting.services import submit_report

from .clock import travel
from .xlsx import ENTERPRISE_HEADERS, xlsx

MONDAY = datetime.date(2026, 3, 2)
REPORT = {"status": "full", "staff_on_duty": 60, "staff_total": 100}


def day(n):
    return MONDAY + datetime.timedelta(days=n)


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(name="本轮", region=cast.regions.yanbian, starts_on=MONDAY)


def figures(campaign, d, region="222400", user=SYSTEM, **params):
    """(resumption from RegionDay or the status rows as the query allows, the same from the
    status rows, completeness) for one day."""
    query = stats.StatsQuery.parse(
        user, {"region": region, "date": d.isoformat(), **params}, campaign
    )
    return (
        stats.resumption(user, query),
        stats.resumption(user, query, use_status_rows=True),
        completeness(user, query),
    )


def counts(result):
    resumed, by_rows, done = result
    assert resumed["enterprises"] == by_rows["enterprises"]
    assert resumed["resumed"] == by_rows["resumed"]
    for rate in (resumed["rate"], done["completeness"], done["on_time_rate"]):
        assert rate is None or rate <= 100
    return resumed["enterprises"], resumed["resumed"], done["expected"], done["reported"]


def report_all(cast, d):
    for contact, enterprise in ((cast.contact_a, cast.a), (cast.contact_b, cast.b)):
        submit_report(contact, enterprise, d, REPORT)
    submit_report(SYSTEM, cast.a2, d, REPORT)


def test_moved_from_above_to_below_scale_mid_campaign(cast, campaign):
    campaign.report_scale = "above"  # 延吉甲 and 图们丙; 延吉乙 is below scale
    campaign.save()
    with travel(day(0), 10):
        report_all(cast, day(0))
        monday = counts(figures(campaign, day(0)))
        monday_above = counts(figures(campaign, day(0), scale="above"))
    assert monday == (2, 2, 2, 2) and monday_above == monday
    with travel(day(1), 9):  # 延吉甲 becomes 规下 from Tuesday, through the form's service
        cast.a.scale = "below"
        save_enterprise(SYSTEM, cast.a)
        report_all(cast, day(1))
        tuesday = counts(figures(campaign, day(1)))
    with travel(day(2), 10):
        assert counts(figures(campaign, day(0))) == monday  # the past does not change
        assert counts(figures(campaign, day(0), scale="above")) == monday
        assert counts(figures(campaign, day(1))) == tuesday == (1, 1, 1, 1)
        below = counts(figures(campaign, day(0), scale="below"))
        series = stats.series(
            SYSTEM,
            stats.StatsQuery.parse(
                SYSTEM, {"region": "222400", "date": day(1).isoformat()}, campaign
            ),
            day(0),
            day(1),
        )
    # on Monday 规下 was only 延吉乙, outside the campaign's scope: nobody
    assert below == (0, 0, 0, 0)
    assert [(d["enterprises"], d["resumed"]) for d in series] == [(2, 2), (1, 1)]
    history = EnterpriseHistory.objects.get(enterprise=cast.a)
    assert (history.scale, history.valid_from, history.valid_to) == ("above", None, day(1))


def test_moved_to_another_township_mid_campaign(cast, campaign, api):
    yanji, tumen = "222401", "222402"
    with travel(day(0), 10):
        report_all(cast, day(0))
        before = {r: counts(figures(campaign, day(0), r)) for r in (yanji, tumen)}
        township = counts(figures(campaign, day(0), "222401001", user=cast.township))
    assert before == {yanji: (2, 2, 2, 2), tumen: (1, 1, 1, 1)}
    assert township == (1, 1, 1, 1)
    with travel(day(2), 9):  # 延吉甲 moves from 进学街道 (延吉) to 向上街道 (图们) on Wednesday
        shown = api(cast.admin)("get", f"/enterprises/{cast.a.pk}").json()
        payload = {k: v for k, v in shown.items() if k in EnterpriseIn.model_fields}
        payload["region"] = "222402001"
        answer = api(cast.admin)("put", f"/enterprises/{cast.a.pk}", payload)
        assert answer.status_code == 200, answer.content
        report_all(cast, day(2))
    with travel(day(3), 10):
        report_all(cast, day(3))
        after = {r: counts(figures(campaign, day(0), r)) for r in (yanji, tumen)}
        tuesday = {r: counts(figures(campaign, day(1), r)) for r in (yanji, tumen)}
        wednesday = {r: counts(figures(campaign, day(2), r)) for r in (yanji, tumen)}
        # the township officer's past day keeps the enterprise it had then, today's not
        township_then = counts(figures(campaign, day(0), "222401001", user=cast.township))
        township_now = counts(figures(campaign, day(3), "222401001", user=cast.township))
        series = {
            r: stats.series(
                SYSTEM,
                stats.StatsQuery.parse(SYSTEM, {"region": r, "date": day(3).isoformat()}, campaign),
                day(0),
                day(3),
            )
            for r in (yanji, tumen)
        }
    assert after == before  # the past does not change
    assert tuesday == {yanji: (2, 2, 2, 0), tumen: (1, 1, 1, 0)}
    assert wednesday == {yanji: (1, 1, 1, 1), tumen: (2, 2, 2, 2)}
    assert township_then == township and township_now == (0, 0, 0, 0)
    assert [d["enterprises"] for d in series[yanji]] == [2, 2, 1, 1]
    assert [d["enterprises"] for d in series[tumen]] == [1, 1, 2, 2]
    assert all(d["rate"] <= 100 for s in series.values() for d in s)
    with travel(day(3), 11):  # the county confirms 进学街道's Monday: 延吉甲 was there then
        confirm_reports(SYSTEM, campaign, day(0))
        confirm_township(SYSTEM, campaign, day(0), cast.regions.jinxue)
        monday = figures(campaign, day(0), yanji)[2]
    assert (monday["confirmed"], monday["county_confirmed"]) == (2, 1)


def test_the_import_dates_a_change_once_a_day(cast):
    row = [cast.a.uscc, cast.a.name, "222401002", "C27", "规下", "100", "", "", "", "", ""]
    with travel(day(1), 9):
        done = IMPORTERS["enterprises"](SYSTEM).run(xlsx(ENTERPRISE_HEADERS, [row]))
        assert done.errors == []
        row[4] = "规上"  # a second change the same day replaces the first
        IMPORTERS["enterprises"](SYSTEM).run(xlsx(ENTERPRISE_HEADERS, [row]))
    with travel(day(3), 9):
        row[2] = "222402001"
        IMPORTERS["enterprises"](SYSTEM).run(xlsx(ENTERPRISE_HEADERS, [row]))
    periods = [
        (h.region.code, h.scale, h.valid_from, h.valid_to)
        for h in EnterpriseHistory.objects.filter(enterprise=cast.a).select_related("region")
    ]
    assert periods == [("222401001", "above", None, day(1)), ("222401002", "above", day(1), day(3))]
    a = Enterprise.objects.get(pk=cast.a.pk)
    assert (a.region.code, a.scale) == ("222402001", "above")
