"""Confirmation up the chain (逐级审核): the township confirms and corrects its enterprises'
reports, the county confirms its townships, statistics count confirmed figures apart, and the
brief says how much is confirmed."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.core.models import AuditLog, Campaign
from fugong.core.permissions import SYSTEM
from fugong.dashboard import brief
from fugong.reporting import confirmation, stats
from fugong.reporting.completeness import completeness
from fugong.reporting.models import DailyReport, DayStatus, ReportCorrection
from fugong.reporting.services import submit_report

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date(2026, 3, 2)
REPORT = {"status": "full", "staff_on_duty": 60, "staff_total": 100}


@pytest.fixture
def day(cast):
    campaign = Campaign.objects.create(name="本轮", region=cast.regions.yanbian, starts_on=D)
    traveller = time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), tick=False)
    traveller.start()
    submit_report(cast.contact_a, cast.a, D, REPORT)
    submit_report(SYSTEM, cast.a2, D, REPORT)
    submit_report(cast.contact_b, cast.b, D, REPORT)
    yield campaign
    traveller.stop()


def query(campaign, user=SYSTEM, **params):
    return stats.StatsQuery.parse(
        user, {"region": "222400", "date": D.isoformat(), **params}, campaign
    )


def test_the_township_confirms_only_its_enterprises(cast, day):
    assert confirmation.confirm_reports(cast.township, day, D) == 1  # 进学街道: 延吉甲 only
    a = DailyReport.objects.get(enterprise=cast.a)
    assert a.confirmed_by == cast.township and a.confirmed_at is not None
    assert DayStatus.objects.get(enterprise=cast.a, day=D).confirmed
    assert not DailyReport.objects.get(enterprise=cast.b).confirmed_at
    with pytest.raises(DailyReport.DoesNotExist):  # 图们丙 is not the township's
        confirmation.confirm_reports(
            cast.township, day, D, [DailyReport.objects.get(enterprise=cast.b).pk]
        )
    with pytest.raises(PermissionDenied):
        confirmation.confirm_reports(cast.department, day, D)
    confirmed = stats.resumption(SYSTEM, query(day, confirmed="1"))
    assert (confirmed["resumed"], confirmed["enterprises"]) == (1, 3)
    assert stats.resumption(SYSTEM, query(day))["resumed"] == 3
    figures = completeness(SYSTEM, query(day))
    assert (figures["confirmed"], figures["unconfirmed"], figures["confirmed_rate"]) == (1, 2, 33.3)
    entry = AuditLog.objects.filter(target_type="reporting.dailyreport").order_by("pk").last()
    assert entry.detail["confirmed"] == [a.pk] and entry.username == "jinxue"


def test_a_correction_records_before_after_and_who(cast, day):
    report = DailyReport.objects.get(enterprise=cast.a)
    with pytest.raises(ValidationError) as bad:
        confirmation.correct_report(cast.township, report, {"staff_on_duty": 120}, "核实")
    assert "staff_on_duty" in bad.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        confirmation.correct_report(cast.township, report, {"staff_on_duty": 50}, "")
    assert "reason" in no_reason.value.message_dict
    corrected = confirmation.correct_report(
        cast.township, report, {"staff_on_duty": 50, "status": "partial"}, "电话核实"
    )
    assert (corrected.staff_on_duty, corrected.status, corrected.version) == (50, "partial", 2)
    assert corrected.confirmed_by == cast.township
    record = ReportCorrection.objects.get(report=report)
    assert record.before == {"status": "full", "staff_on_duty": 60}
    assert record.after == {"status": "partial", "staff_on_duty": 50}
    assert record.corrected_by == cast.township and record.reason == "电话核实"
    status = DayStatus.objects.get(enterprise=cast.a, day=D)
    assert (status.staff_on_duty, status.status, status.confirmed) == (50, "partial", True)
    entry = (
        AuditLog.objects.filter(target_type="reporting.dailyreport", action="update")
        .order_by("pk")
        .last()
    )
    assert entry.detail["before"]["staff_on_duty"] == 60
    with pytest.raises(DailyReport.DoesNotExist):
        confirmation.correct_report(
            cast.township, DailyReport.objects.get(enterprise=cast.b), {"staff_on_duty": 1}, "x"
        )
    # the enterprise submits again: the new figures wait for a new confirmation
    again = submit_report(cast.contact_a, cast.a, D, REPORT)
    assert again.confirmed_at is None
    assert not DayStatus.objects.get(enterprise=cast.a, day=D).confirmed


def test_the_county_confirms_a_township_once_its_reports_are_confirmed(cast, day):
    jinxue = cast.regions.jinxue
    with pytest.raises(PermissionDenied):
        confirmation.confirm_township(cast.township, day, D, jinxue)
    with pytest.raises(ValidationError) as waiting:
        confirmation.confirm_township(cast.yanji, day, D, jinxue)
    assert "1 份日报未经街镇审核" in waiting.value.message_dict["region"][0]
    with pytest.raises(ValidationError):  # not 延吉's
        confirmation.confirm_township(cast.yanji, day, D, cast.regions.xiangshang)
    confirmation.confirm_reports(cast.township, day, D)
    confirmation.confirm_township(cast.yanji, day, D, jinxue)
    progress = {r["region"].code: r for r in confirmation.township_progress(cast.yanji, day, D)}
    assert set(progress) == {"222401001", "222401002"}
    assert progress["222401001"]["county"] is not None
    assert (progress["222401002"]["reports"], progress["222401002"]["unconfirmed"]) == (1, 1)
    assert completeness(SYSTEM, query(day))["county_confirmed"] == 1
    lines = brief.summary_lines(brief.content(cast.yanji, query(day, cast.yanji, region="222401")))
    assert any("街镇已审核 1 家（50.0%）" in line and "县级已审核 1 家" in line for line in lines)


def test_the_confirmation_page_and_api_in_scope(cast, day, login, api):
    page = login(cast.township).get("/reports/confirm/?date=2026-03-02")
    assert page.status_code == 200
    assert (
        cast.a.name in page.text and cast.b.name not in page.text and cast.a2.name not in page.text
    )
    assert 'id="townships"' not in page.text  # a township confirms reports, not townships
    assert login(cast.department).get("/reports/confirm/").status_code == 403
    assert login(cast.contact_a).get("/reports/confirm/").status_code == 403
    done = login(cast.township).post("/reports/confirm/?date=2026-03-02", {})
    assert done.status_code == 302
    assert DailyReport.objects.get(enterprise=cast.a).confirmed_at is not None
    county = login(cast.yanji).get("/reports/confirm/?date=2026-03-02")
    assert 'id="townships"' in county.text
    b_report = DailyReport.objects.get(enterprise=cast.b)
    assert login(cast.township).get(f"/reports/{b_report.pk}/correct/").status_code == 404
    a_report = DailyReport.objects.get(enterprise=cast.a)
    form = login(cast.township).post(
        f"/reports/{a_report.pk}/correct/",
        {
            "status": "full",
            "mode": "normal",
            "staff_on_duty": 200,
            "staff_total": 100,
            "reason": "核实",
        },
    )
    assert form.status_code == 200 and "不能大于职工总数" in form.text
    call = api(cast.township)
    assert (
        call(
            "post", "/reports/confirm", {"date": "2026-03-02", "report_ids": [b_report.pk]}
        ).status_code
        == 404
    )
    assert (
        call(
            "post", f"/reports/{b_report.pk}/correct", {"reason": "x", "staff_on_duty": 1}
        ).status_code
        == 404
    )
    fixed = call("post", f"/reports/{a_report.pk}/correct", {"reason": "核实", "staff_on_duty": 55})
    assert fixed.status_code == 200 and fixed.json()["staff_on_duty"] == 55
    township = api(cast.yanji)(
        "post", "/reports/confirm-township", {"date": "2026-03-02", "region": "222401001"}
    )
    assert township.status_code == 200, township.content
    refused = api(cast.tumen)(
        "post", "/reports/confirm-township", {"date": "2026-03-02", "region": "222401001"}
    )
    assert refused.status_code == 422
