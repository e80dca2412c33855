"""The work-order loop in Debian's chromium: an enterprise reports a problem on a phone, the
command centre sees it triaged and grouped with a similar one and dispatches it, the
department resolves it, the enterprise confirms and rates. Screenshots under
artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.core.uploads import attachments_of
from fugong.workorders.models import WorkOrder
from fugong.workorders.services import create_order

from .conftest import log_in, shot
from .test_workorders_loop import png_bytes

pytestmark = pytest.mark.browser


def test_problem_to_rating(live_server, transactional_db, cast, transport, page):
    Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    campaign = Campaign.objects.get()
    earlier = create_order(cast.yanji, campaign, cast.a2, "货车进不了城，原料也运不进来", "hotline")
    base = live_server.url

    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, base, "qiye_a")
    page.goto(f"{base}/problems/")
    page.fill("#id_text", "我们的货车进不了城，原料运不进来，快停产了")
    page.set_input_files(
        "#id_files",
        files=[{"name": "卡口.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    page.click("#problem-form button[type=submit]")
    page.wait_for_load_state()
    assert "问题已提交" in page.content()
    shot(page, "w1-problem-phone")
    order = WorkOrder.objects.exclude(pk=earlier.pk).get()
    assert order.proposed_label == "logistics"
    assert [a.name for a in attachments_of(order)] == ["卡口.png"]

    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    log_in(page, base, "yanji")
    page.goto(f"{base}/workorders/{order.pk}/")
    assert "自动分类建议：物流运输" in page.content()
    assert page.locator("#similar input[type=checkbox]").count() == 1
    shot(page, "w2-order-similar")
    page.click("#similar button[type=submit]")
    page.wait_for_load_state()
    assert "已并入共性问题" in page.content()
    page.goto(f"{base}/workorders/groups/")
    page.click("#groups a")
    page.wait_for_load_state()
    page.select_option("#group-actions select[name=unit]", label="延吉市交通运输局")
    page.click("#group-actions button[value=dispatch]")
    page.wait_for_load_state()
    assert "已对 2 张工单派发" in page.content()
    shot(page, "w3-group-dispatched")

    page.context.clear_cookies()
    log_in(page, base, "jtj")
    page.goto(f"{base}/workorders/?view=mine")
    assert page.locator("#orders tbody tr").count() == 2
    page.goto(f"{base}/workorders/{order.pk}/")
    page.click("#order-actions button[value=sign]")
    page.wait_for_load_state()
    page.locator("#order-actions form", has=page.locator("button[value=resolve]")).locator(
        "textarea"
    ).fill("已协调开通绿色通道")
    page.click("#order-actions button[value=resolve]")
    page.wait_for_load_state()
    assert WorkOrder.objects.get(pk=order.pk).state == "resolved"
    assert WorkOrder.objects.get(pk=order.pk).category.name == "物流运输"
    shot(page, "w4-resolved")

    page.set_viewport_size({"width": 360, "height": 740})
    page.context.clear_cookies()
    log_in(page, base, "qiye_a")
    page.goto(f"{base}/workorders/{order.pk}/")
    form = page.locator("#order-actions form", has=page.locator("button[value=close]"))
    form.locator("label[for=id_close_rating_4]").click()  # the fifth star
    form.locator("textarea").fill("解决得很及时")
    page.click("#order-actions button[value=close]")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert (order.state, order.rating) == ("closed", 5)
    assert "办理过程" in page.content()
    shot(page, "w5-rated-phone")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    log_in(page, base, "yanji")
    page.goto(f"{base}/workorders/board/")
    closed = page.locator("#board section", has=page.locator("h2", has_text="已关闭"))
    assert closed.locator(f"text=#{order.pk}").count() == 1
    shot(page, "w6-kanban")
    page.goto(f"{base}/")
    page.wait_for_selector("#chart-orders svg")
    assert page.locator("#order-units tbody tr").count() == 1
    assert "延吉市交通运输局" in page.locator("#order-units").inner_text()
    page.locator("#order-figures").scroll_into_view_if_needed()
    shot(page, "w7-dashboard-orders")
