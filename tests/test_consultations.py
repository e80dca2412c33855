"""Consultation lines (代帮办): lines with numbers and hours, a call logged against an
enterprise, which becomes a work order (through the consultation_needs_action signal that the
work-order app answers) only when it needs action; bad input refused; scope (404 / empty) on
the pages, API and export."""

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from fugong.consultations import services
from fugong.consultations.demo import build as build_demo
from fugong.consultations.models import Call, Line
from fugong.core.models import Notification
from fugong.registry import demo as registry_demo
from fugong.reporting.demo import build_live_reports
from fugong.workorders.models import WorkOrder


@pytest.fixture
def lines(cast, campaign):
    cast.hr = Line.objects.create(
        name="人力资源服务热线",
        topic="human_resources",
        phone="0433-2810003",
        hours="每日 8:00–20:00",
        region=cast.regions.yanbian,
        unit=cast.units.cc_yanbian,
    )
    cast.tumen_line = Line.objects.create(
        name="图们法律热线",
        topic="legal",
        phone="0433-3620001",
        hours="工作日",
        region=cast.regions.tumen,
    )
    return cast


def call_data(cast, **changes):
    return {
        "line": cast.hr,
        "enterprise": cast.a.uscc,
        "question": "返岗员工不足，急需招聘30名普工",
        "answer": "已登记用工需求",
        **changes,
    }


def test_it_logs_a_call_and_orders_only_what_needs_action(lines):
    answered = services.log_call(lines.yanji, call_data(lines))
    assert answered.work_order_id is None and not WorkOrder.objects.exists()
    assert Notification.objects.filter(user=lines.contact_a, kind="consultation").exists()
    action = "协调人社部门组织专场招聘"
    call = services.log_call(lines.yanji, call_data(lines, needs_action=True, action=action))
    order = WorkOrder.objects.get()
    assert call.work_order_id == order.pk
    assert (order.enterprise, order.channel, order.source) == (
        lines.a,
        "hotline",
        f"call:{call.pk}",
    )
    assert action in order.text and "人力资源服务热线" in order.text


def test_it_keeps_the_call_when_no_campaign_can_take_an_order(lines):
    lines.b.region = lines.regions.xiangshang
    campaign = WorkOrder._meta.get_field("campaign").related_model.objects.get()
    campaign.region = lines.regions.yanji  # 图们 is outside the running campaign
    campaign.save()
    call = services.log_call(
        lines.tumen,
        call_data(lines, enterprise=lines.b.uscc, needs_action=True, action="协调用工"),
    )
    assert call.work_order_id is None and call.needs_action
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"question": " "}, "question"),
        ({"enterprise": "不存在的企业"}, "enterprise"),
        ({"needs_action": True, "action": ""}, "action"),
        ({"minutes": "-2"}, "minutes"),
        ({"taken_at": timezone.now() + datetime.timedelta(hours=1)}, "taken_at"),
        ({"line": None}, "line"),
    ],
)
def test_it_refuses_bad_calls_and_writes_nothing(lines, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.log_call(lines.yanji, call_data(lines, **changes))
    assert field in caught.value.message_dict
    assert not Call.objects.exists() and not WorkOrder.objects.exists()


def test_it_refuses_a_line_that_does_not_serve_the_enterprise_and_outsiders(lines):
    with pytest.raises(ValidationError, match="不服务"):
        services.log_call(lines.yanji, call_data(lines, line=lines.tumen_line))
    with pytest.raises(ValidationError):  # 图们 cannot log a call for a 延吉 enterprise
        services.log_call(lines.tumen, call_data(lines))
    with pytest.raises(PermissionError):
        services.log_call(lines.contact_a, call_data(lines))


def test_it_shows_lines_to_the_enterprise_and_logs_calls_on_the_page(lines, login):
    phone = login(lines.contact_a).get("/consultations/").content.decode()
    assert "tel:0433-2810003" in phone and "图们法律热线" not in phone
    desk = login(lines.yanji)
    answer = desk.post(
        "/consultations/calls/new/",
        {
            "line": lines.hr.pk,
            "enterprise": lines.a.name,
            "question": "急需招聘普工",
            "needs_action": "on",
            "action": "组织招聘",
        },
    )
    call = Call.objects.get()
    assert answer.status_code == 302 and call.work_order_id
    page = desk.get(f"/consultations/calls/{call.pk}/").content.decode()
    assert f"/workorders/{call.work_order_id}/" in page
    bad = desk.post(
        "/consultations/calls/new/", {"line": lines.hr.pk, "enterprise": "", "question": ""}
    )
    assert bad.status_code == 200 and "has-error" in bad.content.decode()
    assert Call.objects.count() == 1


def test_it_keeps_calls_to_the_scope(lines, login, api):
    call = services.log_call(lines.yanji, call_data(lines))
    for outsider in (lines.contact_b, lines.tumen, lines.commissioner):
        client = login(outsider)
        assert client.get(f"/consultations/calls/{call.pk}/").status_code == 404
        assert api(outsider)("get", f"/consultations/calls/{call.pk}").status_code == 404
        assert api(outsider)("get", "/consultations/calls").json() == []
    rows = load_workbook(
        BytesIO(login(lines.tumen).get("/consultations/calls/?format=xlsx").content)
    )
    assert rows.active.max_row == 1
    assert api(lines.contact_a)("get", f"/consultations/calls/{call.pk}").status_code == 200
    assert login(lines.contact_a).get("/consultations/lines/new/").status_code == 403


def test_it_logs_a_call_by_api(lines, api):
    call = api(lines.yanji)
    body = {"line_id": lines.hr.pk, "enterprise": lines.a.uscc, "question": "社保缓缴怎么办理？"}
    created = call("post", "/consultations/calls", body)
    assert created.status_code == 201 and created.json()["work_order_id"] is None
    bad = call("post", "/consultations/calls", {**body, "question": ""})
    assert bad.status_code == 422 and Call.objects.count() == 1
    phones = [line["phone"] for line in call("get", "/consultations/lines").json()]
    assert phones == ["0433-2810003"]  # not 图们's line


@pytest.mark.django_db
def test_the_demo_city_has_five_lines_and_a_call_that_became_an_order():
    registry_demo.build(300)
    build_live_reports()
    assert build_demo() == 5 and build_demo() == 0
    assert Call.objects.count() == 4
    [ordered] = Call.objects.exclude(work_order_id=None)
    assert WorkOrder.objects.get(pk=ordered.work_order_id).channel == "hotline"
