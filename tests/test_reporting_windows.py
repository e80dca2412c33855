"""The daily report's window, with the clock moved: on time and late, a locked day, a day a
command centre reopened for one enterprise, due weekdays, and completeness with on-time and
late apart."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.core.models import AuditLog, Campaign
from fugong.core.permissions import SYSTEM
from fugong.reporting import stats, windows
from fugong.reporting.completeness import completeness
from fugong.reporting.services import submit_report

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 2)
REPORT = {"status": "full", "staff_on_duty": 60, "staff_total": 100}


def at(day, hour, minute=0):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI),
        tick=False,
    )


@pytest.fixture
def window(cast):
    """Reports of the previous day due by 12:00, Monday to Friday, open one day more."""
    return Campaign.objects.create(
        name="按前一日报送",
        region=cast.regions.yanbian,
        starts_on=MONDAY,
        report_due_time=datetime.time(12, 0),
        report_data_day="previous",
        report_weekdays=[1, 2, 3, 4, 5],
        report_open_days=1,
    )


def figures(user, window, day, region="222400"):
    query = stats.StatsQuery.parse(user, {"region": region, "date": day.isoformat()}, window)
    return completeness(user, query)


def test_it_records_arrival_and_whether_it_was_on_time(cast, window):
    with at(MONDAY + datetime.timedelta(days=1), 11, 59):  # Tuesday 11:59 for Monday
        on_time = submit_report(cast.contact_a, cast.a, MONDAY, REPORT)
    with at(MONDAY + datetime.timedelta(days=1), 12, 1):  # Tuesday 12:01: late
        late = submit_report(cast.contact_b, cast.b, MONDAY, REPORT)
    assert on_time.on_time is True and late.on_time is False
    assert late.arrived_at.astimezone(SHANGHAI).time() == datetime.time(12, 1)
    with at(MONDAY + datetime.timedelta(days=1), 15):
        result = figures(SYSTEM, window, MONDAY)
        # a correction later keeps the first arrival
        again = submit_report(cast.contact_a, cast.a, MONDAY, {**REPORT, "staff_on_duty": 61})
    assert again.version == 2 and again.on_time is True
    assert (result["expected"], result["reported"]) == (3, 2)
    assert (result["on_time"], result["late"], result["missing"]) == (1, 1, 1)
    assert (result["completeness"], result["on_time_rate"], result["late_rate"]) == (
        66.7,
        33.3,
        33.3,
    )
    assert result["deadline"].startswith("2026-03-03T12:00")


def test_it_counts_late_reports_only_when_the_campaign_says_so(cast, window):
    window.late_reports_count = False
    window.save()
    with at(MONDAY + datetime.timedelta(days=1), 13):
        submit_report(cast.contact_a, cast.a, MONDAY, REPORT)
        result = figures(SYSTEM, window, MONDAY)
    assert (result["reported"], result["late"], result["completeness"]) == (0, 1, 0.0)


def test_a_locked_day_refuses_reports_with_a_field_error(cast, window, api):
    with at(MONDAY + datetime.timedelta(days=2), 12, 1):  # Wednesday 12:01: Monday is locked
        with pytest.raises(ValidationError) as refused:
            submit_report(cast.contact_a, cast.a, MONDAY, REPORT)
        assert "锁定" in refused.value.message_dict["date"][0]
        answer = api(cast.contact_a)(
            "post", "/reports", {"uscc": cast.a.uscc, "date": MONDAY.isoformat(), **REPORT}
        )
        assert answer.status_code == 422
        assert "date" in answer.json()["fields"]
        # Tuesday is still open (deadline Wednesday 12:00, open one day more)
        submit_report(cast.contact_a, cast.a, MONDAY + datetime.timedelta(days=1), REPORT)
    assert not cast.a.reports.filter(date=MONDAY).exists()


def test_a_command_centre_reopens_one_enterprises_day(cast, window, api):
    with at(MONDAY + datetime.timedelta(days=3), 9):
        with pytest.raises(PermissionDenied):  # a township cannot
            windows.reopen_day(cast.township, window, cast.a, MONDAY, "补报")
        with pytest.raises(ValidationError) as no_reason:
            windows.reopen_day(cast.yanji, window, cast.a, MONDAY, "  ")
        assert "reason" in no_reason.value.message_dict
        outside = api(cast.tumen)(
            "post", "/reports/reopen", {"uscc": cast.a.uscc, "date": "2026-03-02", "reason": "x"}
        )
        assert outside.status_code == 404
        answer = api(cast.yanji)(
            "post",
            "/reports/reopen",
            {"uscc": cast.a.uscc, "date": "2026-03-02", "reason": "系统故障未能报送"},
        )
        assert answer.status_code == 201, answer.content
        report = submit_report(cast.contact_a, cast.a, MONDAY, REPORT)
        assert report.on_time is False  # reopened, so late
        with pytest.raises(ValidationError):  # only that enterprise's day reopened
            submit_report(cast.contact_b, cast.b, MONDAY, REPORT)
    entry = (
        AuditLog.objects.filter(target_type="registry.enterprise", action="update")
        .order_by("pk")
        .last()
    )
    assert entry.detail["reopened_day"] == "2026-03-02" and entry.username == "yanji"
    with at(MONDAY + datetime.timedelta(days=4), 9, 1):  # 24 hours later it is locked again
        with pytest.raises(ValidationError):
            submit_report(cast.contact_a, cast.a, MONDAY, {**REPORT, "staff_on_duty": 1})


def test_the_reopen_form_on_the_report_list(cast, window, login):
    with at(MONDAY + datetime.timedelta(days=3), 9):
        url = f"/enterprises/{cast.a.pk}/reports/"
        page = login(cast.yanji).post(url, {"day": "2026-03-02", "reason": ""})
        assert page.status_code == 200 and "请填写重新开放的原因" in page.text
        done = login(cast.yanji).post(url, {"day": "2026-03-02", "reason": "断网"})
        assert done.status_code == 302
        assert windows.reopened(window, cast.a, MONDAY, datetime.datetime.now(SHANGHAI))
        assert login(cast.tumen).post(url, {"day": "2026-03-02", "reason": "x"}).status_code == 404


def test_no_report_is_expected_on_a_weekday_that_is_not_due(cast, window):
    saturday = MONDAY + datetime.timedelta(days=5)
    with at(saturday + datetime.timedelta(days=1), 10):
        submit_report(cast.contact_a, cast.a, saturday, REPORT)
        result = figures(SYSTEM, window, saturday)
    assert result["due"] is False
    assert (result["expected"], result["reported"], result["completeness"]) == (0, 0, None)


def test_completeness_is_in_the_callers_scope(cast, window, api):
    with at(MONDAY + datetime.timedelta(days=1), 10):
        submit_report(cast.contact_a, cast.a, MONDAY, REPORT)
        submit_report(cast.contact_b, cast.b, MONDAY, REPORT)
        mine = api(cast.tumen)("get", "/stats/completeness?region=222400&date=2026-03-02")
        assert mine.status_code == 200
        assert (mine.json()["expected"], mine.json()["reported"]) == (1, 1)
        other = api(cast.tumen)("get", "/stats/completeness?region=222401&date=2026-03-02")
        assert (other.json()["expected"], other.json()["reported"]) == (0, 0)
        bad = api(cast.tumen)("get", "/stats/completeness?region=999999&date=2026-03-02")
        assert bad.status_code == 422 and "region" in bad.json()["fields"]
