"""Proxy purchasing (点单+代购): a closed-loop enterprise orders, the township assigns a buyer,
who accepts, buys (cost) and hands over without contact; the enterprise receives and settles.
Only closed-loop enterprises order; bad input is refused and writes nothing; the open orders
by township; scope (404 / empty) on the pages, API and export."""

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from fugong.approvals.models import Application
from fugong.core.models import Notification, Role
from fugong.dashboard import providers
from fugong.registry import closed_loop as loop_status
from fugong.supplies import services
from fugong.supplies.models import SupplyOrder

from .factories import UserFactory

TODAY = timezone.localdate()
ITEMS = [
    {"name": "大米", "quantity": "50", "unit": "公斤"},
    {"name": "食用油", "quantity": "10", "unit": "桶"},
]


@pytest.fixture
def closed_loop(cast, campaign):
    Application.objects.create(
        campaign=campaign,
        enterprise=cast.a,
        kind="closed_loop",
        state="approved",
        cleared_from=TODAY - datetime.timedelta(days=1),
    )
    cast.volunteer = UserFactory(username="zhiyuanzhe", role=Role.COMMISSIONER, name="志愿者小李")
    return cast


def order_data(hours=6, point="东门隔离栏外"):
    return {"deliver_by": timezone.now() + datetime.timedelta(hours=hours), "handover_point": point}


def form_post(hours=6):
    deliver_by = timezone.localtime() + datetime.timedelta(hours=hours)
    data = {
        "deliver_by": deliver_by.strftime("%Y-%m-%dT%H:%M"),
        "handover_point": "东门隔离栏外",
        "items-TOTAL_FORMS": "5",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
    }
    for i, item in enumerate(ITEMS):
        data.update({f"items-{i}-{k}": v for k, v in item.items()})
    return data


def test_it_buys_for_a_closed_loop_site_end_to_end(closed_loop, login):
    cast = closed_loop
    phone = login(cast.contact_a)
    answer = phone.post("/supplies/new/", form_post())
    order = SupplyOrder.objects.get()
    assert answer.status_code == 302 and order.state == "submitted" and order.items.count() == 2
    assert Notification.objects.filter(user=cast.township, kind="supplies").exists()

    township = login(cast.township)
    assert "大米" in township.get("/supplies/").content.decode()
    page = township.get(f"/supplies/{order.pk}/").content.decode()
    assert "志愿者小李" in page  # offered as a buyer
    township.post(
        f"/supplies/{order.pk}/assign/", {"version": order.version, "buyer": cast.volunteer.pk}
    )
    order.refresh_from_db()
    assert (order.state, order.buyer) == ("assigned", cast.volunteer)

    buyer = login(cast.volunteer)
    assert buyer.get(f"/supplies/{order.pk}/").status_code == 200  # seen as its buyer
    for action, data in [
        ("accept", {}),
        ("buy", {"cost": "486.50"}),
        ("hand_over", {"handover_note": "已放置于东门隔离栏外，已电话告知"}),
    ]:
        order.refresh_from_db()
        buyer.post(f"/supplies/{order.pk}/{action}/", {"version": order.version, **data})
    order.refresh_from_db()
    assert (order.state, str(order.cost)) == ("handed_over", "486.50")
    assert order.handed_over_at is not None

    phone = login(cast.contact_a)  # one test client: signed in as the enterprise again
    for action in ("receive", "settle"):
        order.refresh_from_db()
        phone.post(f"/supplies/{order.pk}/{action}/", {"version": order.version})
    order.refresh_from_db()
    assert (order.state, str(order.paid)) == ("settled", "486.50")
    assert Notification.objects.filter(user=cast.volunteer, title__contains="已结算").exists()
    steps = phone.get(f"/supplies/{order.pk}/").content.decode()
    assert "登记无接触交接" in steps and "结算 486.50 元" in steps


def test_it_takes_orders_only_from_closed_loop_sites(closed_loop):
    with pytest.raises(ValidationError, match="闭环生产"):
        services.place_order(closed_loop.contact_b, closed_loop.b, order_data(), ITEMS)
    loop_status.connect(None)
    try:
        with pytest.raises(ValidationError, match="未接入"):
            services.place_order(closed_loop.contact_a, closed_loop.a, order_data(), ITEMS)
    finally:
        providers.connect()
    assert not SupplyOrder.objects.exists()


@pytest.mark.parametrize(
    "data, items, field",
    [
        ({"hours": -1}, ITEMS, "deliver_by"),
        ({"hours": 24 * 20}, ITEMS, "deliver_by"),
        ({"point": " "}, ITEMS, "handover_point"),
        ({}, [{"name": "", "quantity": ""}], "items"),
        ({}, [{"name": "大米", "quantity": "-3"}], "items"),
        ({}, [{"name": "", "quantity": "3"}], "items"),
        ({}, [{"name": "大米", "quantity": "NaN"}], "items"),
    ],
)
def test_it_refuses_bad_orders_and_writes_nothing(closed_loop, data, items, field):
    with pytest.raises(ValidationError) as caught:
        services.place_order(closed_loop.contact_a, closed_loop.a, order_data(**data), items)
    assert field in caught.value.message_dict
    assert not SupplyOrder.objects.exists()


def test_it_refuses_steps_out_of_turn_and_bad_costs(closed_loop):
    cast = closed_loop
    order = services.place_order(cast.contact_a, cast.a, order_data(), ITEMS)
    with pytest.raises(PermissionError):
        services.act(cast.volunteer, order, "accept", order.version, {})  # not assigned yet
    with pytest.raises(PermissionError):
        services.act(cast.contact_a, order, "assign", order.version, {"buyer": cast.volunteer.pk})
    with pytest.raises(ValidationError):
        services.act(cast.township, order, "assign", order.version, {"buyer": cast.contact_b.pk})
    order = services.act(
        cast.township, order, "assign", order.version, {"buyer": cast.volunteer.pk}
    )
    order = services.act(cast.volunteer, order, "accept", order.version, {})
    for cost in ("", "-1", "abc", "1e99"):
        with pytest.raises(ValidationError):
            services.act(cast.volunteer, order, "buy", order.version, {"cost": cost})
    with pytest.raises(PermissionError):
        services.act(cast.commissioner, order, "buy", order.version, {"cost": "10"})
    order.refresh_from_db()
    assert order.state == "accepted" and order.cost is None


def test_it_keeps_orders_to_the_scope(closed_loop, login, api):
    cast = closed_loop
    order = services.place_order(cast.contact_a, cast.a, order_data(), ITEMS)
    for outsider in (cast.contact_b, cast.tumen, cast.commissioner, cast.volunteer):
        client = login(outsider)
        assert client.get(f"/supplies/{order.pk}/").status_code == 404
        assert "大米" not in client.get("/supplies/").content.decode()
        assert api(outsider)("get", f"/supplies/orders/{order.pk}").status_code == 404
    rows = load_workbook(BytesIO(login(cast.tumen).get("/supplies/?format=xlsx").content)).active
    assert rows.max_row == 1
    assert services.open_by_township(cast.tumen) == []
    assert login(cast.yanji).get(f"/supplies/{order.pk}/").status_code == 200


def test_it_counts_open_orders_by_township(closed_loop, login, api):
    cast = closed_loop
    first = services.place_order(cast.contact_a, cast.a, order_data(), ITEMS)
    services.place_order(cast.contact_a, cast.a, order_data(hours=2), ITEMS)
    services.act(cast.township, first, "assign", first.version, {"buyer": cast.volunteer.pk})
    later = timezone.now() + datetime.timedelta(hours=4)
    [row] = services.open_by_township(cast.yanji, now=later)
    assert (row["township"], row["open"], row["unassigned"], row["overdue"]) == (
        "进学街道",
        2,
        1,
        1,
    )
    page = login(cast.yanji).get("/supplies/townships/").content.decode()
    assert "进学街道" in page and "未完成 2 单" in page
    listed = api(cast.contact_a)("get", "/supplies/orders?view=open").json()
    assert len(listed) == 2 and listed[0]["items"][0]["name"] == "大米"


def test_it_orders_by_api(closed_loop, api):
    call = api(closed_loop.contact_a)
    deliver_by = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    body = {"deliver_by": deliver_by, "handover_point": "北门", "items": ITEMS}
    created = call("post", "/supplies/orders", body)
    assert created.status_code == 201 and created.json()["state"] == "submitted"
    bad = call("post", "/supplies/orders", {**body, "items": []})
    assert bad.status_code == 422 or bad.status_code == 400
    assert SupplyOrder.objects.count() == 1


def test_a_step_with_a_stale_or_broken_form_says_why_and_changes_nothing(closed_loop, login):
    """core.views.run_action: the detail page's buttons, as financing, policies, approvals,
    passes, inspections and projects use them."""
    cast = closed_loop
    login(cast.contact_a).post("/supplies/new/", form_post())
    order = SupplyOrder.objects.get()
    township = login(cast.township)
    data = {"version": order.version + 1, "buyer": cast.volunteer.pk}
    r = township.post(f"/supplies/{order.pk}/assign/", data, follow=True)
    assert r.redirect_chain[-1][0] == f"/supplies/{order.pk}/"
    shown = [str(m) for m in r.context["messages"]]
    assert shown and "已处理" not in shown
    r = township.post(f"/supplies/{order.pk}/assign/", {"version": "x"}, follow=True)
    assert "请求数据格式不正确，请刷新后再试" in [str(m) for m in r.context["messages"]]
    order.refresh_from_db()
    assert order.state == "submitted" and order.buyer is None
    data["version"] = order.version
    r = township.post(f"/supplies/{order.pk}/assign/", data, follow=True)
    assert "已处理" in [str(m) for m in r.context["messages"]]
