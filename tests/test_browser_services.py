"""The enterprise-facing service pages on a 360 px phone in Debian's chromium: financing
(state a need), consultation lines (tap to call), workers and commute (post a vacancy, the
lines serving it), proxy purchasing — none scrolls sideways. Screenshots under
artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from fugong.consultations.models import Line
from fugong.financing.models import FinancingNeed
from fugong.workforce.models import CommuterLine, Vacancy

from .conftest import log_in, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_service_pages_fit_an_enterprise_phone(live_server, transactional_db, cast, page):
    Line.objects.create(
        name="企业法律服务热线",
        topic="legal",
        phone="0433-2810001",
        hours="每日 8:00–20:00",
        region=cast.regions.yanbian,
    )
    line = CommuterLine.objects.create(
        region=cast.regions.yanji,
        name="延吉高新区定制公交1号线",
        stops=["延吉火车站", "延吉西市场", "进学街道", "高新区管委会"],
        departures=["07:00", "07:30", "17:30"],
        capacity=40,
    )
    line.enterprises.add(cast.a)
    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, "qiye_a")

    page.goto(f"{base}/financing/new/")
    page.fill("#id_amount", "500")
    page.fill("#id_purpose", "购买原材料")
    page.fill("#id_term_months", "12")
    page.fill("#id_collateral", "厂房抵押")
    page.click("#need-form button[type=submit]")
    page.wait_for_load_state()
    assert FinancingNeed.objects.get().amount == 500
    assert page.inner_text("#need-state") == "待对接" and fits(page)
    shot(page, "v1-financing-need-phone")

    page.goto(f"{base}/consultations/")
    assert page.locator("a[href='tel:0433-2810001']").count() == 1 and fits(page)
    shot(page, "v2-consultation-lines-phone")

    page.goto(f"{base}/workforce/vacancies/new/")
    page.fill("#id_post", "普工")
    page.fill("#id_number", "30")
    page.fill("#id_pay", "4500–6000 元/月")
    page.fill("#id_place", "延吉高新区")
    page.check("#id_lodging")
    page.click("#workforce-form button[type=submit]")
    page.wait_for_load_state()
    assert Vacancy.objects.get().lodging
    assert "普工 30 人" in page.inner_text("#vacancies") and fits(page)
    shot(page, "v3-workforce-phone")

    page.click(f"#lines a[href='/workforce/lines/{line.pk}/']")
    page.wait_for_load_state()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.fill("#id_day", tomorrow.isoformat())
    page.select_option("#id_departure", "07:30")
    page.fill("#id_seats", "12")
    page.click("#booking-form button[type=submit]")
    page.wait_for_load_state()
    assert "12 座" in page.inner_text("#bookings") and fits(page)
    shot(page, "v4-commuter-booking-phone")

    page.goto(f"{base}/supplies/")
    assert fits(page)
    shot(page, "v5-supplies-phone")
