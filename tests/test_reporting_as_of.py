"""As-of denominators, with the clock moved: an enterprise closed mid-campaign and one
registered mid-campaign, the campaign's reporting scope (scale, a list with history); past
rates never change when the registry changes and no rate exceeds 100 %."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.registry.exports import export_enterprises
from fugong.registry.models import Enterprise, ListMembership
from fugong.registry.services import save_enterprise
from fugong.reporting import stats
from fugong.reporting.completeness import completeness
from fugong.reporting.services import submit_report

from .factories import EnterpriseFactory, uscc
from .xlsx import ENTERPRISE_HEADERS, xlsx

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 2)
REPORT = {"status": "full", "staff_on_duty": 60, "staff_total": 100}


def day(n):
    return MONDAY + datetime.timedelta(days=n)


def at(d, hour=10):
    return time_machine.travel(
        datetime.datetime(d.year, d.month, d.day, hour, tzinfo=SHANGHAI), tick=False
    )


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(name="本轮", region=cast.regions.yanbian, starts_on=MONDAY)


def figures(campaign, d, user=SYSTEM, **params):
    query = stats.StatsQuery.parse(
        user, {"region": "222400", "date": d.isoformat(), **params}, campaign
    )
    return stats.resumption(user, query), completeness(user, query)


def test_closed_and_registered_mid_campaign(cast, campaign):
    with at(day(0)):
        for contact, enterprise in ((cast.contact_a, cast.a), (cast.contact_b, cast.b)):
            submit_report(contact, enterprise, day(0), REPORT)
        submit_report(SYSTEM, cast.a2, day(0), REPORT)
        monday = figures(campaign, day(0))
    assert (monday[0]["resumed"], monday[0]["enterprises"], monday[1]["expected"]) == (3, 3, 3)
    with at(day(1)):  # 图们丙 stops production from Wednesday; a new enterprise from Thursday
        cast.b.active_to, cast.b.closure_reason = day(2), "suspended"
        save_enterprise(SYSTEM, cast.b)
        newcomer = save_enterprise(
            SYSTEM,
            Enterprise(
                uscc=uscc(),
                name="延吉新材料有限公司",
                region=cast.regions.jinxue,
                industry="29",
                scale="above",
                total_staff=40,
                active_from=day(3),
            ),
        )
    with at(day(4)):
        with pytest.raises(ValidationError) as closed:
            submit_report(cast.contact_b, cast.b, day(2), REPORT)
        assert "停产" in closed.value.message_dict["date"][0]
        with pytest.raises(ValidationError) as early:
            submit_report(SYSTEM, newcomer, day(2), REPORT)
        assert "才登记" in early.value.message_dict["date"][0]
        submit_report(SYSTEM, newcomer, day(3), REPORT)
        again = figures(campaign, day(0))
        wednesday, wednesday_done = figures(campaign, day(2))
        thursday, thursday_done = figures(campaign, day(3))
        series = stats.series(
            SYSTEM,
            stats.StatsQuery.parse(SYSTEM, {"region": "222400", "date": day(3).isoformat()}),
            day(0),
            day(3),
        )
        by_rows = figures(campaign, day(2), industry="C")[0]  # the status rows' path
    assert again == monday  # the past does not change
    # Wednesday: b closed (its Monday status no longer counts), the newcomer not yet there
    assert (wednesday["resumed"], wednesday["enterprises"], wednesday["rate"]) == (2, 2, 100.0)
    assert (by_rows["resumed"], by_rows["enterprises"]) == (2, 2)
    assert (wednesday_done["expected"], wednesday_done["reported"]) == (2, 0)
    assert (thursday["resumed"], thursday["enterprises"]) == (3, 3)
    assert (thursday_done["expected"], thursday_done["reported"]) == (3, 1)
    assert [(d["enterprises"], d["resumed"]) for d in series] == [(3, 3), (3, 3), (2, 2), (3, 3)]
    assert all(d["rate"] <= 100 for d in series)


def test_the_campaigns_reporting_scope_by_scale_and_list_history(cast, campaign):
    campaign.report_scale = "above"  # 延吉乙 is below scale
    campaign.save()
    with at(day(1)):
        submit_report(SYSTEM, cast.a2, day(0), REPORT)
        result, done = figures(campaign, day(0))
    assert (result["enterprises"], result["resumed"], done["expected"], done["reported"]) == (
        2,
        0,
        2,
        0,
    )
    campaign.report_scale, campaign.report_list = "", cast.key_list.name
    campaign.save()
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a, added_on=day(1))
    with at(day(2)):
        submit_report(cast.contact_a, cast.a, day(1), REPORT)
        monday, tuesday = figures(campaign, day(0)), figures(campaign, day(1))
        series = stats.series(
            SYSTEM, stats.StatsQuery.parse(SYSTEM, {"region": "222400"}, campaign), day(0), day(1)
        )
    assert monday[1]["expected"] == 0 and monday[0]["enterprises"] == 0
    assert (tuesday[1]["expected"], tuesday[1]["reported"], tuesday[0]["rate"]) == (1, 1, 100.0)
    assert [d["enterprises"] for d in series] == [0, 1]


def test_a_new_enterprise_is_expected_from_the_day_it_was_registered(cast, campaign, api):
    with at(day(2)):
        answer = api(cast.yanji)(
            "post",
            "/enterprises",
            {
                "uscc": uscc(),
                "name": "延吉新企业有限公司",
                "region": "222401001",
                "industry": "C27",
                "scale": "above",
            },
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["active_from"] == day(2).isoformat()
        assert figures(campaign, day(1))[1]["expected"] == 3
        assert figures(campaign, day(2))[1]["expected"] == 4


def test_dates_import_and_export(cast):
    code, other = uscc(), uscc()
    headers = ENTERPRISE_HEADERS + ["登记日期", "停业日期", "停业原因"]
    base = ["延吉示例有限公司", "222401001", "C27", "规上", "10", "", "", "", "", ""]
    rows = [
        [code, *base, "2026-01-05", "2026-03-04", "注销"],
        [other, *base, "", "", ""],
    ]
    bad = IMPORTERS["enterprises"](SYSTEM).run(
        xlsx(headers, [[code, *base, "", "2026-03-04", "倒闭"]])
    )
    assert [e.column for e in bad.errors] == ["停业原因"] or "停业原因" in str(bad.errors)
    missing = IMPORTERS["enterprises"](SYSTEM).run(
        xlsx(headers, [[code, *base, "", "2026-03-04", ""]])
    )
    assert missing.errors and not Enterprise.objects.filter(uscc=code).exists()
    with at(day(0)):
        done = IMPORTERS["enterprises"](SYSTEM).run(xlsx(headers, rows[:1]))
    assert done.errors == []
    imported = Enterprise.objects.get(uscc=code)
    assert (imported.active_from, imported.active_to, imported.closure_reason) == (
        datetime.date(2026, 1, 5),
        datetime.date(2026, 3, 4),
        "deregistered",
    )
    sheet = load_workbook(
        io.BytesIO(export_enterprises(SYSTEM, Enterprise.objects.filter(pk=imported.pk)))
    ).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["停业原因"] == "注销" and str(row["停业日期"]).startswith("2026-03-04")
    # a re-import without the date columns keeps the dates
    IMPORTERS["enterprises"](SYSTEM).run(xlsx(ENTERPRISE_HEADERS, [[code, *base]]))
    imported.refresh_from_db()
    assert imported.active_to == datetime.date(2026, 3, 4)


def test_a_closure_needs_its_reason(cast):
    enterprise = EnterpriseFactory(region=cast.regions.jinxue)
    enterprise.active_to = MONDAY
    with pytest.raises(ValidationError) as refused:
        save_enterprise(SYSTEM, enterprise)
    assert "closure_reason" in refused.value.message_dict
