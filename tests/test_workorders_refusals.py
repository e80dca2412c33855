"""Refusal with a reason, ruled on (退单): a unit returns an order with a reason from the list
and a comment; the dispatcher upholds it and re-dispatches (the suggested unit pre-selected) or
rejects it and the order goes back to the unit with its clock still running. Refusals are
counted per unit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Notification, Role
from fugong.workorders import services
from fugong.workorders.models import Event, Handling, Refusal

from .factories import UnitFactory, UserFactory

MONDAY_9AM = timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 0))


@pytest.fixture
def hr(cast):
    """延吉市人社局, the unit a labour problem belongs to."""
    unit = UnitFactory(
        code="222401-rsj",
        name="延吉市人力资源和社会保障局",
        kind="department",
        sector="human_resources",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    return unit, UserFactory(username="rsj", role=Role.DEPARTMENT, unit=unit)


def dispatched(cast, campaign, unit, now=MONDAY_9AM):
    order = services.create_order(cast.contact_a, campaign, cast.a, "招不到工人，缺口 30 人", "h5")
    return services.transition(cast.yanji, order, "dispatch", order.version, unit=unit, now=now)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"comment": "不归我们管"}, "reason"),
        ({"reason": "because", "comment": "x"}, "reason"),
        ({"reason": "duplicate"}, "comment"),
        ({"reason": "not_ours", "comment": "用工归人社"}, "rule"),
    ],
)
def test_a_refusal_needs_a_listed_reason_a_comment_and_for_not_ours_the_rule(
    cast, campaign, transport, fields, field
):
    unit, officer = transport
    order = dispatched(cast, campaign, unit)
    with pytest.raises(ValidationError) as err:
        services.transition(officer, order, "return", order.version, **fields)
    assert field in err.value.message_dict
    order.refresh_from_db()
    assert order.state == "dispatched" and not Refusal.objects.exists()


def refuse(officer, order, suggested=None, now=None):
    return services.transition(
        officer,
        order,
        "return",
        order.version,
        reason="not_ours",
        rule="延吉市交通运输局三定规定第三条",
        comment="用工问题属人社部门职责",
        unit=suggested,
        now=now,
    )


def test_an_upheld_refusal_re_dispatches_to_the_suggested_unit(cast, campaign, transport, hr):
    unit, officer = transport
    hr_unit, hr_officer = hr
    order = refuse(officer, dispatched(cast, campaign, unit), suggested=hr_unit)
    assert order.state == "returned"
    refusal = Refusal.objects.get(order=order)
    assert (refusal.unit, refusal.decision, refusal.suggested_unit) == (unit, "pending", hr_unit)
    assert Notification.objects.filter(user=cast.yanji, title__contains="退单").exists()
    assert services.escalate_overdue(order.deadline + datetime.timedelta(days=3)) == []
    # the unit may not rule on its own refusal
    with pytest.raises(PermissionError):
        services.transition(officer, order, "rule_return", order.version, decision="accept")
    later = MONDAY_9AM + datetime.timedelta(hours=3)
    order = services.transition(
        cast.yanji, order, "rule_return", order.version, decision="accept", now=later
    )
    assert (order.state, order.unit) == ("dispatched", hr_unit)
    assert order.sign_deadline == services.sign_deadline_for(order, later)
    refusal.refresh_from_db()
    assert (refusal.decision, refusal.decided_by) == ("upheld", cast.yanji)
    first, second = Handling.objects.filter(order=order)
    assert (first.unit, first.refusals, first.refusal_upheld, first.current) == (
        unit,
        1,
        True,
        False,
    )
    assert (second.unit, second.current) == (hr_unit, True)
    assert Event.objects.filter(order=order, action="uphold_return").exists()
    assert Notification.objects.filter(user=hr_officer, kind="workorder").exists()


def test_upholding_needs_another_unit(cast, campaign, transport):
    unit, officer = transport
    order = refuse(officer, dispatched(cast, campaign, unit))
    with pytest.raises(ValidationError) as err:
        services.transition(cast.yanji, order, "rule_return", order.version, decision="accept")
    assert "unit" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.transition(
            cast.yanji, order, "rule_return", order.version, decision="accept", unit=unit
        )
    with pytest.raises(ValidationError) as err:
        services.transition(cast.yanji, order, "rule_return", order.version, decision="maybe")
    assert "decision" in err.value.message_dict


def test_a_rejected_refusal_goes_back_with_the_clock_running(cast, campaign, transport):
    unit, officer = transport
    order = dispatched(cast, campaign, unit)
    due = order.sign_deadline
    order = refuse(officer, order)
    with pytest.raises(ValidationError):  # a rejection says why
        services.transition(cast.yanji, order, "rule_return", order.version, decision="reject")
    order = services.transition(
        cast.yanji, order, "rule_return", order.version, decision="reject", comment="属交通职责"
    )
    assert (order.state, order.unit, order.sign_deadline, order.deadline) == (
        "dispatched",
        unit,
        due,
        due,
    )
    assert Refusal.objects.get(order=order).decision == "rejected"
    [stint] = Handling.objects.filter(order=order)
    assert (stint.refusals, stint.refusal_upheld, stint.current) == (1, False, True)
    # the time spent on the refusal counted: past the first deadline it escalates
    [order] = services.escalate_overdue(due + datetime.timedelta(minutes=1))
    assert order.unit == cast.units.cc_yanji
    # nothing to rule on once it is back at a unit
    with pytest.raises(services.WrongState):
        services.transition(cast.yanji, order, "rule_return", order.version, decision="reject")


def test_the_api_refuses_and_rules(api, cast, campaign, transport, hr):
    unit, officer = transport
    hr_unit, _ = hr
    order = dispatched(cast, campaign, unit)
    r = api(officer)(
        "post",
        f"/workorders/{order.pk}/return",
        {"version": order.version, "reason": "wrong_region"},
    )
    assert r.status_code == 422 and "comment" in r.json()["fields"]
    r = api(officer)(
        "post",
        f"/workorders/{order.pk}/return",
        {"version": order.version, "reason": "wrong_region", "comment": "企业不在本辖区"},
    )
    assert r.status_code == 200 and r.json()["state"] == "returned"
    r = api(officer)(
        "post", f"/workorders/{order.pk}/rule_return", {"version": 3, "decision": "accept"}
    )
    assert r.status_code == 403
    r = api(cast.yanji)(
        "post",
        f"/workorders/{order.pk}/rule_return",
        {"version": 3, "decision": "accept", "unit": hr_unit.code},
    )
    assert r.status_code == 200 and r.json()["unit"] == hr_unit.code
    r = api(cast.yanji)(
        "post", f"/workorders/{order.pk}/rule_return", {"version": 4, "decision": "reject"}
    )
    assert r.status_code == 409


def test_the_page_shows_the_refusal_and_pre_selects_the_suggested_unit(
    cast, campaign, transport, hr, login
):
    unit, officer = transport
    hr_unit, _ = hr
    order = refuse(officer, dispatched(cast, campaign, unit), suggested=hr_unit)
    page = login(cast.yanji).get(f"/workorders/{order.pk}/")
    html = page.content.decode()
    assert "三定规定第三条" in html and 'id="refusals"' in html
    assert f'<option value="{hr_unit.pk}" selected>' in html
    r = login(cast.yanji).post(
        f"/workorders/{order.pk}/rule_return/",
        {"version": order.version, "decision": "accept", "unit": hr_unit.pk},
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.unit == hr_unit
    # outside the scope: 404
    assert login(cast.tumen).get(f"/workorders/{order.pk}/").status_code == 404
