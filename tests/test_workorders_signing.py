"""Sign-for starts the clock (签收): a dispatched order carries a sign-for limit per campaign
and priority (2 working hours for 特急, 24 hours otherwise), the handling deadline runs from the
sign-for, and an order not signed for in time is escalated like an overdue one. The clock is
moved by giving each step its moment."""

import datetime

from django.utils import timezone

from fugong.workorders import services
from fugong.workorders.models import Event, Handling, WorkOrder


def at(day: str, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute))
    )


FRIDAY_5PM = at("2026-12-04", 17)


def new_order(cast, campaign, priority="normal"):
    order = services.create_order(cast.contact_a, campaign, cast.a, "货车进不了城", "h5")
    WorkOrder.objects.filter(pk=order.pk).update(priority=priority)
    order.refresh_from_db()
    return order


def test_an_urgent_order_must_be_signed_for_within_two_working_hours(cast, campaign, transport):
    unit, officer = transport
    order = new_order(cast, campaign, "urgent")
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=FRIDAY_5PM
    )
    # one hour on Friday until 18:00, the second on Monday from 09:00
    assert order.sign_deadline == at("2026-12-07", 10)
    assert order.deadline == order.sign_deadline and order.signed_at is None


def test_other_orders_have_24_hours_and_campaigns_set_their_own(cast, campaign, transport):
    unit, officer = transport
    order = new_order(cast, campaign)
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=FRIDAY_5PM
    )
    assert order.sign_deadline == at("2026-12-07", 18)  # the next working day's close
    campaign.sla["workorder_sign_hours"] = 4
    campaign.save()
    other = new_order(cast, campaign)
    other = services.transition(
        cast.yanji, other, "dispatch", other.version, unit=unit, now=at("2026-12-07", 16)
    )
    assert other.sign_deadline == at("2026-12-08", 11)


def test_the_handling_deadline_runs_from_the_sign_for(cast, campaign, transport):
    unit, officer = transport
    order = new_order(cast, campaign)
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=FRIDAY_5PM
    )
    signed = at("2026-12-07", 11)
    order = services.transition(officer, order, "sign", order.version, now=signed)
    assert order.signed_at == signed
    # 72 hours = three working days after Monday: Thursday 18:00
    assert order.deadline == at("2026-12-10", 18)
    [stint] = Handling.objects.filter(order=order)
    assert (stint.unit, stint.signed_at, stint.deadline) == (unit, signed, order.deadline)
    assert stint.sign_deadline == at("2026-12-07", 18)


def test_an_order_not_signed_for_in_time_is_escalated(cast, campaign, transport):
    unit, officer = transport
    order = new_order(cast, campaign, "urgent")
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=FRIDAY_5PM
    )
    assert services.escalate_overdue(at("2026-12-07", 9, 59)) == []
    [order] = services.escalate_overdue(at("2026-12-07", 10, 1))
    assert (order.unit, order.state, order.escalations) == (cast.units.cc_yanji, "dispatched", 1)
    assert order.sign_deadline == at("2026-12-07", 12, 1)  # the unit above signs in 2 hours
    event = Event.objects.get(order=order, action="escalate")
    assert "逾期未签收" in event.comment
    first, second = Handling.objects.filter(order=order)
    assert (first.unit, first.escalated, first.overdue, first.current) == (
        unit,
        True,
        True,
        False,
    )
    assert (second.unit, second.current, second.signed_at) == (cast.units.cc_yanji, True, None)


def test_a_signed_order_escalates_only_past_its_handling_deadline(cast, campaign, transport):
    unit, officer = transport
    order = new_order(cast, campaign)
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=FRIDAY_5PM
    )
    order = services.transition(officer, order, "sign", order.version, now=at("2026-12-07", 11))
    assert services.escalate_overdue(at("2026-12-09", 9)) == []  # past the sign-for limit
    [order] = services.escalate_overdue(at("2026-12-10", 19))
    assert "逾期未办结" in Event.objects.get(order=order, action="escalate").comment
