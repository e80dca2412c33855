"""Reporting journeys in Debian's chromium: an enterprise contact reports on a phone, a
township officer sees who is missing, the command centre clicks a bar of the dashboard through
to the enterprises behind it. Screenshots under artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.reporting.models import DailyReport
from fugong.reporting.services import submit_report

from .conftest import log_in, shot

pytestmark = pytest.mark.browser
TODAY = timezone.localdate()


@pytest.fixture
def running(cast):
    return Campaign.objects.create(
        name="本轮疫情复工复产",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=10),
        report_fields=[{"key": "bubble", "label": "泡泡内人数", "type": "number"}],
    )


def test_enterprise_contact_reports_on_a_phone(live_server, transactional_db, cast, running, page):
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url, "qiye_a")
    assert page.url == live_server.url + "/"  # the enterprise's home: today's report to do
    page.click("text=填报今日日报")
    page.wait_for_load_state()
    assert page.url.endswith("/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 370
    page.check("input[name=status][value=partial]")
    page.fill("#id_staff_on_duty", "400")
    page.fill("#id_staff_total", "303")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector(".has-error")
    assert "不能大于职工总数" in page.content()
    shot(page, "r1-report-error-phone")
    page.fill("#id_staff_on_duty", "260")
    page.fill("#id_extra__bubble", "120")
    page.fill("#id_difficulties", "原材料运不进来，产品运不出去")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()
    assert "日报已提交" in page.content()
    shot(page, "r2-report-done-phone")
    report = DailyReport.objects.get(enterprise=cast.a)
    assert (report.status, report.staff_on_duty, report.extra) == (
        "partial",
        260,
        {"bubble": 120.0},
    )


def test_township_officer_sees_who_is_missing(live_server, transactional_db, cast, running, page):
    log_in(page, live_server.url, "yanji")
    submit_report(SYSTEM, cast.a2, TODAY, {"status": "full"})
    page.goto(f"{live_server.url}/completeness/")
    rows = page.locator("#missing tbody tr")
    assert rows.count() == 1 and cast.a.name in rows.first.inner_text()
    assert cast.a.contact_phone in rows.first.inner_text()
    assert "已填报 1 / 应填报 2" in page.locator("#completeness").inner_text()
    shot(page, "r3-completeness")
    page.click("#remind-all")
    page.wait_for_selector(".messages")  # htmx swaps the page content in place
    assert "已提醒 1 人" in page.content()


def test_command_centre_clicks_a_bar_through_to_the_enterprises(
    live_server, transactional_db, cast, running, page
):
    submit_report(SYSTEM, cast.a, TODAY, {"status": "full"})
    submit_report(SYSTEM, cast.b, TODAY, {"status": "not_resumed"})
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server.url, "zhuanban")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#chart-regions svg")
    shot(page, "r4-dashboard")
    # the 延吉市 "resumed" bar: where ECharts drew it
    x, y = page.evaluate("""() => {
        const el = document.getElementById('chart-regions');
        const c = echarts.getInstanceByDom(el);
        const [px, py] = c.convertToPixel({seriesIndex: 0}, [0, 0.5]);
        const box = el.getBoundingClientRect();
        return [box.left + px, box.top + py];
    }""")
    page.mouse.click(x, y)
    page.wait_for_url("**/stats/enterprises/**")
    assert "figure=resumed" in page.url and "region=222401" in page.url
    names = page.locator("#drill tbody tr td:first-child").all_inner_texts()
    assert names == [cast.a.name]
    shot(page, "r5-drill-down")
