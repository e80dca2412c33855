"""Validation rules per campaign (hard → field error, soft → flag) and statistical outliers
flagged for the township, listed on its home page."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.reporting import checks, confirmation
from fugong.reporting.models import DailyReport
from fugong.reporting.services import submit_report

from .factories import EnterpriseFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date(2026, 3, 2)


@pytest.fixture
def campaign(cast):
    campaign = Campaign.objects.create(name="本轮", region=cast.regions.yanbian, starts_on=D)
    traveller = time_machine.travel(datetime.datetime(2026, 3, 3, 10, tzinfo=SHANGHAI), tick=False)
    traveller.start()
    yield campaign
    traveller.stop()


def rules(campaign, **levels):
    campaign.report_rules = levels
    campaign.full_clean()
    campaign.save()


def report(user, enterprise, day=D, **values):
    return submit_report(user, enterprise, day, {"status": "full", "staff_total": 100, **values})


def flagged_rules(saved):
    return [f["rule"] for f in saved.flags]


def test_resumed_with_nobody_on_duty(cast, campaign):
    soft = report(cast.contact_a, cast.a, staff_on_duty=0)
    assert flagged_rules(soft) == ["resumed_without_staff"] and soft.flagged
    rules(campaign, resumed_without_staff="hard")
    with pytest.raises(ValidationError) as refused:
        report(cast.contact_b, cast.b, staff_on_duty=0)
    assert "在岗人数不能为 0" in refused.value.message_dict["staff_on_duty"][0]


def test_utilisation_between_0_and_100(cast, campaign):
    with pytest.raises(ValidationError) as refused:
        report(cast.contact_a, cast.a, staff_on_duty=5, capacity_utilisation=120)
    assert "capacity_utilisation" in refused.value.message_dict
    rules(campaign, utilisation_range="soft")
    saved = report(cast.contact_a, cast.a, staff_on_duty=5, capacity_utilisation=120)
    assert flagged_rules(saved) == ["utilisation_range"]
    rules(campaign, utilisation_range="off")
    assert report(cast.contact_a, cast.a, staff_on_duty=5, capacity_utilisation=120).flags == []


def test_output_against_capacity(cast, campaign):
    cast.a.annual_output = Decimal(365)  # 1 万元 a day; the ceiling is 3 a day
    cast.a.save()
    assert report(cast.contact_a, cast.a, staff_on_duty=5, output=2).flags == []
    high = report(cast.contact_a, cast.a, staff_on_duty=5, output=5)
    assert flagged_rules(high) == ["output_capacity"] and high.flags[0]["field"] == "output"
    idle = report(cast.contact_a, cast.a, staff_on_duty=5, output=1, capacity_utilisation=0)
    assert idle.flags[0]["field"] == "capacity_utilisation"
    rules(campaign, output_capacity="hard", output_capacity_factor=10)
    assert report(cast.contact_a, cast.a, staff_on_duty=5, output=5).flags == []
    with pytest.raises(ValidationError) as refused:
        report(cast.contact_a, cast.a, staff_on_duty=5, output=11)
    assert "超过产能" in refused.value.message_dict["output"][0]


def test_a_jump_against_the_previous_report(cast, campaign):
    report(cast.contact_a, cast.a, day=D, staff_on_duty=60)
    small = report(cast.contact_a, cast.a, day=D + datetime.timedelta(days=1), staff_on_duty=80)
    assert small.flags == []  # +33 %
    jump = report(cast.contact_a, cast.a, day=D + datetime.timedelta(days=1), staff_on_duty=100)
    assert flagged_rules(jump) == ["staff_jump"] and "+67%" in jump.flags[0]["message"]
    rules(campaign, staff_jump="hard", staff_jump_percent=20)
    with pytest.raises(ValidationError) as refused:
        report(cast.contact_a, cast.a, day=D + datetime.timedelta(days=1), staff_on_duty=80)
    assert "staff_on_duty" in refused.value.message_dict


def test_bad_rules_are_field_errors(cast, campaign):
    for bad in ({"staff_jump": "maybe"}, {"unknown": "hard"}, {"staff_jump_percent": -1}):
        campaign.report_rules = bad
        with pytest.raises(ValidationError) as refused:
            campaign.full_clean()
        assert "report_rules" in refused.value.message_dict


def test_modified_z_scores():
    scores = checks.modified_z_scores([10, 11, 12, 11, 10, 50])
    assert scores[-1] > 3.5 and all(abs(z) < 3.5 for z in scores[:-1])
    assert checks.modified_z_scores([5, 5, 5]) == [None, None, None]


def test_an_outlier_is_flagged_for_the_township_and_listed_on_its_home(cast, campaign, login):
    peers = [EnterpriseFactory(region=cast.regions.jinxue, industry="27") for _ in range(5)]
    for i, enterprise in enumerate(peers):
        report(SYSTEM, enterprise, staff_on_duty=60 + i)
    odd = report(cast.contact_a, cast.a, staff_on_duty=3)  # 3 % on duty among ~62 %
    odd.refresh_from_db()
    assert [f["field"] for f in odd.flags if f["rule"] == "outlier"] == ["staff_on_duty"]
    assert not any(DailyReport.objects.get(enterprise=p).flagged for p in peers)
    home = login(cast.township).get("/")
    assert 'id="flagged-reports"' in home.text and "修正 z 值" in home.text
    assert "待核实日报 1 份" in home.text
    assert [r.pk for r in checks.flagged_reports(cast.tumen)] == []  # not 图们's
    confirmation.correct_report(cast.township, odd, {"staff_on_duty": 61}, "电话核实")
    odd.refresh_from_db()
    assert odd.flags == [] and not odd.flagged
    assert "没有待核实的日报" in login(cast.township).get("/").text
