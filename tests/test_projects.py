"""Key projects (重点项目) and supply-chain links (产业链供应链): a project registered with a
problem that becomes a work order, solved, and counted ("1 个三早项目，解决问题 1 个"); a link
blocked, routed to the unit that can act, a coordination request to another city answered, the
link open again; bad input; pages, API, exports, the dashboard, and data scope."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from fugong.core.models import Campaign, Notification
from fugong.projects import chains, services
from fugong.projects.models import CoordinationRequest, LinkIssue, Project, SupplyLink
from fugong.workorders.models import WorkOrder

TODAY = datetime.date.today()


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="本轮应急", region=cast.regions.yanbian, starts_on=TODAY - datetime.timedelta(days=5)
    )


def project_data(cast, **over):
    data = {
        "name": "延吉甲制药新厂房",
        "investor": cast.a.uscc,
        "region": "222401001",
        "investment": "12000",
        "planned_start": TODAY.isoformat(),
        "stage": "new",
        "project_list": "三早",
    }
    data.update(over)
    return data


def test_a_key_project_with_a_problem_becomes_a_work_order_and_is_counted(
    cast, campaign, transport
):
    from fugong.workorders import services as orders

    unit, officer = transport
    project = services.create_project(cast.yanji, project_data(cast))
    services.set_status(cast.yanji, project, "started")
    problem = services.raise_problem(cast.township, project, "施工人员无法返岗，需协调包车")
    order = WorkOrder.objects.get(pk=problem.order_id)
    assert order.enterprise == cast.a and order.source == f"project-problem:{problem.pk}"
    assert order.channel == "hotline" and "延吉甲制药新厂房" in order.text
    assert problem.campaign == campaign
    services.raise_problem(cast.yanji, project, "原材料进不来")
    order = orders.transition(cast.yanji, order, "dispatch", order.version, unit=unit)
    order = orders.transition(officer, order, "sign", order.version)
    orders.transition(officer, order, "resolve", order.version, comment="已安排包车两辆")
    problem.refresh_from_db()
    assert problem.state == "solved" and problem.solved_on == TODAY
    [row] = services.figures(cast.yanji)
    assert row == {
        "list": "三早",
        "projects": 1,
        "going": 1,
        "investment": 12000,
        "problems": 2,
        "solved": 1,
    }
    assert services.figures(cast.tumen) == []


def test_it_refuses_a_bad_project_and_writes_nothing(cast, campaign):
    with pytest.raises(ValidationError) as caught:
        services.create_project(
            cast.yanji,
            project_data(
                cast, name="", investor=cast.b.uscc, region="222402", investment="-1",
                planned_start="2020-13-01", stage="x",
            ),
        )  # fmt: skip
    assert set(caught.value.message_dict) == {
        "name",
        "investor",
        "region",
        "investment",
        "planned_start",
        "stage",
    }
    with pytest.raises(PermissionError):
        services.create_project(cast.contact_a, project_data(cast))
    project = services.create_project(cast.yanji, project_data(cast))
    with pytest.raises(ValidationError):
        services.raise_problem(cast.yanji, project, "  ")
    with pytest.raises(ValidationError):
        services.set_status(cast.yanji, project, "flying")
    assert Project.objects.count() == 1 and not WorkOrder.objects.exists()


def test_the_project_pages_api_and_export_keep_to_scope(cast, campaign, login, api):
    project = services.create_project(cast.yanji, project_data(cast))
    client = login(cast.yanji)
    page = client.get("/projects/").content.decode()
    assert "1 个三早项目，已开(复)工 0 个，解决问题 0 个" in page and "延吉甲制药新厂房" in page
    client.post(f"/projects/{project.pk}/", {"action": "problem", "text": "缺少塔吊司机"})
    assert project.problems.get().order_id
    sheet = load_workbook(io.BytesIO(client.get("/projects/?format=xlsx").content)).active
    assert sheet.cell(2, 1).value == "延吉甲制药新厂房" and sheet.cell(2, 11).value == 1
    bad = client.post("/projects/new/", project_data(cast, investment="abc"))
    assert bad.status_code == 422 and "总投资应为正数" in bad.content.decode()
    tumen = login(cast.tumen)
    assert tumen.get(f"/projects/{project.pk}/").status_code == 404
    problem = {"action": "problem", "text": "x"}
    assert tumen.post(f"/projects/{project.pk}/", problem).status_code == 404
    assert "延吉甲" not in tumen.get("/projects/").content.decode()
    outside = load_workbook(io.BytesIO(tumen.get("/projects/?format=xlsx").content)).active
    assert outside.max_row == 1
    assert login(cast.contact_a).get("/projects/").status_code == 403
    assert api(cast.tumen)("get", "/projects").json() == []
    assert api(cast.tumen)("get", f"/projects/{project.pk}").status_code == 404
    raised = api(cast.tumen)("post", f"/projects/{project.pk}/problems", {"text": "x"})
    assert raised.status_code == 404
    made = api(cast.yanji)("post", "/projects", project_data(cast, name="接口项目"))
    assert made.status_code == 201 and made.json()["stage"] == "new"
    raised = api(cast.yanji)("post", f"/projects/{made.json()['id']}/problems", {"text": "缺电"})
    assert raised.status_code == 201 and raised.json()["order_id"]
    figures = api(cast.yanji)("get", "/projects/figures").json()
    assert figures[0]["projects"] == 2 and figures[0]["problems"] == 2


# --- supply chains ---------------------------------------------------------------------


def test_a_blocked_link_is_routed_and_a_cross_city_request_answered(cast, campaign):
    outside = chains.add_link(
        cast.contact_a,
        cast.a,
        {"direction": "supplier", "goods": "原料药", "partner_name": "长春某化工",
         "partner_city": "长春市"},
    )  # fmt: skip
    local = chains.add_link(
        cast.yanji, cast.a, {"direction": "customer", "goods": "针剂", "partner_uscc": cast.a2.uscc}
    )
    # the local partner's link goes to its township when it has one; else the command centre
    assert chains.unit_that_can_act(outside) == cast.units.cc_yanji
    issue = chains.block_link(
        cast.yanji,
        outside,
        outside.version,
        "货车在长春卡口被劝返",
        city="长春市",
        centre="长春市疫情防控指挥部",
        request="请协助放行运输原料药的货车",
    )
    outside.refresh_from_db()
    assert outside.state == "blocked" and issue.unit == cast.units.cc_yanji
    assert Notification.objects.filter(user=cast.yanji, kind="supply_chain").exists()
    asked = CoordinationRequest.objects.get()
    assert (asked.city, asked.state) == ("长春市", "sent")
    asked = chains.record_answer(
        cast.yanji, asked, asked.version, "已开通绿色通道", "长春市专班 王"
    )
    assert asked.state == "answered" and asked.answered_by == "长春市专班 王"
    rows = list(chains.chains_for(cast.zhuanban, blocked_only=True))
    assert [(r.name, r.blocked, r.links) for r in rows] == [("延吉甲制药有限公司", 1, 2)]
    chains.resolve_issue(cast.yanji, issue, issue.version, "货车已放行")
    outside.refresh_from_db()
    assert outside.state == "normal" and not chains.chains_for(cast.yanji, blocked_only=True)
    assert Notification.objects.filter(user=cast.contact_a, title__contains="已打通").exists()
    assert local.partner == cast.a2


def test_it_refuses_bad_links_and_outsiders(cast, campaign):
    with pytest.raises(ValidationError) as caught:
        chains.add_link(cast.yanji, cast.a, {"direction": "x", "goods": ""})
    assert {"direction", "goods", "partner_name"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError):
        chains.add_link(
            cast.yanji, cast.a, {"direction": "supplier", "goods": "g", "partner_uscc": "X"}
        )
    with pytest.raises(PermissionError):
        chains.add_link(
            cast.tumen, cast.a, {"direction": "supplier", "goods": "g", "partner_name": "n",
                                 "partner_city": "c"},
        )  # fmt: skip
    link = chains.add_link(
        cast.yanji, cast.a, {"direction": "supplier", "goods": "g", "partner_uscc": cast.b.uscc}
    )
    with pytest.raises(ValidationError):
        chains.block_link(cast.yanji, link, link.version, "")
    with pytest.raises(ValidationError):  # a request without its centre
        chains.block_link(cast.yanji, link, link.version, "停产", city="长春市")
    assert not LinkIssue.objects.exists() and SupplyLink.objects.get().state == "normal"


def test_the_chain_pages_api_export_and_dashboard_keep_to_scope(cast, campaign, login, api):
    link = chains.add_link(
        cast.yanji, cast.a, {"direction": "supplier", "goods": "包材", "partner_uscc": cast.b.uscc}
    )
    client = login(cast.yanji)
    response = client.post(
        f"/chains/{cast.a.pk}/",
        {"action": "block", "link": link.pk, "version": link.version, "text": "供应商停产"},
    )
    issue = LinkIssue.objects.get()
    assert response.status_code == 302 and response.url == f"/chains/issues/{issue.pk}/"
    assert "供应商停产" in client.get(f"/chains/issues/{issue.pk}/").content.decode()
    client.post(
        f"/chains/issues/{issue.pk}/",
        {"action": "request", "city": "长春市", "centre": "长春市指挥部", "request": "协调复产"},
    )
    assert issue.requests.count() == 1
    assert (
        "延吉甲制药有限公司"
        in client.get("/dashboard/")
        .content.decode()
        .split('id="blocked-chains"')[1]
        .split("</section>")[0]
    )
    sheet = load_workbook(io.BytesIO(client.get("/chains/?format=xlsx").content)).active
    assert sheet.cell(2, 7).value == "供应商停产"
    # 图们: not its enterprise's chain, but the issue routed to its unit would be visible
    tumen = login(cast.tumen)
    assert tumen.get(f"/chains/{cast.a.pk}/").status_code == 404
    assert tumen.get(f"/chains/issues/{issue.pk}/").status_code == 404
    assert "延吉甲" not in tumen.get("/chains/").content.decode()
    assert load_workbook(io.BytesIO(tumen.get("/chains/?format=xlsx").content)).active.max_row == 1
    assert api(cast.tumen)("get", "/supply-links").json() == []
    assert api(cast.tumen)("get", "/link-issues").json() == []
    outsider = api(cast.tumen)
    assert (
        outsider("post", f"/supply-links/{link.pk}/block", {"version": 2, "text": "x"}).status_code
        == 404
    )
    new_link = {"direction": "supplier", "goods": "g", "partner_name": "n", "partner_city": "c"}
    assert outsider("post", f"/enterprises/{cast.a.pk}/supply-links", new_link).status_code == 404
    assert tumen.post(f"/chains/{cast.a.pk}/", new_link).status_code == 404
    asked = issue.requests.get()
    bad = api(cast.tumen)(
        "post", f"/coordination-requests/{asked.pk}/answer", {"version": 1, "answer": "x"}
    )  # noqa: E501
    assert bad.status_code == 404
    LinkIssue.objects.filter(pk=issue.pk).update(unit=cast.units.cc_tumen)  # routed to 图们
    assert tumen.get(f"/chains/issues/{issue.pk}/").status_code == 200
    assert login(cast.contact_b).get(f"/chains/{cast.a.pk}/").status_code == 404
    answered = api(cast.yanji)(
        "post", f"/coordination-requests/{asked.pk}/answer", {"version": 1, "answer": "同意"}
    )
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    blocked = api(cast.yanji)("post", f"/supply-links/{link.pk}/block", {"version": 1, "text": "x"})
    assert blocked.status_code == 409  # moved since (version 2)
