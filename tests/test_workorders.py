"""Work orders: intake (enterprise, daily report), triage and dispatch, every legal and illegal
transition, a concurrent accept, deadlines on Chinese working days, escalation with the clock
moved, feedback and reopening, and data scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Notification, Role
from fugong.core.permissions import SYSTEM
from fugong.core.services import is_workday
from fugong.reporting.services import submit_report
from fugong.workorders import services
from fugong.workorders.models import Category, Event, WorkOrder

from .factories import UnitFactory, UserFactory

TODAY = timezone.localdate()


def order(cast, campaign, text="货车进不了城，原料运不进来", **kw):
    return services.create_order(cast.contact_a, campaign, cast.a, text, "h5", **kw)


def test_the_enterprise_raises_a_problem_with_needs(cast, campaign, login):
    c = login(cast.contact_a)
    r = c.post("/problems/", {"text": "口罩只够两天，急需", "masks": 20000})
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    assert (o.channel, o.state, o.raised_by) == ("h5", "new", cast.contact_a)
    assert [(n.kind, int(n.requested), n.unit) for n in o.needs.all()] == [("masks", 20000, "只")]
    assert "口罩只够两天" in c.get("/problems/").content.decode()


@pytest.mark.parametrize(
    "text, needs, field",
    [
        ("   ", (), "text"),
        ("长" * 20000, (), "text"),
        ("要口罩", [{"kind": "masks", "requested": 0}], "needs"),
        ("要东西", [{"kind": "gold", "requested": 1}], "needs"),
    ],
)
def test_bad_problems_are_refused(cast, campaign, text, needs, field):
    with pytest.raises(ValidationError) as exc:
        order(cast, campaign, text, needs=needs)
    assert field in exc.value.message_dict
    assert not WorkOrder.objects.exists()


def test_a_daily_report_difficulty_becomes_one_order_not_one_a_day(cast, campaign):
    for day in (TODAY - datetime.timedelta(days=1), TODAY):
        submit_report(
            SYSTEM,
            cast.a,
            day,
            {"status": "partial", "difficulties": "外地员工返岗难", "workers_short": 30},
        )
    o = WorkOrder.objects.get()
    assert (o.channel, o.text) == ("report", "外地员工返岗难")
    assert [(n.kind, int(n.requested)) for n in o.needs.all()] == [("workers", 30)]
    submit_report(SYSTEM, cast.a2, TODAY, {"status": "full"})  # nothing to solve: no order
    assert WorkOrder.objects.count() == 1


def test_priority_rises_for_key_enterprises_and_stopping_production(cast, campaign):
    from fugong.registry.services import add_to_list

    assert order(cast, campaign).priority == "normal"
    assert order(cast, campaign, "原料断供，即将停产").priority == "high"
    add_to_list(cast.admin, cast.key_list, cast.a)
    assert order(cast, campaign, "原料断供，即将停产").priority == "urgent"


def test_the_whole_loop_with_timeline_and_notifications(cast, campaign, transport):
    unit, officer = transport
    o = order(cast, campaign)
    logistics = Category.objects.get(code="logistics")
    o = services.transition(cast.yanji, o, "triage", o.version, category=logistics)
    assert services.suggested_unit(o) == unit  # nearest transport department
    o = services.transition(cast.yanji, o, "dispatch", o.version)
    assert (o.state, o.unit, o.deadline is not None) == ("dispatched", unit, True)
    assert Notification.objects.filter(user=officer, kind="workorder").exists()
    o = services.transition(officer, o, "sign", o.version)
    o = services.transition(officer, o, "start", o.version)
    o = services.transition(officer, o, "resolve", o.version, comment="已开通绿色通道")
    assert Notification.objects.filter(user=cast.contact_a, kind="workorder").exists()
    o = services.transition(cast.contact_a, o, "close", o.version, rating=5, comment="很及时")
    assert (o.state, o.rating) == ("closed", 5)
    o = services.transition(cast.contact_a, o, "reopen", o.version, comment="又被拦了")
    assert o.state == "reopened"
    actions = list(Event.objects.filter(order=o).values_list("action", flat=True))
    assert actions == [
        "create",
        "triage",
        "dispatch",
        "sign",
        "start",
        "resolve",
        "close",
        "reopen",
    ]


@pytest.mark.parametrize(
    "state, action, who, error",
    [
        ("new", "sign", "officer", services.WrongState),
        ("new", "accept", "officer", services.WrongState),
        ("new", "resolve", "officer", services.WrongState),
        ("new", "close", "contact", services.WrongState),
        ("dispatched", "dispatch", "yanji", services.WrongState),
        ("dispatched", "close", "contact", services.WrongState),
        ("resolved", "sign", "officer", services.WrongState),
        ("closed", "resolve", "yanji", services.WrongState),
        ("new", "dispatch", "officer", PermissionError),
        ("dispatched", "sign", "yanji", PermissionError),
        ("dispatched", "sign", "contact", PermissionError),
        ("resolved", "close", "officer", PermissionError),
    ],
)
def test_illegal_transitions_are_refused(cast, campaign, transport, state, action, who, error):
    """A wrong state is a WrongState (409 in the API), a wrong actor a PermissionError (403)."""
    unit, officer = transport
    o = order(cast, campaign)
    WorkOrder.objects.filter(pk=o.pk).update(state=state, unit=unit)
    o.refresh_from_db()
    user = {"officer": officer, "contact": cast.contact_a, "yanji": cast.yanji}[who]
    with pytest.raises(error):
        services.transition(user, o, action, o.version)
    assert WorkOrder.objects.get(pk=o.pk).state == state


def test_the_api_answers_409_for_a_wrong_state_and_403_for_a_wrong_actor(
    api, cast, campaign, transport
):
    unit, officer = transport
    o = services.transition(cast.yanji, order(cast, campaign), "dispatch", 1, unit=unit)
    r = api(cast.department)("post", f"/workorders/{o.pk}/sign", {"version": o.version})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert set(r.json()) >= {"error", "detail", "fields"}
    r = api(cast.yanji)("post", f"/workorders/{o.pk}/dispatch", {"version": o.version})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert "已派发" in r.json()["detail"]
    # `accept` is kept as the old name of `sign`, and is recorded as a sign-for
    r = api(officer)("post", f"/workorders/{o.pk}/accept", {"version": o.version})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert Event.objects.filter(order=o, action="sign").count() == 1
    r = api(officer)("post", f"/workorders/{o.pk}/sign", {"version": o.version + 1})
    assert r.status_code == 409


def test_only_the_unit_it_was_sent_to_accepts_and_returning_needs_a_reason(
    cast, campaign, transport
):
    unit, officer = transport
    o = services.transition(cast.yanji, order(cast, campaign), "dispatch", 1, unit=unit)
    with pytest.raises(PermissionError):
        services.transition(cast.department, o, "sign", o.version)
    with pytest.raises(ValidationError):
        services.transition(officer, o, "return", o.version, reason="duplicate")
    o = services.transition(
        officer, o, "return", o.version, reason="duplicate", comment="与 #1 重复"
    )
    assert o.state == "returned"


def test_a_unit_outside_the_enterprises_region_cannot_be_dispatched_to(cast, campaign):
    tumen_dept = UnitFactory(
        code="222402-jtj",
        name="图们市交通运输局",
        kind="department",
        sector="transport",
        region=cast.regions.tumen,
    )
    with pytest.raises(ValidationError):
        services.transition(cast.zhuanban, order(cast, campaign), "dispatch", 1, unit=tumen_dept)


def test_two_officers_at_once_one_wins(cast, campaign, transport):
    unit, officer = transport
    o = services.transition(cast.yanji, order(cast, campaign), "dispatch", 1, unit=unit)
    stale = WorkOrder.objects.get(pk=o.pk)
    services.transition(officer, o, "sign", o.version)
    other = UserFactory(username="jtj2", role=Role.DEPARTMENT, unit=unit)
    with pytest.raises(services.Conflict):
        services.transition(other, stale, "sign", stale.version)
    assert Event.objects.filter(order=o, action="sign").count() == 1


def test_deadlines_count_chinese_working_days():
    from types import SimpleNamespace

    camp = SimpleNamespace(sla={"workorder_hours": 72})
    o = SimpleNamespace(campaign=camp, priority="normal")
    # Wednesday 2026-09-30 + 3 working days: the National Day holiday (10-01 to 10-07) is
    # skipped and Saturday 10-10, an adjusted working day, counts
    eve = timezone.make_aware(datetime.datetime(2026, 9, 30, 10, 0))
    due = timezone.localtime(services.deadline_for(o, eve))
    assert (due.date(), due.hour) == (datetime.date(2026, 10, 10), 18)
    urgent = SimpleNamespace(campaign=camp, priority="urgent")
    assert timezone.localtime(services.deadline_for(urgent, eve)).date() == datetime.date(
        2026, 10, 8
    )
    # beyond the years the holiday table knows, Monday to Friday
    assert is_workday(datetime.date(2027, 5, 3)) is True


def test_overdue_orders_escalate_up_the_chain(cast, campaign, transport):
    unit, officer = transport
    o = services.transition(cast.yanji, order(cast, campaign), "dispatch", 1, unit=unit)
    assert services.escalate_overdue(o.deadline - datetime.timedelta(hours=1)) == []
    later = o.deadline + datetime.timedelta(hours=1)
    [o] = services.escalate_overdue(later)
    assert (o.unit, o.escalations, o.state) == (cast.units.cc_yanji, 1, "dispatched")
    assert o.deadline > later
    [o] = services.escalate_overdue(o.deadline + datetime.timedelta(hours=1))
    assert o.unit == cast.units.cc_yanbian
    assert Event.objects.filter(order=o, action="escalate").count() == 2


def test_scope_of_pages_and_queues(cast, campaign, transport, login):
    unit, officer = transport
    o = services.transition(cast.yanji, order(cast, campaign), "dispatch", 1, unit=unit)
    assert login(cast.tumen).get(f"/workorders/{o.pk}/").status_code == 404
    assert login(cast.contact_b).get(f"/workorders/{o.pk}/").status_code == 404
    assert login(cast.contact_a).get(f"/workorders/{o.pk}/").status_code == 200
    assert list(login(cast.tumen).get("/workorders/").context["page"]) == []
    mine = login(officer).get("/workorders/?view=mine").context["page"]
    assert list(mine) == [o]
    r = login(officer).post(f"/workorders/{o.pk}/accept/", {"version": o.version})
    assert r.status_code == 302 and WorkOrder.objects.get(pk=o.pk).state == "accepted"
    r = login(officer).post(f"/workorders/{o.pk}/accept/", {"version": o.version}, follow=True)
    assert "不能执行" in r.content.decode() or r.status_code == 403


def test_the_api_creates_lists_and_moves_orders_with_conflicts(api, cast, campaign, transport):

    unit, officer = transport

    r = api(cast.commissioner)(
        "post",
        "/workorders",
        {
            "uscc": cast.a2.uscc,
            "text": "资金周转困难",
            "channel": "commissioner",
            "needs": [{"kind": "loans", "requested": 200}],
        },
    )
    assert r.status_code == 201 and r.json()["channel"] == "commissioner"
    pk = r.json()["id"]
    assert (
        api(cast.commissioner)(
            "post", "/workorders", {"uscc": cast.a.uscc, "text": "x"}
        ).status_code
        == 404
    )  # not assigned to them
    assert (
        api(cast.yanji)("post", "/workorders", {"uscc": cast.a2.uscc, "text": ""}).status_code
        == 422
    )
    r = api(cast.yanji)("post", f"/workorders/{pk}/dispatch", {"version": 1, "unit": "222401-jtj"})
    assert r.status_code == 200 and r.json()["unit"] == "222401-jtj"
    assert api(officer)("post", f"/workorders/{pk}/accept", {"version": 1}).status_code == 409
    assert api(officer)("post", f"/workorders/{pk}/accept", {"version": 2}).status_code == 200
    assert api(officer)("get", "/workorders?mine=true").json()["count"] == 1
    assert api(cast.tumen)("get", "/workorders").json()["count"] == 0
    assert api(cast.tumen)("get", f"/workorders/{pk}").status_code == 404


def test_similar_orders_are_proposed_grouped_worked_as_one_and_split(
    cast, campaign, transport, login
):
    from fugong.workorders.models import ProblemGroup

    unit, officer = transport
    first = order(cast, campaign, "货车进不了城，原料运不进来")
    second = services.create_order(
        cast.yanji, campaign, cast.a2, "我们的货车也进不了城，原料运不进来", "hotline"
    )
    other = order(cast, campaign, "银行贷款到期还不上，资金周转困难")
    similar = services.similar_open_orders(second)
    assert [o for o, _s in similar] == [first]
    assert other not in [o for o, _s in services.similar_open_orders(first)]
    c = login(cast.yanji)
    page = c.get(f"/workorders/{second.pk}/")
    assert [o for o, _s in page.context["similar"]] == [first]
    c.post(f"/workorders/{second.pk}/group/", {"with": [first.pk]})
    group = ProblemGroup.objects.get()
    assert set(group.members.all()) == {first, second}
    assert [g.open for g in c.get("/workorders/groups/").context["groups"]] == [2]
    c.post(f"/workorders/groups/{group.pk}/", {"action": "dispatch", "unit": unit.pk})
    assert set(WorkOrder.objects.filter(group=group).values_list("state", flat=True)) == {
        "dispatched"
    }
    services.transition_group(officer, group, "accept")
    services.transition_group(officer, group, "resolve", comment="铁路货运通道已开通")
    assert Notification.objects.filter(user=cast.contact_a, kind="workorder").exists()
    assert set(WorkOrder.objects.filter(group=group).values_list("state", flat=True)) == {
        "resolved"
    }
    # 特殊问题特殊办: one member leaves the group
    second.refresh_from_db()
    c.post(f"/workorders/{second.pk}/group/", {"split": "1"})
    assert list(group.members.all()) == [first]
    # scope: 图们 sees no group of 延吉's enterprises
    assert login(cast.tumen).get(f"/workorders/groups/{group.pk}/").status_code == 404
    assert list(login(cast.tumen).get("/workorders/groups/").context["groups"]) == []
    with pytest.raises(PermissionError):
        services.group_orders(officer, [first, other])


def test_delivered_quantities_never_exceed_the_request(cast, campaign, transport, login):
    unit, officer = transport
    o = order(cast, campaign, "口罩不够", needs=[{"kind": "masks", "requested": 1000}])
    o = services.transition(cast.yanji, o, "dispatch", o.version, unit=unit)
    line = o.needs.get()
    with pytest.raises(PermissionError):
        services.deliver(cast.contact_a, line, 10)
    services.deliver(officer, line, 600)
    with pytest.raises(ValidationError) as exc:
        services.deliver(officer, line, 500)
    assert "不能超过需求数量" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.deliver(officer, line, -1)
    login(officer).post(f"/workorders/{o.pk}/needs/{line.pk}/", {"amount": "400"})
    line.refresh_from_db()
    assert line.delivered == 1000
    assert Event.objects.filter(order=o, action="deliver").count() == 2


def test_queues_export_what_they_show(cast, campaign, transport, login):
    from .test_enterprise_list import read_xlsx

    unit, officer = transport
    o = order(cast, campaign, "口罩不够", needs=[{"kind": "masks", "requested": 1000}])
    services.transition(cast.yanji, o, "dispatch", o.version, unit=unit)
    order(cast, campaign, "另一件事情需要协调")
    rows = read_xlsx(login(officer).get("/workorders/?view=mine&format=xlsx").content)
    assert rows[0][:4] == ["编号", "统一社会信用代码", "企业名称", "问题描述"]
    assert [r[0] for r in rows[1:]] == [o.pk] and rows[1][12] == "口罩1000/0只"
    assert read_xlsx(login(cast.tumen).get("/workorders/?format=xlsx").content)[1:] == []
