"""The 12345 loop in Debian's chromium: an order dispatched to the wrong department is refused
with the rule cited, the command centre upholds the refusal and re-dispatches to the suggested
unit (pre-selected), the transport bureau signs for it, asks two units to assist, gets one
extension approved, resolves after both replied; the return visit finds it unresolved, the
order is redone, resolved again and closed on the second visit. Screenshots under
artifacts/browser/w12345-*.png."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Campaign, Role
from fugong.workorders.models import Assist, Event, WorkOrder
from fugong.workorders.services import create_order

from .conftest import log_in, shot
from .factories import UnitFactory, UserFactory

pytestmark = pytest.mark.browser


def act(page, action):
    page.click(f"#order-actions button[value={action}]")
    page.wait_for_load_state()


def as_user(page, base, username, order):
    page.context.clear_cookies()
    log_in(page, base, username)
    page.goto(f"{base}/workorders/{order.pk}/")


def test_refused_redispatched_co_handled_extended_redone_closed(
    live_server, transactional_db, cast, transport, page
):
    transport_unit, _officer = transport
    commerce = UnitFactory(
        code="222401-swj",
        name="延吉市商务局",
        kind="department",
        sector="commerce",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    UserFactory(username="swj", role=Role.DEPARTMENT, unit=commerce)
    tumen_transport = UnitFactory(
        code="222402-jtj",
        name="图们市交通运输局",
        kind="department",
        sector="transport",
        region=cast.regions.tumen,
        parent=cast.units.cc_tumen,
    )
    UserFactory(username="tmjtj", role=Role.DEPARTMENT, unit=tumen_transport)
    campaign = Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    order = create_order(
        cast.contact_a, campaign, cast.a, "原料车经图们口岸入境受阻，快停产了", "h5"
    )
    base = live_server.url

    # the command centre dispatches to the wrong department (工信)
    as_user(page, base, "yanji", order)
    page.select_option("#id_dispatch_unit", label="延边州工信局")
    act(page, "dispatch")
    assert WorkOrder.objects.get(pk=order.pk).unit == cast.units.gxj

    # 工信 refuses it: not its responsibility, the rule cited, 交通 suggested
    as_user(page, base, "gongxin", order)
    page.select_option("#id_return_reason", "not_ours")
    page.fill("#id_return_rule", "延边州工信局三定规定第三条")
    page.select_option("#id_return_unit", label="延吉市交通运输局")
    page.fill("#id_return_comment", "运输通行属交通部门职责")
    act(page, "return")
    assert WorkOrder.objects.get(pk=order.pk).state == "returned"

    # the command centre sees the refusal, the suggested unit pre-selected, and upholds it
    as_user(page, base, "yanji", order)
    assert "三定规定第三条" in page.inner_text("#refusals")
    assert page.locator("#id_rule_return_unit option:checked").inner_text() == "延吉市交通运输局"
    shot(page, "w12345-1-refusal")
    act(page, "rule_return")
    assert WorkOrder.objects.get(pk=order.pk).unit == transport_unit

    # 交通 signs for it and asks 商务 and 图们交通 to assist
    as_user(page, base, "jtj", order)
    act(page, "sign")
    for unit, task in (("延吉市商务局", "协调原料供应商"), ("图们市交通运输局", "协调口岸放行")):
        page.select_option("#id_add_assist_unit", label=unit)
        page.fill("#id_add_assist_task", task)
        act(page, "add_assist")
    assert Assist.objects.filter(order=order).count() == 2
    # the lead cannot resolve while a sub-task is open
    act(page, "resolve")
    assert "协办单位尚未答复" in page.content()
    shot(page, "w12345-2-co-handling")

    # the two assisting units reply; 图们 sees only its own sub-task
    for username, reply in (("swj", "供应商已恢复发货"), ("tmjtj", "口岸已放行")):
        as_user(page, base, username, order)
        act_reply = page.locator(
            "#order-actions form", has=page.locator("button[value=reply_assist]")
        )
        act_reply.locator("textarea[name=comment]").fill(reply)
        act(page, "reply_assist")
        if username == "tmjtj":
            assert "协调原料供应商" not in page.content()
            shot(page, "w12345-3-assisting-unit")

    # 交通 asks for an extension, the command centre approves it
    as_user(page, base, "jtj", order)
    until = timezone.localdate() + datetime.timedelta(days=20)
    page.fill("#id_request_extension_until", until.isoformat())
    page.fill("#id_request_extension_reason", "等待省厅开具跨省通行证")
    act(page, "request_extension")
    as_user(page, base, "yanji", order)
    act(page, "decide_extension")
    assert WorkOrder.objects.get(pk=order.pk).extensions == 1
    assert "已延期 1 次" in page.inner_text("#deadline")

    # resolved; the return visit finds it unresolved: redone by the same unit
    as_user(page, base, "jtj", order)
    act(page, "resolve")
    as_user(page, base, "yanji", order)
    page.select_option("#id_visit_back_resolved", "false")
    page.select_option("#id_visit_back_satisfied", "false")
    page.fill("#id_visit_back_comment", "车辆仍被拦在卡口")
    act(page, "visit_back")
    redone = WorkOrder.objects.get(pk=order.pk)
    assert (redone.state, redone.unit, redone.redos) == ("in_progress", transport_unit, 1)
    shot(page, "w12345-4-redo")

    # resolved again and closed on the second visit
    as_user(page, base, "jtj", order)
    act(page, "resolve")
    as_user(page, base, "yanji", order)
    page.select_option("#id_visit_back_resolved", "true")
    page.select_option("#id_visit_back_satisfied", "true")
    act(page, "visit_back")
    closed = WorkOrder.objects.get(pk=order.pk)
    assert (closed.state, closed.redos, closed.visit_satisfied) == ("closed", 1, True)
    actions = list(Event.objects.filter(order=order).values_list("action", flat=True))
    for step in ("return", "uphold_return", "sign", "add_assist", "reply_assist"):
        assert step in actions
    assert actions[-1] == "visit_back" and "redo" in actions
    shot(page, "w12345-5-closed")

    # the scorecard counts the refusal for 工信 and the redo and extension for 交通
    page.goto(f"{base}/workorders/scorecard/?region=222401")
    text = page.inner_text("#scorecard")
    assert "延吉市交通运输局" in text and "延边州工信局" in text
    shot(page, "w12345-6-scorecard")
