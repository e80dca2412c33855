"""Applications and passes in Debian's chromium: an enterprise applies to resume on a phone,
the township and the county approve, the enterprise downloads its certificate; the enterprise
applies for a pass, the transport department issues it, and a phone opens its QR link and sees
"valid". Screenshots under artifacts/browser/."""

import datetime

import numpy
import pytest
from django.utils import timezone
from PIL import Image

from fugong.approvals.models import Application
from fugong.core.models import SEVEN_MUSTS, Campaign
from fugong.passes.models import Pass

from .conftest import ARTIFACTS, log_in, shot
from .pdfs import qr_texts, render

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def running(transactional_db, cast):
    return Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )


def as_user(page, base, username, viewport):
    page.set_viewport_size(viewport)
    page.context.clear_cookies()
    log_in(page, base, username)


def test_apply_review_approve_certificate(live_server, running, cast, page, settings):
    settings.SITE_URL = live_server.url
    base = live_server.url
    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/applications/new/resumption/")
    for item in SEVEN_MUSTS:
        page.check(f"input[name=done_{item['key']}][value=yes]")
    page.fill("#id_staff_expected", "120")
    page.fill("#id_planned_date", (timezone.localdate() + datetime.timedelta(days=1)).isoformat())
    page.set_input_files(
        "#id_files",
        files=[
            {"name": "防控方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
        ],
    )
    shot(page, "a1-apply-phone")
    page.click("#application-form button[type=submit]")
    page.wait_for_load_state()
    assert "申请已提交" in page.content()
    app = Application.objects.get()

    as_user(page, base, "jinxue", DESK)
    page.goto(f"{base}/applications/?view=todo")
    page.click(f"#applications a[href='/applications/{app.pk}/']")
    page.wait_for_load_state()
    shot(page, "a2-township-review")
    page.click("#app-actions button[value=approve]")
    page.wait_for_load_state()
    assert page.inner_text("#app-state") == "待复审"

    as_user(page, base, "yanji", DESK)
    page.goto(f"{base}/applications/{app.pk}/")
    page.click("#app-actions button[value=approve]")
    page.wait_for_load_state()
    assert page.inner_text("#app-state") == "已批准"
    shot(page, "a3-county-approved")

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/applications/{app.pk}/")
    with page.expect_download() as download:
        page.click("#certificate")
    data = open(download.value.path(), "rb").read()
    app.refresh_from_db()
    assert qr_texts(render(data, "browser-certificate")) == [
        f"{base}/verify/certificate/{app.code}/"
    ]
    page.goto(f"{base}/verify/certificate/{app.code}/")
    assert page.inner_text("#status") == "有效"
    shot(page, "a4-certificate-verified-phone")


def test_pass_issued_and_verified_on_a_phone(live_server, running, cast, transport, page, settings):
    base = live_server.url
    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/passes/new/")
    page.fill("#id_plate", "吉HD12345")
    page.select_option("#id_vehicle_type", "van")
    page.fill("#id_driver_name", "张小三")
    page.fill("#id_driver_phone", "13904331234")
    page.fill("#id_origin", "延吉市进学街道")
    page.fill("#id_destination", "长春市绿园区")
    page.select_option("#id_cargo", "products")
    today = timezone.localdate()
    page.fill("#id_valid_from", today.isoformat())
    page.fill("#id_valid_until", (today + datetime.timedelta(days=5)).isoformat())
    page.click("#pass-form button[type=submit]")
    page.wait_for_load_state()
    assert "通行证申请已提交" in page.content()
    shot(page, "p1-pass-applied-phone")
    p = Pass.objects.get()

    as_user(page, base, "jtj", DESK)
    page.goto(f"{base}/passes/?view=todo")
    page.click(f"#passes a[href='/passes/{p.pk}/']")
    page.wait_for_load_state()
    page.click("#pass-actions button[value=approve]")
    page.wait_for_load_state()
    assert page.inner_text("#pass-state") == "已签发"
    shot(page, "p2-pass-issued")

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/passes/{p.pk}/")
    page.set_content(f'<img src="{base}/passes/{p.pk}/pass.svg" id="image">')
    page.wait_for_function("document.getElementById('image').naturalWidth > 0")
    shot(page, "p3-pass-phone-image")
    p.refresh_from_db()
    screen = numpy.asarray(Image.open(ARTIFACTS / "p3-pass-phone-image.png").convert("L"))
    assert qr_texts(screen) == [f"{settings.SITE_URL}/v/{p.code}/"]
    page.context.clear_cookies()  # the checkpoint's phone: no account needed
    page.goto(f"{base}/v/{p.code}/")
    assert page.inner_text("#status") == "有效"
    assert "张*三" in page.content() and "张小三" not in page.content()
    shot(page, "p4-pass-verified-phone")
