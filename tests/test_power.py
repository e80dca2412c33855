"""The electricity cross-check against a hand-computed fixture: baselines over the days with
readings (a missing day is no data, a zero is a reading), the threshold reached exactly, a
missing reading on the day, an enterprise without a baseline, both disagreement lists, the
import's bad rows, the command, the API, the page and export, and data scope."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.dashboard import crosscheck
from fugong.power import services as power
from fugong.power.models import Baseline, Reading
from fugong.reporting.stats import StatsQuery

from .factories import EnterpriseFactory
from .xlsx import REPORT_HEADERS, xlsx

D = datetime.date(2020, 2, 14)
POWER_HEADERS = ["统一社会信用代码", "日期", "用电量（千瓦时）"]


def december(e, kwh, days):
    return [[e.uscc, datetime.date(2019, 12, d).isoformat(), kwh] for d in days]


def run(kind, rows, headers=POWER_HEADERS, user=SYSTEM, skip_bad=False):
    return IMPORTERS[kind](user).run(xlsx(headers, rows), skip_bad=skip_bad)


def report(e, status):
    return [e.uscc, D.isoformat(), status, "正常生产", 5, e.total_staff or 10, "", "", "", ""]


@pytest.fixture
def fixture(cast):
    """延吉: a (report 复工, power 5 %), a2 (未复工, 31.0 % of a baseline with zero days),
    c (部分复工, exactly 30 %), d (复工, no reading on D), e (no December reading: no baseline),
    f (never reported, 20 %); 图们: b (未复工, 90 %)."""
    campaign = Campaign.objects.create(
        name="2020年复工复产", region=cast.regions.yanbian, starts_on=datetime.date(2020, 1, 28)
    )
    jinxue = cast.regions.jinxue
    c, d, e, f = (
        EnterpriseFactory(name=n, region=jinxue, total_staff=20)
        for n in (
            "延吉丙机械有限公司",
            "延吉丁建材有限公司",
            "延吉戊电子有限公司",
            "延吉己木业有限公司",
        )
    )
    rows = (
        december(cast.a, 100, range(1, 11))  # 10 days of 100, 21 days missing: baseline 100
        + december(cast.a2, 200, range(1, 21))
        + december(cast.a2, 0, range(21, 32))  # zeros are readings: 4000 / 31 = 129.032
        + december(c, 50, range(1, 32))
        + december(d, 80, range(1, 32))
        + december(f, 10, range(1, 32))
        + december(cast.b, 100, range(1, 32))
        + [[e.uscc, "2020-02-13", 500], [e.uscc, D.isoformat(), 500]]
        + [[cast.a.uscc, D.isoformat(), 5], [cast.a2.uscc, D.isoformat(), 40]]
        + [
            [c.uscc, D.isoformat(), 15],
            [f.uscc, D.isoformat(), 2],
            [cast.b.uscc, D.isoformat(), 90],
        ]
        + [[d.uscc, "2020-02-13", 80]]  # d's reading is the day before: no data on D
    )
    imported = run("power", rows)
    assert imported.errors == [] and imported.written
    reports = [
        report(cast.a, "复工"),
        report(cast.a2, "未复工"),
        report(c, "部分复工"),
        report(d, "复工"),
        report(e, "复工"),
        report(cast.b, "未复工"),
    ]
    assert run("reports", reports, headers=REPORT_HEADERS).errors == []
    return campaign, c, d, e, f


def query(user, region="222401", campaign=None):
    return StatsQuery.parse(user, {"region": region, "date": D.isoformat()}, campaign)


def test_it_computes_baselines_over_the_days_with_readings(cast, fixture):
    campaign, c, d, e, f = fixture
    base = {b.enterprise_id: b for b in Baseline.objects.filter(campaign=campaign)}
    assert base[cast.a.pk].kwh_per_day == 100 and base[cast.a.pk].days == 10
    assert float(base[cast.a2.pk].kwh_per_day) == 129.032 and base[cast.a2.pk].days == 31
    assert base[c.pk].kwh_per_day == 50
    assert e.pk not in base  # no reading in December: no baseline
    assert base[cast.a.pk].month == datetime.date(2019, 12, 1)


def test_it_counts_report_and_power_over_the_enterprises_with_a_baseline(cast, fixture):
    result = crosscheck.cross_check(SYSTEM, query(SYSTEM))
    assert {
        k: result[k]
        for k in (
            "enterprises_with_baseline",
            "resumed_by_report",
            "resumed_by_power",
            "both",
            "report_only",
            "power_only",
            "no_reading",
            "neither",
        )
    } == {
        "enterprises_with_baseline": 5,
        "resumed_by_report": 3,  # a, c, d (e has no baseline)
        "resumed_by_power": 2,  # a2 at 31.0 %, c at exactly 30 %
        "both": 1,
        "report_only": 2,
        "power_only": 1,
        "no_reading": 1,
        "neither": 1,
    }
    whole = crosscheck.cross_check(SYSTEM, query(SYSTEM, "222400"), by="region")
    assert (whole["enterprises_with_baseline"], whole["resumed_by_power"]) == (6, 3)
    by = {b["key"]: b for b in whole["breakdown"]}
    assert by["222402"]["power_only"] == 1 and by["222401"]["both"] == 1


def test_it_lists_both_disagreements(cast, fixture):
    q = query(SYSTEM, "222400")
    low = crosscheck.disagreements(SYSTEM, q, "report_not_power")
    assert [(r["name"], r["index"]) for r in low] == [(cast.a.name, 5.0)]
    high = crosscheck.disagreements(SYSTEM, q, "power_not_report")
    assert [(r["name"], r["index"]) for r in high] == [(cast.b.name, 90.0), (cast.a2.name, 31.0)]
    # the figures' count of disagreements (derived from six counts) is the lists' length
    assert crosscheck.cross_check(SYSTEM, q)["disagreements"] == len(low) + len(high) == 3


def test_it_follows_the_campaigns_threshold_and_baseline_month(cast, fixture):
    campaign = fixture[0]
    campaign.sla = {"power_threshold_percent": 35}
    campaign.save()
    assert crosscheck.cross_check(SYSTEM, query(SYSTEM))["resumed_by_power"] == 0
    assert power.baseline_month(campaign) == datetime.date(2019, 12, 1)
    campaign.sla = {"power_baseline_month": 202002}
    assert power.baseline_month(campaign) == datetime.date(2020, 2, 1)
    assert power.recompute_baselines(campaign) == 7  # February: all seven have a reading
    assert Baseline.objects.get(campaign=campaign, enterprise=fixture[3]).kwh_per_day == 500


def test_it_reports_every_bad_row_and_writes_nothing(cast, fixture):
    before = Reading.objects.count()
    result = run(
        "power",
        [
            ["91222401MA0Y3K7X1X", "2020-02-15", 10],  # bad check character
            [cast.a.uscc, "2099-01-01", 10],
            [cast.a.uscc, "2020-02-16", -3],
            [cast.a.uscc, "2020-02-16", 4],  # duplicate of the row before
            [cast.b.uscc, "2020/02/17", "很多"],
            [cast.b.uscc, "2020-02-18", 7],  # good
        ],
    )
    assert {(e.row, e.column) for e in result.errors} >= {
        (2, "统一社会信用代码"),
        (3, "日期"),
        (4, "用电量（千瓦时）"),
        (5, "统一社会信用代码"),
        (6, "用电量（千瓦时）"),
    }
    assert not result.written and Reading.objects.count() == before
    scoped = run("power", [[cast.b.uscc, "2020-02-18", 7]], user=cast.township)
    assert scoped.errors[0].column == "统一社会信用代码"  # 图们's enterprise, 进学's officer


def test_it_updates_a_reimported_day_and_its_baseline(cast, fixture):
    result = run("power", [[cast.a.uscc, "2019-12-01", 1100]])
    assert (result.created, result.updated) == (0, 1)
    assert Baseline.objects.get(campaign=fixture[0], enterprise=cast.a).kwh_per_day == 200


def test_it_prints_the_statistics_as_json(cast, fixture, capsys):
    call_command("stats", "power", region="222401", date=D.isoformat(), json=True)
    out = json.loads(capsys.readouterr().out)
    assert {
        k: out[k]
        for k in (
            "enterprises_with_baseline",
            "resumed_by_power",
            "resumed_by_report",
            "both",
            "report_only",
            "power_only",
        )
    } == {
        "enterprises_with_baseline": 5,
        "resumed_by_power": 2,
        "resumed_by_report": 3,
        "both": 1,
        "report_only": 2,
        "power_only": 1,
    }


def test_it_answers_the_api_within_scope(cast, fixture, api):
    url = f"/stats/power?region=222400&date={D.isoformat()}&by=region"
    body = api(cast.yanji)("get", url).json()
    assert body["enterprises_with_baseline"] == 5  # 延吉's officer: 图们's b is outside
    assert [r["name"] for r in body["power_not_report"]] == [cast.a2.name]
    other = api(cast.tumen)("get", f"/stats/power?region=222401&date={D.isoformat()}").json()
    assert other["enterprises_with_baseline"] == 0 and other["report_not_power"] == []
    assert api(cast.contact_a)("get", url).status_code == 403
    assert api(cast.yanji)("get", url + "&by=scale").status_code == 422


def test_it_shows_the_page_and_exports_the_lists(cast, fixture, login):
    page = login(cast.yanji).get(f"/stats/power/?region=222401&date={D.isoformat()}")
    assert page.status_code == 200
    text = page.content.decode()
    assert cast.a.name in text and cast.a2.name in text and cast.b.name not in text
    sheet = login(cast.yanji).get(f"/stats/power/?region=222401&date={D}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == [cast.a.name, cast.a2.name]


def test_it_keeps_other_scopes_out_of_the_page_and_export(cast, fixture, login):
    client = login(cast.tumen)
    text = client.get(f"/stats/power/?region=222401&date={D}").content.decode()
    assert cast.a.name not in text and cast.a2.name not in text
    sheet = client.get(f"/stats/power/?region=222401&date={D}&format=xlsx")
    assert len(list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows())) == 1
    assert login(cast.contact_a).get("/stats/power/").status_code == 403


def test_it_finds_enterprises_by_their_power_account(cast, fixture):
    cast.a.power_account = "2200123456"
    cast.a.save()
    cast.b.power_account = "2200999999"
    cast.b.save()
    headers = ["用电户号", "日期", "用电量（千瓦时）"]
    ok = run("power", [["2200123456", "2020-02-15", 60]], headers=headers, user=cast.yanji)
    assert ok.errors == [] and Reading.objects.get(enterprise=cast.a, day="2020-02-15").kwh == 60
    bad = run(
        "power",
        [["2200999999", "2020-02-15", 60], ["", "2020-02-15", 1]],
        headers=headers,
        user=cast.yanji,
    )
    assert [(e.row, e.column) for e in bad.errors] == [(2, "用电户号"), (3, "统一社会信用代码")]
