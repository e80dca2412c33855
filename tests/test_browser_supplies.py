"""A closed-loop enterprise's proxy purchase (点单+代购) in Debian's chromium, on a phone
(390×844): the enterprise orders rice and oil, 进学街道 assigns a volunteer at its desk, the
volunteer accepts, buys, records the cost and the contactless hand-over on the phone, and the
enterprise confirms receipt and settles. No page scrolls sideways. Screenshots under
artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from fugong.approvals.models import Application
from fugong.core.models import Campaign, Role
from fugong.supplies.models import SupplyOrder

from .conftest import log_in, shot
from .factories import UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def as_user(page, base, username, viewport):
    page.set_viewport_size(viewport)
    page.context.clear_cookies()
    log_in(page, base, username)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def step(page, action, fill=None):
    form = f"#order-actions form.action-{action}"
    for selector, value in (fill or {}).items():
        page.fill(f"{form} {selector}", value)
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_proxy_purchase_for_a_closed_loop_site_on_a_phone(
    live_server, transactional_db, cast, page
):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="本轮应急", region=cast.regions.yanbian, starts_on=today - datetime.timedelta(days=5)
    )
    Application.objects.create(
        campaign=campaign,
        enterprise=cast.a,
        kind="closed_loop",
        state="approved",
        cleared_from=today - datetime.timedelta(days=1),
    )
    UserFactory(username="zhiyuanzhe", role=Role.COMMISSIONER, name="志愿者小李")
    base = live_server.url

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/supplies/")
    page.click("#new-order")
    page.wait_for_load_state()
    page.fill("#id_items-0-name", "大米")
    page.fill("#id_items-0-quantity", "50")
    page.fill("#id_items-0-unit", "公斤")
    page.fill("#id_items-1-name", "食用油")
    page.fill("#id_items-1-quantity", "10")
    page.fill("#id_items-1-unit", "桶")
    deliver_by = timezone.localtime() + datetime.timedelta(hours=6)
    page.fill("#id_deliver_by", deliver_by.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_handover_point", "东门隔离栏外")
    assert fits_the_phone(page)
    shot(page, "s1-order-form-phone")
    page.click("#order-form button[type=submit]")
    page.wait_for_load_state()
    order = SupplyOrder.objects.get()
    assert page.inner_text("#order-state") == "待分派"
    assert "大米" in page.inner_text("#items") and fits_the_phone(page)
    shot(page, "s2-order-placed-phone")

    as_user(page, base, "jinxue", DESK)
    page.goto(f"{base}/supplies/townships/")
    assert "进学街道" in page.inner_text("#townships")
    page.click("#townships a")
    page.wait_for_load_state()
    page.click(f"#orders a[href='/supplies/{order.pk}/']")
    page.wait_for_load_state()
    page.select_option("#buyer-select", label="志愿者小李（特派员/联络员）")
    shot(page, "s3-township-assigns-buyer")
    step(page, "assign")
    assert page.inner_text("#order-state") == "待接单"

    as_user(page, base, "zhiyuanzhe", PHONE)
    page.goto(f"{base}/supplies/{order.pk}/")
    step(page, "accept")
    assert page.inner_text("#order-state") == "采购中"
    step(page, "buy", {"input[name=cost]": "486.50"})
    assert "486.50" in page.inner_text("#cost")
    shot(page, "s4-buyer-records-cost-phone")
    step(page, "hand_over")
    assert page.inner_text("#order-state") == "已交接"
    assert "东门隔离栏外" in page.inner_text("#handover") and fits_the_phone(page)
    shot(page, "s5-contactless-handover-phone")

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/supplies/{order.pk}/")
    step(page, "receive")
    assert page.inner_text("#order-state") == "已签收"
    step(page, "settle")
    assert page.inner_text("#order-state") == "已结算"
    assert "486.50" in page.inner_text("#paid") and fits_the_phone(page)
    shot(page, "s6-received-and-settled-phone")
    order.refresh_from_db()
    assert order.state == "settled" and order.buyer.username == "zhiyuanzhe"
