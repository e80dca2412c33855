"""The Tabler layout in Debian's chromium: a command-centre officer (the desk's side menu) and an
enterprise contact (the phone's bottom tabs) at 1440×900 and 390×844. Every navigation entry
opens (200) for that role, no page scrolls sideways at 390 px, the layout passes axe-core (the
pages' own content is reported to artifacts/browser/ui-axe.json for the per-page round), and
nothing breaks the CSP. Screenshots: artifacts/browser/ui-*.png."""

import datetime
import json

import pytest
from django.utils import timezone

from fugong.core.models import Campaign

from .conftest import ARTIFACTS, log_in, shot

pytestmark = pytest.mark.browser
DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
NAV_LINKS = {
    "yanji": ".fg-sidebar a.nav-link[href]",
    "qiye_a": ".fg-tabs a[href], .fg-phone-header .dropdown-menu a.dropdown-item[href]",
}
LAYOUT = "header, aside, nav, .page-header, .fg-tabs"


@pytest.fixture
def running(cast):
    return Campaign.objects.create(
        name="本轮疫情复工复产",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
    )


def _axe(page, base, layout_only):
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=f"{base}/static/vendor/axe-core/axe.min.js")
    context = "{exclude: [['#content']]}" if layout_only else "document"
    return page.evaluate(
        f"""async () => {{
        const r = await axe.run({context}, {{resultTypes: ['violations']}});
        return r.violations.map(v => ({{id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}}));
    }}"""
    )


def _journey(page, base, username, report):
    log_in(page, base, username)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for size, label in ((DESK, "desk"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.goto(f"{base}/")
        page.wait_for_load_state()
        shot(page, f"ui-{username}-{label}-home")
        hrefs = page.eval_on_selector_all(
            NAV_LINKS[username], "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs, f"{username} at {label}: no navigation"
        if username == "qiye_a":
            assert page.locator(".fg-tabs a").count() <= 5
        for href in dict.fromkeys(hrefs):
            response = page.goto(f"{base}{href}")
            assert response.status == 200, f"{username} {label} {href}: {response.status}"
            page.wait_for_load_state()
            wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if size is PHONE:
                assert wide[0] <= wide[1], f"{username} {href} scrolls sideways at 390 px: {wide}"
            if size is PHONE or href == hrefs[0]:
                layout = _axe(page, base, layout_only=True)
                assert layout == [], f"{username} {label} {href} layout: {layout}"
                report[f"{username} {label} {href}"] = _axe(page, base, layout_only=False)
        if username == "yanji" and size is PHONE:  # the side menu folds into a toggle
            page.goto(f"{base}/workorders/")
            assert not page.is_visible("#sidebar-menu .nav-link")
            page.click(".fg-sidebar .navbar-toggler")
            page.wait_for_selector("#sidebar-menu .nav-link", state="visible")
            shot(page, "ui-yanji-phone-menu")
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    assert errors == [], errors
    page.context.clear_cookies()


@pytest.mark.slow
def test_it_lays_out_the_desk_and_the_phone(live_server, transactional_db, cast, running, page):
    report = {}
    _journey(page, live_server.url, "yanji", report)
    _journey(page, live_server.url, "qiye_a", report)
    (ARTIFACTS / "ui-axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert len(report) >= 10


@pytest.mark.parametrize("username", ["tepaiyuan", "kakou"])
def test_it_gives_field_roles_the_phone(
    live_server, transactional_db, cast, running, page, username
):
    """Commissioners and checkpoint officers: the phone's tabs, each answering 200, none wider
    than the screen, and the brand leads to a page they may open (the checkpoint's is 核验)."""
    base = live_server.url
    page.set_viewport_size(PHONE)
    log_in(page, base, username)
    page.goto(f"{base}/")
    home = page.get_attribute(".fg-brand", "href")
    assert page.goto(f"{base}{home}").status == 200
    shot(page, f"ui-{username}-phone-home")
    hrefs = page.eval_on_selector_all(
        ".fg-tabs a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    assert 2 <= len(hrefs) <= 5
    for href in hrefs:
        assert page.goto(f"{base}{href}").status == 200, href
        wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{username} {href} scrolls sideways at 390 px: {wide}"
    if username == "kakou":
        assert home == "/passes/check/"
