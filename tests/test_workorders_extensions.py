"""Extension (延期申请) and the pause: before its deadline the unit asks for a later date with a
reason, the command centre approves (the enterprise is told the new date) or rejects, up to the
campaign's limit; a question to the enterprise stops the clock until it answers, and the page
shows the pause. The clock is moved by giving each step its moment."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Notification
from fugong.workorders import services
from fugong.workorders.models import Event, Extension, Handling

MONDAY_9AM = timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 0))
HOUR = datetime.timedelta(hours=1)
THURSDAY_6PM = timezone.make_aware(datetime.datetime(2026, 12, 10, 18))  # due, when signed


@pytest.fixture
def signed(cast, campaign, transport):
    """An order the transport bureau signed for on Monday 09:00 (due Thursday 18:00)."""
    unit, officer = transport
    order = services.create_order(cast.contact_a, campaign, cast.a, "货车进不了城", "h5")
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=MONDAY_9AM
    )
    return services.transition(officer, order, "sign", order.version, now=MONDAY_9AM)


def ask_more_time(officer, order, day="2026-12-14", now=MONDAY_9AM + HOUR):
    return services.transition(
        officer,
        order,
        "request_extension",
        order.version,
        until=datetime.date.fromisoformat(day),
        reason="需协调省交通厅开具跨省通行证",
        now=now,
    )


def test_an_approved_extension_moves_the_deadline_and_tells_the_enterprise(cast, transport, signed):
    unit, officer = transport
    first = signed.deadline  # each step refreshes the order it was given
    assert first == THURSDAY_6PM
    order = ask_more_time(officer, signed)
    assert order.state == "in_progress"
    request = Extension.objects.get(order=order)
    assert (request.decision, request.previous_deadline) == ("pending", first)
    assert Notification.objects.filter(user=cast.yanji, title__contains="申请延期").exists()
    # only the command centre decides
    with pytest.raises(PermissionError):
        services.transition(officer, order, "decide_extension", order.version, decision="approve")
    order = services.transition(
        cast.yanji, order, "decide_extension", order.version, decision="approve"
    )
    new = timezone.make_aware(datetime.datetime(2026, 12, 14, 18))
    assert (order.deadline, order.extensions) == (new, 1)
    assert Extension.objects.get(order=order).decision == "approved"
    [stint] = Handling.objects.filter(order=order)
    assert (stint.deadline, stint.extensions) == (new, 1)
    told = Notification.objects.get(user=cast.contact_a, title__contains="同意延期")
    assert "2026-12-14 18:00" in told.body
    # past the old deadline nothing escalates; past the new one it does
    assert services.escalate_overdue(first + HOUR) == []
    assert len(services.escalate_overdue(new + HOUR)) == 1


def test_a_rejected_extension_keeps_the_deadline(cast, transport, signed):
    unit, officer = transport
    order = ask_more_time(officer, signed)
    with pytest.raises(ValidationError) as err:
        services.transition(cast.yanji, order, "decide_extension", order.version, decision="no")
    assert "decision" in err.value.message_dict
    with pytest.raises(ValidationError) as err:  # a rejection says why
        services.transition(cast.yanji, order, "decide_extension", order.version, decision="reject")
    order = services.transition(
        cast.yanji,
        order,
        "decide_extension",
        order.version,
        decision="reject",
        comment="可先走绿色通道",
    )
    assert (order.deadline, order.extensions) == (THURSDAY_6PM, 0)
    assert Extension.objects.get(order=order).decision == "rejected"
    assert Event.objects.filter(order=order, action="reject_extension").exists()
    assert Notification.objects.filter(user=officer, title__contains="驳回延期").exists()


def test_extension_rules_date_reason_before_the_deadline_one_at_a_time_and_the_limit(
    cast, campaign, transport, signed
):
    unit, officer = transport
    with pytest.raises(ValidationError) as err:
        ask_more_time(officer, signed, day="2026-12-09")  # not later than the deadline
    assert "until" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.transition(
            officer, signed, "request_extension", signed.version, until=datetime.date(2026, 12, 14)
        )
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError):  # past the deadline it is too late
        ask_more_time(officer, signed, now=THURSDAY_6PM + HOUR)
    order = ask_more_time(officer, signed)
    with pytest.raises(ValidationError):  # one pending request at a time
        ask_more_time(officer, order)
    order = services.transition(
        cast.yanji, order, "decide_extension", order.version, decision="approve"
    )
    with pytest.raises(ValidationError) as err:  # the campaign allows one extension
        ask_more_time(officer, order, day="2026-12-18")
    assert "最多延期 1 次" in err.value.message_dict["until"][0]
    campaign.sla["workorder_extensions"] = 2
    campaign.save()
    order.campaign.refresh_from_db()
    order = ask_more_time(officer, order, day="2026-12-18")
    assert Extension.objects.filter(order=order).count() == 2
    # no request pending: nothing to decide
    order = services.transition(
        cast.yanji, order, "decide_extension", order.version, decision="approve"
    )
    assert "decide_extension" not in services.allowed_actions(cast.yanji, order)


def test_the_api_requests_and_decides_an_extension(api, cast, transport, signed):
    unit, officer = transport
    url = f"/workorders/{signed.pk}"
    r = api(officer)("post", f"{url}/request_extension", {"version": signed.version})
    assert r.status_code == 422 and "until" in r.json()["fields"]
    r = api(officer)(
        "post",
        f"{url}/request_extension",
        {"version": signed.version, "until": "2026-12-31", "reason": "等待设备到货"},
    )
    assert r.status_code == 200
    version = r.json()["version"]
    r = api(officer)("post", f"{url}/decide_extension", {"version": version, "decision": "approve"})
    assert r.status_code == 403
    r = api(cast.yanji)(
        "post", f"{url}/decide_extension", {"version": version, "decision": "approve"}
    )
    assert r.status_code == 200 and r.json()["deadline"].startswith("2026-12-31")


def test_waiting_for_the_enterprise_pauses_the_clock(cast, transport, signed, login):
    unit, officer = transport
    with pytest.raises(ValidationError):
        services.transition(officer, signed, "ask", signed.version, now=MONDAY_9AM + HOUR)
    order = services.transition(
        officer,
        signed,
        "ask",
        signed.version,
        comment="请提供车辆号牌和司机名单",
        now=MONDAY_9AM + HOUR,
    )
    assert (order.state, order.paused_since) == ("waiting", MONDAY_9AM + HOUR)
    assert Notification.objects.filter(user=cast.contact_a, title__contains="询问企业").exists()
    # while it waits nothing escalates, even past the deadline
    assert services.escalate_overdue(THURSDAY_6PM + HOUR) == []
    html = login(cast.yanji).get(f"/workorders/{order.pk}/").content.decode()
    assert 'id="pause"' in html and "等待企业答复" in html
    # the enterprise answers 30 hours later: the deadline moves on by 30 hours
    with pytest.raises(PermissionError):
        services.transition(officer, order, "answer", order.version, comment="x")
    answered = MONDAY_9AM + 31 * HOUR
    order = services.transition(
        cast.contact_a, order, "answer", order.version, comment="吉H12345 张三", now=answered
    )
    assert (order.state, order.paused_since, order.paused_seconds) == (
        "in_progress",
        None,
        30 * 3600,
    )
    assert order.deadline == THURSDAY_6PM + 30 * HOUR
    assert Handling.objects.get(order=order).deadline == order.deadline
    assert Notification.objects.filter(user=officer, title__contains="企业答复").exists()
    html = login(cast.yanji).get(f"/workorders/{order.pk}/").content.decode()
    assert "累计暂停 1天6小时" in html
