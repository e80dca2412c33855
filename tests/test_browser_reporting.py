"""Reporting journeys in Debian's chromium: an enterprise contact reports on a phone, a
township officer sees who is missing, the command centre clicks a bar of the dashboard through
to the enterprises behind it; the daily-report loop of a locked day (issue 15): a township
confirms its enterprises' reports and corrects a figure, the county confirms the township, the
completeness page splits on time / late / confirmed and drills to the missing, a command centre
reopens one enterprise's day, a leader subscribes to the brief. Each loop page passes axe.
Screenshots under artifacts/browser/ (1440×900; the township's confirm page also 390×844)."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.reporting.confirmation import confirm_reports
from fugong.reporting.models import DailyReport, DayReopening, TownshipConfirmation
from fugong.reporting.services import submit_report

from .conftest import log_in, shot
from .factories import EnterpriseFactory
from .test_browser_ui import _axe

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


# --- the daily-report loop (issue 15): confirmation, completeness, reopening, the brief ----

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
D = TODAY - datetime.timedelta(days=2)  # a data day already locked (open one day after 12:00)


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def loop(cast, running):
    """The demo's shape for day D in 延吉市: four enterprises expected (one in 北山, three in
    进学), one closed before D (not expected), three reports (one late), one missing."""
    running.report_due_time = datetime.time(12, 0)
    running.report_open_days = 1
    running.save()
    jinxue = cast.regions.jinxue
    c = EnterpriseFactory(name="延吉丁机械有限公司", region=jinxue, total_staff=120)
    d = EnterpriseFactory(name="延吉戊电子有限公司", region=jinxue, contact_phone="13904330009")
    EnterpriseFactory(
        name="延吉己塑料制品厂",
        region=jinxue,
        active_to=D - datetime.timedelta(days=5),
        closure_reason="suspended",
    )
    figures = {"status": "partial", "mode": "normal", "staff_total": 120}
    with time_machine.travel(_at(D, 9), tick=False):
        submit_report(SYSTEM, cast.a, D, {**figures, "staff_on_duty": 100})
        submit_report(SYSTEM, cast.a2, D, {**figures, "staff_on_duty": 60})
    with time_machine.travel(_at(D, 15, 30), tick=False):  # after the 12:00 deadline: late
        late = submit_report(SYSTEM, c, D, {**figures, "staff_on_duty": 80})
    return SimpleNamespace(c=c, d=d, late=late)


def _no_sideways_scroll(page):
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


def _axe_clean(page, base):
    found = _axe(page, base, layout_only=False)
    assert found == [], f"{page.url}: {found}"


def test_township_confirms_and_corrects_then_the_county_confirms_the_township(
    live_server, transactional_db, cast, loop, page
):
    base, day = live_server.url, D.isoformat()
    page.set_viewport_size(DESK)
    log_in(page, base, "jinxue")
    page.goto(f"{base}/reports/confirm/?date={day}")
    rows = page.locator("#reports-to-confirm tbody tr")
    assert rows.count() == 2  # 进学's two reports (戊 has none); 北山's is not theirs
    assert "延吉乙食品" not in page.inner_text("#reports-to-confirm")
    late_row = rows.filter(has_text=loop.c.name)
    assert "迟报" in late_row.inner_text() and "待审核" in late_row.inner_text()
    _axe_clean(page, base)
    shot(page, "loop-confirm-township")

    late_row.locator("a:has-text('更正')").click()
    page.wait_for_selector("#correct-form")
    page.fill("#id_staff_on_duty", "95")
    page.fill("#id_reason", "电话核实：夜班 15 人漏报")
    page.click("#correct-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "已更正并审核" in page.content()
    assert (
        "已审核" in page.locator("#reports-to-confirm tbody tr", has_text=loop.c.name).inner_text()
    )
    page.goto(f"{base}/reports/{loop.late.pk}/correct/")
    record = page.inner_text("#corrections")
    assert "在岗人数" in record and "80" in record and "95" in record and "夜班" in record
    assert "staff_on_duty" not in record  # labels, not field names
    _axe_clean(page, base)
    shot(page, "loop-correction-before-after")
    loop.late.refresh_from_db()
    assert (loop.late.staff_on_duty, loop.late.confirmed_at is not None) == (95, True)

    page.goto(f"{base}/reports/confirm/?date={day}")
    page.click("#confirm-all")  # nothing ticked: all the unconfirmed ones
    page.wait_for_selector(".alert-success")
    assert "已审核 1 份日报" in page.content()
    assert page.locator("#reports-to-confirm tbody tr", has_text="待审核").count() == 0
    page.set_viewport_size(PHONE)
    page.reload()
    _no_sideways_scroll(page)
    # on a phone the table itself fits too: 报送 and 审核 go under the name
    fits = "e => e.scrollWidth <= e.parentElement.clientWidth"
    shot(page, "loop-confirm-township-phone")
    assert page.eval_on_selector("#reports-to-confirm", fits), page.eval_on_selector(
        "#reports-to-confirm", "e => [e.scrollWidth, e.parentElement.clientWidth]"
    )
    assert page.locator("#reports-to-confirm tbody tr", has_text="已审核").count() == 2
    _axe_clean(page, base)
    shot(page, "loop-confirm-township-phone")

    page.context.clear_cookies()
    page.set_viewport_size(DESK)
    log_in(page, base, "yanji")  # the county's command centre
    page.goto(f"{base}/reports/confirm/?date={day}")
    townships = page.locator("#townships tbody tr")
    jinxue_row = townships.filter(has_text="进学街道")
    beishan_row = townships.filter(has_text="北山街道")
    assert beishan_row.locator("button").is_disabled()  # 北山's report is not confirmed yet
    jinxue_row.locator("button:has-text('审核该街镇')").click()
    page.wait_for_selector(".alert-success")
    assert "已审核 进学街道 的日报" in page.content()
    assert "已审核" in page.locator("#townships tbody tr", has_text="进学街道").inner_text()
    assert "县级已审核 2" in page.inner_text("#confirm-summary")
    _axe_clean(page, base)
    shot(page, "loop-confirm-county")
    assert TownshipConfirmation.objects.get(region=cast.regions.jinxue, day=D)


def test_completeness_counts_on_time_late_and_confirmed_and_drills_to_the_missing(
    live_server, transactional_db, cast, loop, page
):
    base = live_server.url
    confirm_reports(cast.township, loop.late.campaign, D)  # 进学 confirmed its two
    page.set_viewport_size(DESK)
    log_in(page, base, "yanji")
    page.goto(f"{base}/completeness/?date={D.isoformat()}")
    cards = {
        card.locator(".subheader").inner_text(): card.locator(".fg-figure-value").inner_text()
        for card in page.locator("#day-figures .fg-figure").all()
    }
    # the closed 己 plastics works is not expected; 丁's late report counts as reported
    assert cards == {
        "应报企业": "4",
        "已报": "3/4",
        "按时报送": "2",
        "迟报": "1",
        "街镇已审核": "2",
        "未报": "1",
    }, cards
    assert [r.split("\t")[0] for r in page.locator("#missing tbody tr").all_inner_texts()] == [
        loop.d.name
    ]
    _axe_clean(page, base)
    shot(page, "loop-completeness")
    page.click("#day-figures a:has-text('未报')")
    page.wait_for_url("**/stats/enterprises/**")
    assert "figure=missing_today" in page.url
    assert page.locator("#drill tbody tr td:first-child").all_inner_texts() == [loop.d.name]
    assert "13904330009" in page.inner_text("#drill")
    _axe_clean(page, base)
    shot(page, "loop-completeness-missing")


def test_command_centre_reopens_a_locked_day_for_one_enterprise(
    live_server, transactional_db, cast, loop, page
):
    base = live_server.url
    with pytest.raises(ValidationError):  # D is locked: 戊 can no longer report it
        submit_report(SYSTEM, loop.d, D, {"status": "full"})
    page.set_viewport_size(DESK)
    log_in(page, base, "yanji")
    page.goto(f"{base}/enterprises/{loop.d.pk}/reports/")
    page.fill("#reopen-day", D.isoformat())
    page.click("#reopen button[type=submit]")  # no reason: the browser refuses (required)
    assert not DayReopening.objects.exists()
    page.fill("#reopen-reason", "企业停电未能按时报送，经核实补报")
    page.click("#reopen button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "已重新开放" in page.content()
    assert "企业停电" in page.inner_text("#reopenings")
    _axe_clean(page, base)
    shot(page, "loop-reopen")
    reopening = DayReopening.objects.get()
    assert (reopening.enterprise, reopening.day) == (loop.d, D)
    report = submit_report(SYSTEM, loop.d, D, {"status": "full"})  # now it is accepted, late
    assert report.on_time is False
    with pytest.raises(ValidationError):  # the other enterprises' D stays locked
        submit_report(SYSTEM, cast.a, D, {"status": "full"})


def test_leader_subscribes_to_the_daily_brief(live_server, transactional_db, cast, running, page):
    from django.core import mail

    from fugong.dashboard import push
    from fugong.dashboard.models import BriefSubscription

    cast.zhuanban.email = "leader@example.org"
    cast.zhuanban.save()
    submit_report(SYSTEM, cast.a, TODAY, {"status": "full"})
    base = live_server.url
    page.set_viewport_size(DESK)
    log_in(page, base, "zhuanban")
    page.goto(f"{base}/stats/brief/push/")
    page.fill("#id_send_at", "07:30")
    page.click("#brief-subscription button[type=submit]:has-text('保存')")
    page.wait_for_selector(".alert-success")
    assert "已订阅" in page.inner_text("#brief-subscription")
    _axe_clean(page, base)
    shot(page, "loop-brief-subscription")
    subscription = BriefSubscription.objects.get(user=cast.zhuanban)
    assert subscription.send_at == datetime.time(7, 30)

    assert push.briefs_due(_at(TODAY, 7, 0)) == []  # not yet
    assert push.briefs_due(_at(TODAY, 7, 31)) == [cast.zhuanban.pk]
    (message,) = mail.outbox
    assert message.to == ["leader@example.org"] and "延边朝鲜族自治州" in message.subject
    assert message.attachments[0][2] == "application/pdf"
    assert push.briefs_due(_at(TODAY, 9, 0)) == []  # once a day

    page.click("#brief-subscription button[name=stop]")
    page.wait_for_selector(".alert-success")
    assert "已取消日报推送" in page.content()
    assert not BriefSubscription.objects.exists()
