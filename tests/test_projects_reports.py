"""Key projects' daily reports and problems tied to their work orders (issue 18): where the
campaign asks for it, a project reports started/resumed, workers on site and problems through
the enterprise reports' window (deadline, on time, lock, reminders); its status as of a day is
its latest report's (carried forward); a problem is solved exactly when its work order is
resolved or closed, and open again when the order is reopened or sent back; data scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Campaign, Notification, Step
from fugong.projects import reports, services
from fugong.projects.models import ProjectProblem, ProjectReport
from fugong.workorders import services as orders
from fugong.workorders.models import WorkOrder

from .test_projects import project_data

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=5),
        project_reports=True,
        report_due_time=datetime.time(12, 0),
        report_open_days=1,
    )


@pytest.fixture
def project(cast, campaign):
    return services.create_project(cast.yanji, project_data(cast, planned_start=TODAY.isoformat()))


def figure(user, day=None):
    [row] = services.figures(user, day=day)
    return row


def test_a_project_reports_daily_and_its_status_carries_forward(cast, campaign, project):
    first = reports.submit_report(
        cast.contact_a,
        project,
        {"date": YESTERDAY.isoformat(), "status": "started", "workers_on_site": "40"},
        now=at(YESTERDAY, 9),
    )
    assert (first.on_time, first.version, first.problem) == (True, 1, None)
    assert figure(cast.yanji)["going"] == 1  # yesterday's report carries into today
    assert figure(cast.yanji, YESTERDAY - datetime.timedelta(days=1))["going"] == 0
    late = reports.submit_report(
        cast.yanji, project, {"status": "stopped", "workers_on_site": 0}, now=at(TODAY, 13)
    )
    assert (late.date, late.on_time) == (TODAY, False)  # after 12:00: late
    again = reports.submit_report(
        cast.contact_a, project, {"status": "resumed", "workers_on_site": 55}, now=at(TODAY, 14)
    )
    assert (again.pk, again.version, again.on_time) == (late.pk, 2, False)  # keeps arrival
    row = services.projects_for(cast.yanji).get()
    assert (row.status_as_of, row.status_date, row.workers_as_of) == ("resumed", TODAY, 55)
    past = services.projects_for(cast.yanji, day=YESTERDAY).get()
    assert (past.status_as_of, past.workers_as_of) == ("started", 40)
    assert [p.pk for p in services.projects_for(cast.yanji, {"status": "resumed"})] == [project.pk]
    done = reports.completeness(cast.yanji, campaign, TODAY)
    assert done == {"expected": 1, "reported": 1, "on_time": 0, "late": 1, "missing": 0}
    with pytest.raises(ValidationError) as caught:  # set by hand no more: reports decide
        services.set_status(cast.yanji, project, "started")
    assert "status" in caught.value.message_dict


def test_a_report_refuses_bad_input_locked_days_and_outsiders(cast, campaign, project):
    with pytest.raises(ValidationError) as caught:
        reports.submit_report(
            cast.contact_a,
            project,
            {"status": "flying", "workers_on_site": "-3", "date": "2020-13-01"},
            now=at(TODAY, 9),
        )
    assert set(caught.value.message_dict) == {"status", "workers_on_site", "date"}
    with pytest.raises(ValidationError) as caught:  # future
        reports.submit_report(
            cast.contact_a,
            project,
            {"status": "started", "workers_on_site": 1, "date": (TODAY + datetime.timedelta(1))},
            now=at(TODAY, 9),
        )
    assert "date" in caught.value.message_dict
    old = TODAY - datetime.timedelta(days=3)  # its deadline + 1 day has passed: locked
    with pytest.raises(ValidationError) as caught:
        reports.submit_report(
            cast.contact_a,
            project,
            {"status": "started", "workers_on_site": 1, "date": old.isoformat()},
            now=at(TODAY, 9),
        )
    assert "锁定" in caught.value.message_dict["date"][0]
    for outsider in (cast.tumen, cast.contact_b):
        with pytest.raises(PermissionError):
            reports.submit_report(outsider, project, {"status": "started", "workers_on_site": 1})
    Campaign.objects.filter(pk=campaign.pk).update(project_reports=False)
    with pytest.raises(ValidationError):
        reports.submit_report(cast.contact_a, project, {"status": "started", "workers_on_site": 1})
    assert not ProjectReport.objects.exists()


def test_problems_in_a_report_become_work_orders_and_solved_follows_the_order(
    cast, campaign, project, transport
):
    unit, officer = transport
    report = reports.submit_report(
        cast.contact_a,
        project,
        {"status": "started", "workers_on_site": 20, "problems": "塔吊司机无法返岗"},
        now=at(TODAY, 9),
    )
    problem = report.problem
    order = WorkOrder.objects.get(pk=problem.order_id)
    assert order.source == f"project-problem:{problem.pk}" and "塔吊司机" in order.text
    # the same text again is the same problem, not a second order
    reports.submit_report(
        cast.contact_a,
        project,
        {"status": "started", "workers_on_site": 21, "problems": "塔吊司机无法返岗"},
        now=at(TODAY, 10),
    )
    assert WorkOrder.objects.count() == 1
    assert (figure(cast.yanji)["problems"], figure(cast.yanji)["solved"]) == (1, 0)
    with pytest.raises(ValidationError):  # no longer confirmed by hand: its order decides
        services.solve_problem(cast.yanji, problem, problem.version, "已解决")
    order = orders.transition(cast.yanji, order, "dispatch", order.version, unit=unit)
    order = orders.transition(officer, order, "sign", order.version)
    assert figure(cast.yanji)["solved"] == 0
    order = orders.transition(officer, order, "resolve", order.version, comment="已协调包车")
    problem.refresh_from_db()
    assert (problem.state, problem.solution, problem.solved_on) == ("solved", "已协调包车", TODAY)
    [step] = Step.objects.filter(owner_type="projects.projectproblem", action="solve")
    assert (step.owner_id, step.user) == (problem.pk, officer)  # the order's actor, in its timeline
    assert figure(cast.yanji)["solved"] == 1
    order = orders.transition(cast.contact_a, order, "close", order.version, rating=5)
    assert figure(cast.yanji)["solved"] == 1  # closed: still solved
    order = orders.transition(cast.contact_a, order, "reopen", order.version, comment="又被拦")
    problem.refresh_from_db()
    assert (problem.state, problem.solved_on) == ("open", None)
    assert figure(cast.yanji)["solved"] == 0
    order = orders.transition(cast.yanji, order, "dispatch", order.version, unit=unit)
    order = orders.transition(officer, order, "sign", order.version)
    orders.transition(officer, order, "resolve", order.version)
    assert figure(cast.yanji)["solved"] == 1
    assert ProjectProblem.objects.get().solution.startswith("工单 #")


def test_a_problem_raised_on_the_page_is_solved_by_its_order_and_reopened(
    cast, campaign, project, transport
):
    unit, officer = transport
    problem = services.raise_problem(cast.township, project, "施工用电未接入")
    order = WorkOrder.objects.get(pk=problem.order_id)
    order = orders.transition(cast.yanji, order, "dispatch", order.version, unit=unit)
    order = orders.transition(officer, order, "sign", order.version)
    order = orders.transition(officer, order, "resolve", order.version, comment="已接电")
    assert figure(cast.yanji)["solved"] == 1
    orders.transition(cast.contact_a, order, "reopen", order.version, comment="又停电")
    assert figure(cast.yanji)["solved"] == 0
    other = orders.create_order(cast.contact_a, campaign, cast.a, "与项目无关", "h5")
    other = orders.transition(cast.yanji, other, "dispatch", other.version, unit=unit)
    other = orders.transition(officer, other, "sign", other.version)
    orders.transition(officer, other, "resolve", other.version)  # not a project's: no effect
    assert ProjectProblem.objects.get().state == "open"


def test_reminders_reach_the_investors_of_projects_not_reported_once(cast, campaign, project):
    Campaign.objects.filter(pk=campaign.pk).update(reminder_times=["10:00", "14:00"])
    assert reports.reminders_due(at(TODAY, 9)) == []  # no time come yet
    [run] = reports.reminders_due(at(TODAY, 10, 5))
    assert (run["kind"], run["projects"], run["people"]) == ("pending", 1, 1)
    assert reports.reminders_due(at(TODAY, 10, 20)) == []  # sent once
    note = Notification.objects.get(user=cast.contact_a, kind="project_report")
    assert "延吉甲制药新厂房" in note.title and note.url == f"/projects/{project.pk}/report/"
    reports.submit_report(
        cast.contact_a, project, {"status": "started", "workers_on_site": 3}, now=at(TODAY, 11)
    )
    [run] = reports.reminders_due(at(TODAY, 14, 1))
    assert (run["kind"], run["projects"], run["people"]) == ("overdue", 0, 0)
    assert not Notification.objects.filter(user=cast.contact_b, kind="project_report").exists()


def test_the_report_form_list_and_api_keep_to_scope(cast, campaign, project, login, api):
    own = login(cast.contact_a)
    form = own.get(f"/projects/{project.pk}/report/")
    assert form.status_code == 200 and 'id="project-report-form"' in form.content.decode()
    bad = own.post(f"/projects/{project.pk}/report/", {"date": TODAY, "status": "x"})
    assert bad.status_code == 422
    posted = own.post(
        f"/projects/{project.pk}/report/",
        {"date": TODAY.isoformat(), "status": "started", "workers_on_site": 30},
    )
    assert posted.status_code == 302 and ProjectReport.objects.get().workers_on_site == 30
    page = login(cast.yanji).get("/projects/").content.decode()
    assert "1 个三早项目，已开(复)工 1 个，解决问题 0 个" in page
    assert "在场 30 人" in page and 'id="project-report-completeness"' in page
    detail = login(cast.yanji).get(f"/projects/{project.pk}/").content.decode()
    assert 'id="project-reports"' in detail and "要求重点项目日报" in detail
    tumen = login(cast.tumen)
    assert tumen.get(f"/projects/{project.pk}/report/").status_code == 404
    assert tumen.post(f"/projects/{project.pk}/report/", {"status": "started"}).status_code == 404
    assert login(cast.contact_b).get(f"/projects/{project.pk}/report/").status_code == 404
    made = api(cast.contact_a)(
        "post", f"/projects/{project.pk}/reports", {"status": "resumed", "workers_on_site": 31}
    )
    assert made.status_code == 201 and made.json()["version"] == 2
    wrong = api(cast.contact_a)(
        "post", f"/projects/{project.pk}/reports", {"status": "x", "workers_on_site": 1}
    )
    assert wrong.status_code in (400, 422) and "status" in wrong.content.decode()
    listed = api(cast.yanji)("get", "/projects").json()
    assert (listed[0]["status"], listed[0]["workers_on_site"]) == ("resumed", 31)
    earlier = api(cast.yanji)("get", f"/projects?date={YESTERDAY.isoformat()}").json()
    assert earlier[0]["status"] == "not_started"
    assert api(cast.yanji)("get", "/projects/figures?date=0").status_code == 422  # ISO only
    assert api(cast.tumen)("get", f"/projects/{project.pk}/reports").status_code == 404
    outsider = api(cast.tumen)(
        "post", f"/projects/{project.pk}/reports", {"status": "resumed", "workers_on_site": 1}
    )
    assert outsider.status_code == 404
    assert api(cast.tumen)("get", "/projects/figures").json() == []
