"""Return visit and redo (回访 → 重办): after resolution the command centre visits back within
a set time: resolved and satisfied closes; not resolved (or dissatisfied with a redo asked for)
sends the order back to the same unit with a new deadline, counted; dissatisfied but resolved
closes with the dissatisfaction recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Notification
from fugong.workorders import services
from fugong.workorders.models import Event, Handling

MONDAY_9AM = timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 0))
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def resolved(cast, campaign, transport):
    unit, officer = transport
    order = services.create_order(cast.contact_a, campaign, cast.a, "货车进不了城", "h5")
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=MONDAY_9AM
    )
    order = services.transition(officer, order, "sign", order.version, now=MONDAY_9AM)
    return services.transition(officer, order, "resolve", order.version, now=MONDAY_9AM + HOUR)


def visit(user, order, resolved, satisfied, comment="", now=MONDAY_9AM + 5 * HOUR, **kw):
    return services.transition(
        user,
        order,
        "visit_back",
        order.version,
        resolved=resolved,
        satisfied=satisfied,
        comment=comment,
        now=now,
        **kw,
    )


def test_resolved_and_satisfied_closes(cast, transport, resolved):
    unit, officer = transport
    # 72 hours after Monday 10:00: Thursday 18:00
    assert resolved.visit_deadline == timezone.make_aware(datetime.datetime(2026, 12, 10, 18))
    with pytest.raises(PermissionError):  # the command centre visits back, not the unit
        visit(officer, resolved, True, True)
    order = visit(cast.yanji, resolved, True, True)
    assert (order.state, order.visit_resolved, order.visit_satisfied, order.redos) == (
        "closed",
        True,
        True,
        0,
    )
    stint = Handling.objects.get(order=order)
    assert (stint.rated, stint.satisfied, stint.redos) == (True, True, 0)
    with pytest.raises(services.WrongState):
        visit(cast.yanji, order, True, True)


def test_not_resolved_is_redone_by_the_same_unit_with_a_new_deadline(cast, transport, resolved):
    unit, officer = transport
    with pytest.raises(ValidationError) as err:  # a negative visit says why
        visit(cast.yanji, resolved, False, False)
    assert "comment" in err.value.message_dict
    visited = MONDAY_9AM + 5 * HOUR
    order = visit(cast.yanji, resolved, False, False, "车辆仍被拦在卡口")
    assert (order.state, order.unit, order.redos, order.resolved_at) == (
        "in_progress",
        unit,
        1,
        None,
    )
    assert order.deadline == services.deadline_for(order, visited)
    assert Event.objects.filter(order=order, action="redo").exists()
    assert Notification.objects.filter(user=officer, title__contains="重办").exists()
    stint = Handling.objects.get(order=order)
    assert (stint.redos, stint.resolved_at, stint.rated, stint.satisfied) == (1, None, True, False)
    # redone and resolved again, then closed
    order = services.transition(officer, order, "resolve", order.version, now=visited + HOUR)
    order = visit(cast.yanji, order, True, True, now=visited + 2 * HOUR)
    assert (order.state, order.redos) == ("closed", 1)
    stint.refresh_from_db()
    assert (stint.redos, stint.resolved_at, stint.satisfied) == (1, visited + HOUR, True)


def test_dissatisfied_but_resolved_closes_with_the_dissatisfaction_recorded(cast, resolved):
    with pytest.raises(ValidationError):
        visit(cast.yanji, resolved, True, False)
    order = visit(cast.yanji, resolved, True, False, "办理太慢")
    assert (order.state, order.visit_satisfied, order.visit_comment) == (
        "closed",
        False,
        "办理太慢",
    )
    assert Handling.objects.get(order=order).satisfied is False
    assert "不满意" in Event.objects.get(order=order, action="visit_back").comment


def test_dissatisfied_with_a_redo_asked_for_is_redone(cast, resolved):
    order = visit(cast.yanji, resolved, True, False, "只解决了一半", decision="redo")
    assert (order.state, order.redos) == ("in_progress", 1)


def test_a_late_visit_is_marked(cast, resolved):
    late = resolved.visit_deadline + HOUR
    order = visit(cast.yanji, resolved, True, True, now=late)
    assert "逾期回访" in Event.objects.get(order=order, action="visit_back").comment


def test_the_api_visits_back_and_redo_is_not_an_action(api, cast, resolved):
    url = f"/workorders/{resolved.pk}"
    r = api(cast.yanji)("post", f"{url}/visit_back", {"version": resolved.version})
    assert r.status_code == 422 and "resolved" in r.json()["fields"]
    r = api(cast.yanji)("post", f"{url}/redo", {"version": resolved.version})
    assert r.status_code == 422
    r = api(cast.yanji)(
        "post",
        f"{url}/visit_back",
        {"version": resolved.version, "resolved": False, "satisfied": False, "comment": "没解决"},
    )
    assert r.status_code == 200 and r.json()["state"] == "in_progress"


def test_the_page_visits_back(cast, resolved, login):
    client = login(cast.yanji)
    html = client.get(f"/workorders/{resolved.pk}/").content.decode()
    assert 'id="visit"' in html and "须在" in html
    r = client.post(
        f"/workorders/{resolved.pk}/visit_back/",
        {"version": resolved.version, "resolved": "false", "satisfied": "false", "comment": "没通"},
    )
    assert r.status_code == 302
    resolved.refresh_from_db()
    assert (resolved.state, resolved.redos) == ("in_progress", 1)
