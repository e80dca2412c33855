"""The pages' own content in Debian's chromium: the 15 main pages of the command centre (desk,
1440×900 and 390×844) and the enterprise contact (phone) pass axe-core with no violations and
do not scroll sideways at 390 px; sortable tables sort; the queue's filter swaps the list in
place with htmx. Findings: artifacts/browser/pages-axe.json; screenshots: pages-*.png."""

import datetime
import json

import pytest
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.workorders import services

from .conftest import ARTIFACTS, log_in, shot
from .test_browser_ui import _axe

pytestmark = pytest.mark.browser
DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def running(cast):
    return Campaign.objects.create(
        name="本轮疫情复工复产",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
    )


def _pages(cast, order):
    return {
        "yanji": [
            "/enterprises/",
            f"/enterprises/{cast.a.pk}/",
            "/workorders/",
            f"/workorders/{order.pk}/",
            "/workorders/board/",
            "/stats/",
            "/completeness/",
            "/passes/",
            "/health/",
            "/lists/",
            "/assignments/",
            "/inbox/",
        ],
        "qiye_a": ["/report/", "/problems/", "/passes/new/"],
    }


def test_it_passes_axe_on_the_main_pages(live_server, transactional_db, cast, running, page):
    base = live_server.url
    order = services.create_order(
        cast.contact_a,
        running,
        cast.a,
        "口罩不够用",
        "h5",
        needs=[{"kind": "masks", "requested": 2000}],
    )
    report, wide = {}, {}
    for username, hrefs in _pages(cast, order).items():
        log_in(page, base, username)
        for size, label in ((DESK, "desk"), (PHONE, "phone")):
            if username == "qiye_a" and size is DESK:
                continue
            page.set_viewport_size(size)
            for href in hrefs:
                assert page.goto(f"{base}{href}").status == 200, href
                page.wait_for_load_state()
                name = f"pages-{username}-{label}-{href.strip('/').replace('/', '-') or 'home'}"
                shot(page, name)
                found = _axe(page, base, layout_only=False)
                if found:
                    report[f"{username} {label} {href}"] = found
                width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if size is PHONE and width[0] > width[1]:
                    wide[href] = width
        page.context.clear_cookies()
    (ARTIFACTS / "pages-axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert wide == {}, wide
    assert report == {}, json.dumps(report, ensure_ascii=False, indent=1)[:4000]


def test_it_sorts_tables_and_filters_the_queue_in_place(
    live_server, transactional_db, cast, running, page
):
    base = live_server.url
    for text in ("货车进不了城", "缺少口罩", "用工缺口大"):
        services.create_order(cast.contact_a, running, cast.a, text, "h5")
    log_in(page, base, "yanji")
    page.set_viewport_size(DESK)
    page.goto(f"{base}/workorders/")
    first = page.locator("#orders tbody tr td:first-child")
    numbers = [int(t) for t in first.all_inner_texts()]
    page.click("#orders thead th:first-child button.fg-sort")
    assert [int(t) for t in first.all_inner_texts()] == sorted(numbers)
    assert page.get_attribute("#orders thead th:first-child", "aria-sort") == "ascending"
    page.click("#orders thead th:first-child button.fg-sort")
    assert [int(t) for t in first.all_inner_texts()] == sorted(numbers, reverse=True)
    # the view tabs swap the list without reloading the page (htmx), and the URL follows
    page.evaluate("window.__kept = 1")
    page.click("#queue a[href='?view=overdue']")
    page.wait_for_url("**/workorders/?view=overdue")
    page.wait_for_selector("#orders tbody tr td.text-secondary")
    assert page.evaluate("window.__kept") == 1
    shot(page, "pages-queue-overdue-htmx")
