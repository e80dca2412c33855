"""The completeness interfaces (command, API, page) and the output-weighted shares, each in the
caller's data scope."""

import datetime
import io
import json
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.reporting.services import submit_report

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date(2026, 3, 2)


@pytest.fixture
def reported(cast):
    campaign = Campaign.objects.create(name="本轮", region=cast.regions.yanbian, starts_on=D)
    for enterprise, output in ((cast.a, 800), (cast.a2, 200), (cast.b, 1000)):
        enterprise.annual_output = Decimal(output)
        enterprise.save()
    with time_machine.travel(datetime.datetime(2026, 3, 2, 11, tzinfo=SHANGHAI), tick=False):
        submit_report(cast.contact_a, cast.a, D, {"status": "full", "output": 10})
        submit_report(SYSTEM, cast.a2, D, {"status": "not_resumed", "output": 0})
    with time_machine.travel(datetime.datetime(2026, 3, 2, 13, tzinfo=SHANGHAI), tick=False):
        submit_report(
            cast.contact_b, cast.b, D, {"status": "full", "mode": "closed_loop", "output": 30}
        )
    traveller = time_machine.travel(datetime.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI), tick=False)
    traveller.start()
    yield campaign
    traveller.stop()


def run(*args):
    out = io.StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


def test_it_prints_completeness_and_the_same_json_as_the_api(cast, reported, api):
    text = run("completeness", "--region", "222400", "--date", "2026-03-02")
    assert "应报 3，已报 3 = 100.0%：按时 2 = 66.7%，迟报 1 = 33.3%，未报 0" in text
    assert "已审核 0 = 0.0%，待审核 3" in text
    printed = json.loads(
        run("completeness", "--region", "222400", "--date", "2026-03-02", "--json")
    )
    served = api(cast.admin)("get", "/stats/completeness?region=222400&date=2026-03-02").json()
    assert printed == served
    assert (served["expected"], served["on_time"], served["late"]) == (3, 2, 1)
    with_campaign = run(
        "completeness", "--region", "222400", "--date", "2026-03-02", "--campaign", reported.pk
    )
    assert "已报 3" in with_campaign


def test_the_resumption_shares_are_weighted_by_output(cast, reported, api):
    text = run("resumption", "--region", "222400", "--date", "2026-03-02")
    assert "复工: 2 家，占企业 66.7%，占上年工业总产值 90.0%（3 家有产值）" in text
    assert "占当日产值 100.0%" in text
    assert "闭环生产: 1 家，占企业 33.3%，占上年工业总产值 50.0%" in text
    assert "占当日产值 75.0%" in text
    served = api(cast.admin)("get", "/stats/resumption?region=222400&date=2026-03-02").json()
    assert served["weighted"]["closed_loop"]["annual_output_share"] == 50.0
    assert served["weighted"]["resumed"]["day_output_share"] == 100.0
    # 图们 sees its own enterprise only: all of its output is closed-loop
    mine = api(cast.tumen)("get", "/stats/resumption?region=222400&date=2026-03-02").json()
    assert mine["weighted"]["enterprises"] == 1
    assert mine["weighted"]["closed_loop"]["annual_output_share"] == 100.0


def test_confirmed_only_counts_nothing_before_confirmation(cast, reported):
    text = run("resumption", "--region", "222400", "--date", "2026-03-02", "--confirmed")
    assert "复工（仅已审核）: 0 家" in text
    printed = json.loads(
        run("resumption", "--region", "222400", "--date", "2026-03-02", "--confirmed", "--json")
    )
    assert (printed["resumed"], printed["enterprises"], printed["confirmed_only"]) == (0, 3, True)


def test_the_stats_page_shows_completeness_and_shares_in_scope(cast, reported, login):
    page = login(cast.yanji).get("/stats/?region=222401&date=2026-03-02")
    assert page.status_code == 200
    body = page.text
    assert 'id="day-completeness"' in body and 'id="weighted"' in body
    assert "已报 2 / 应报 2（100.0%）" in body
    other = login(cast.tumen).get("/stats/?region=222401&date=2026-03-02")
    assert "已报 0 / 应报 0" in other.text  # outside 图们's scope: nothing counted
    assert login(cast.contact_a).get("/stats/").status_code == 403


def test_an_enterprise_account_counts_only_itself(cast, reported, api):
    answer = api(cast.contact_b)("get", "/stats/completeness?region=222400&date=2026-03-02")
    assert answer.status_code == 200
    assert (answer.json()["expected"], answer.json()["late"]) == (1, 1)
