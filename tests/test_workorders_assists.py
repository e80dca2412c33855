"""Co-handling (会签/协办): a lead unit and assisting units, each with its own sub-task, deadline
and reply; the lead cannot resolve while a sub-task is open; an assisting unit sees only its
sub-task and the order it belongs to, even from another county."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.models import Notification, Role
from fugong.workorders import services
from fugong.workorders.models import Assist

from .factories import UnitFactory, UserFactory

MONDAY_9AM = timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 0))


@pytest.fixture
def helpers(cast):
    """Two assisting units: 延吉市商务局, and 图们市交通运输局 of the next county."""
    commerce = UnitFactory(
        code="222401-swj",
        name="延吉市商务局",
        kind="department",
        sector="commerce",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    tumen_transport = UnitFactory(
        code="222402-jtj",
        name="图们市交通运输局",
        kind="department",
        sector="transport",
        region=cast.regions.tumen,
        parent=cast.units.cc_tumen,
    )
    return (
        (commerce, UserFactory(username="swj", role=Role.DEPARTMENT, unit=commerce)),
        (
            tumen_transport,
            UserFactory(username="tmjtj", role=Role.DEPARTMENT, unit=tumen_transport),
        ),
    )


@pytest.fixture
def signed(cast, campaign, transport):
    unit, officer = transport
    order = services.create_order(cast.contact_a, campaign, cast.a, "原料车需经图们入境", "h5")
    order = services.transition(
        cast.yanji, order, "dispatch", order.version, unit=unit, now=MONDAY_9AM
    )
    return services.transition(officer, order, "sign", order.version, now=MONDAY_9AM)


def assist(user, order, unit, task="协调图们口岸放行"):
    return services.transition(
        user, order, "add_assist", order.version, unit=unit, task=task, now=MONDAY_9AM
    )


def test_the_lead_cannot_resolve_while_a_sub_task_is_open(cast, transport, signed, helpers):
    unit, officer = transport
    (commerce, commerce_officer), (tumen_unit, tumen_officer) = helpers
    order = assist(officer, signed, commerce, "协调原料供应商")
    order = assist(cast.yanji, order, tumen_unit)  # the command centre may add one too
    first, second = Assist.objects.filter(order=order)
    assert (first.unit, first.task, first.is_open) == (commerce, "协调原料供应商", True)
    # 48 hours = two working days: Wednesday 18:00, before the order's Thursday deadline
    assert first.deadline == timezone.make_aware(datetime.datetime(2026, 12, 9, 18))
    assert Notification.objects.filter(user=tumen_officer, title__contains="请您协办").exists()
    with pytest.raises(ValidationError) as err:
        services.transition(officer, order, "resolve", order.version)
    assert "延吉市商务局" in err.value.messages[0] and "图们市交通运输局" in err.value.messages[0]
    order = services.transition(
        commerce_officer, order, "reply_assist", order.version, comment="供应商已恢复发货"
    )
    with pytest.raises(ValidationError):
        services.transition(officer, order, "resolve", order.version)
    order = services.transition(
        tumen_officer, order, "reply_assist", order.version, comment="口岸已放行"
    )
    assert [a.reply for a in Assist.objects.filter(order=order)] == [
        "供应商已恢复发货",
        "口岸已放行",
    ]
    assert Notification.objects.filter(user=officer, title__contains="协办答复").count() == 2
    order = services.transition(officer, order, "resolve", order.version)
    assert order.state == "resolved"


def test_co_handling_rules(cast, transport, signed, helpers):
    unit, officer = transport
    (commerce, commerce_officer), _ = helpers
    with pytest.raises(ValidationError) as err:
        assist(officer, signed, unit)  # the lead is no assistant
    assert "unit" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        assist(officer, signed, commerce, task=" ")
    assert "task" in err.value.message_dict
    order = assist(officer, signed, commerce)
    with pytest.raises(ValidationError):  # one open sub-task per unit
        assist(officer, order, commerce)
    with pytest.raises(ValidationError) as err:
        services.transition(commerce_officer, order, "reply_assist", order.version)
    assert "comment" in err.value.message_dict
    # a unit without a sub-task may not reply; the assisting unit may do nothing else
    with pytest.raises(PermissionError):
        services.transition(cast.department, order, "reply_assist", order.version, comment="x")
    assert services.allowed_actions(commerce_officer, order) == ["reply_assist"]
    order = services.transition(
        commerce_officer, order, "reply_assist", order.version, comment="已协调"
    )
    with pytest.raises(PermissionError):  # replied: nothing open any more
        services.transition(commerce_officer, order, "reply_assist", order.version, comment="y")


def test_an_assisting_unit_sees_only_its_sub_task_and_its_order(
    api, cast, campaign, transport, signed, helpers, login
):
    unit, officer = transport
    (commerce, commerce_officer), (tumen_unit, tumen_officer) = helpers
    other = services.create_order(cast.contact_a, campaign, cast.a, "另一个问题", "h5")
    order = assist(officer, signed, commerce, "协调原料供应商")
    order = assist(officer, order, tumen_unit, "协调图们口岸放行")
    # before any sub-task, 图们 saw nothing of 延吉; now it sees this order and only it
    page = login(tumen_officer).get(f"/workorders/{order.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "协调图们口岸放行" in html and "协调原料供应商" not in html
    assert login(tumen_officer).get(f"/workorders/{other.pk}/").status_code == 404
    assert login(tumen_officer).get(f"/enterprises/{cast.a.pk}/").status_code == 404
    assert api(tumen_officer)("get", f"/workorders/{order.pk}").status_code == 200
    assert api(tumen_officer)("get", f"/workorders/{other.pk}").status_code == 404
    assert [o["id"] for o in api(tumen_officer)("get", "/workorders").json()["items"]] == [order.pk]
    # the lead and the command centre see every sub-task
    for user in (officer, cast.yanji):
        html = login(user).get(f"/workorders/{order.pk}/").content.decode()
        assert "协调图们口岸放行" in html and "协调原料供应商" in html
    # the enterprise sees none
    html = login(cast.contact_a).get(f"/workorders/{order.pk}/").content.decode()
    assert "协调图们口岸放行" not in html
    # the outside command centre of 图们 still sees nothing
    assert login(cast.tumen).get(f"/workorders/{order.pk}/").status_code == 404


def test_the_api_adds_and_replies(api, cast, transport, signed, helpers):
    unit, officer = transport
    (commerce, commerce_officer), _ = helpers
    url = f"/workorders/{signed.pk}"
    r = api(officer)(
        "post",
        f"{url}/add_assist",
        {"version": signed.version, "unit": commerce.code, "task": "协调供应商"},
    )
    assert r.status_code == 200
    version = r.json()["version"]
    r = api(officer)("post", f"{url}/resolve", {"version": version})
    assert r.status_code == 422
    r = api(commerce_officer)("post", f"{url}/reply_assist", {"version": version, "comment": "好"})
    assert r.status_code == 200
