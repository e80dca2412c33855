"""Key projects in Debian's chromium: the investor reports its project on a 360×740 phone
(started, workers on site, a problem), the problem becomes a work order; the county's list
shows the figures as of today and the day's report completeness. Screenshots under
artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.projects import services
from fugong.projects.models import ProjectReport
from fugong.workorders.models import WorkOrder

from .conftest import log_in, shot

pytestmark = pytest.mark.browser


def test_an_investor_reports_its_project_on_a_phone(live_server, transactional_db, cast, page):
    base = live_server.url
    today = timezone.localdate()
    Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=today - datetime.timedelta(days=3),
        project_reports=True,
        report_due_time=datetime.time(23, 59),
    )
    project = services.create_project(
        cast.yanji,
        {"name": "延吉甲制药新厂房", "investor": cast.a.uscc, "region": "222401001",
         "investment": "12000", "planned_start": today.isoformat(), "stage": "new",
         "project_list": "三早"},
    )  # fmt: skip
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, base, "qiye_a")
    page.goto(f"{base}/projects/{project.pk}/report/")
    page.check("#project-report-form input[name=status][value=started]")
    page.fill("#id_workers_on_site", "42")
    page.fill("#id_problems", "塔吊司机无法返岗")
    shot(page, "p1-project-report-phone")
    page.click("#project-report-form button[type=submit]")
    page.wait_for_load_state()
    assert "项目日报已提交" in page.content()
    report = ProjectReport.objects.get()
    assert (report.status, report.workers_on_site, report.on_time) == ("started", 42, True)
    assert WorkOrder.objects.get(pk=report.problem.order_id).source.startswith("project-problem:")
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, base, cast.yanji.username)
    page.goto(f"{base}/projects/")
    figures = page.inner_text("#project-figures")
    assert "1 个三早项目，已开(复)工 1 个，解决问题 0 个" in figures
    assert "未报 0 个" in page.inner_text("#project-report-completeness")
    assert "在场 42 人" in page.inner_text("#projects")
    shot(page, "p2-project-list")
