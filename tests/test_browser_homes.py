"""In Debian's chromium: every role logs in and lands on its home at 390×844 and 1440×900 with
no horizontal scroll, and opens its first task from there; the checkpoint scans a real pass's QR
code with Chromium's fake camera (a .y4m video made from the pass's QR) and sees the verdict; on
plain http that is not localhost the page keeps the typed form and says why. Screenshots under
artifacts/browser/."""

import datetime
import io

import pytest
import segno
from django.utils import timezone
from PIL import Image
from playwright.sync_api import sync_playwright

from fugong.core.models import Campaign, Role
from fugong.passes import services as passes

from .conftest import ARTIFACTS, CHROMIUM, FLAGS, PASSWORD, log_in, shot
from .factories import enterprise_user

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1440, "height": 900}}
HOMES = {  # username → (the home's path, an element of its first screen)
    "yanji": ("/", "#filters"),
    "jinxue": ("/", "#not-reported"),
    "gongxin": ("/workorders/", "main, #content"),
    "tepaiyuan": ("/workorders/assigned/", "main, #content"),
    "qiye_a": ("/", "#today-report"),
    "fangyi_a": ("/health/", "main, #content"),
    "kakou": ("/passes/check/", "#check-form"),
}
FIRST_TASKS = {  # username → (what the first screen offers first, the page it opens)
    "yanji": ("#key-figures a.fg-figure", "/stats/enterprises/"),
    "jinxue": ("#not-reported .card-actions a", "/completeness/"),
    "qiye_a": ("#today-report a.btn", "/report/"),
    "fangyi_a": ("a[href='/health/gate/']", "/health/gate/"),
}  # a department's and a commissioner's home is their queue; the checkpoint's scan is below


@pytest.fixture
def running(transactional_db, cast):
    return Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )


def test_it_lands_every_role_on_its_home_without_horizontal_scroll(
    live_server, running, cast, page
):
    enterprise_user("fangyi_a", cast.a, role=Role.HEALTH_OFFICER)
    base = live_server.url
    for username, (path, marker) in HOMES.items():
        for label, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.context.clear_cookies()
            log_in(page, base, username)
            assert page.url.split(base, 1)[1].split("?")[0] == path, (username, page.url)
            page.wait_for_selector(marker)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (username, label, width)
            shot(page, f"home-{username}-{label}")
            if username in FIRST_TASKS:
                link, opens = FIRST_TASKS[username]
                page.click(link)
                page.wait_for_load_state()
                assert page.url.split(base, 1)[1].startswith(opens), (username, page.url)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], (username, label, "task", width)
                shot(page, f"home-{username}-{label}-task")


def y4m_of(text, path, size=(640, 480), frames=15):
    """A YUV4MPEG2 (4:2:0) video of a QR code of `text`, centred on white."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    frame = Image.new("RGB", size, "white")
    qr.thumbnail((size[1] - 40, size[1] - 40))
    frame.paste(qr, ((size[0] - qr.width) // 2, (size[1] - qr.height) // 2))
    y, u, v = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + planes)


def test_it_scans_a_pass_with_the_camera(
    live_server, running, cast, transport, settings, tmp_path, monkeypatch
):
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _unit, officer = transport
    today = timezone.localdate()
    p = passes.apply(
        cast.contact_a,
        cast.a,
        {
            "plate": "吉H12345",
            "vehicle_type": "heavy_truck",
            "driver_name": "张小三",
            "driver_phone": "13904331234",
            "origin": "延吉市进学街道",
            "destination": "长春市绿园区",
            "via": "敦化",
            "cargo": "materials",
            "cargo_note": "医药中间体",
            "valid_from": today,
            "valid_until": today + datetime.timedelta(days=6),
        },
    )
    p = passes.decide(officer, p, "approve", p.version)
    video = tmp_path / "pass.y4m"
    y4m_of(f"{settings.SITE_URL}/v/{p.code}/", video)
    base = live_server.url
    port = base.rsplit(":", 1)[1]
    camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        "--host-resolver-rules=MAP checkpoint.example 127.0.0.1",
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS + camera, headless=True)
        context = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN")
        context.grant_permissions(["camera"], origin=base)
        phone = context.new_page()
        log_in(phone, base, "kakou")
        assert phone.url == f"{base}/passes/check/"
        phone.wait_for_selector("#status", timeout=20000)  # the scan submitted the code
        assert phone.inner_text("#status") == "有效"
        assert "吉H12345" in phone.inner_text("#pass-facts")
        assert phone.input_value("#code").endswith(f"/v/{p.code}/")
        shot(phone, "home-kakou-camera-verdict")

        # plain http on a host that is not localhost: no camera, the typed form, and why
        insecure = browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN").new_page()
        other = f"http://checkpoint.example:{port}"
        insecure.goto(f"{other}/accounts/login/")
        insecure.fill("#id_username", "kakou")
        insecure.fill("#id_password", PASSWORD)
        insecure.click("button[type=submit]")
        insecure.wait_for_load_state()
        insecure.wait_for_selector("#scanner:not([hidden])")
        assert "不是 HTTPS" in insecure.inner_text("#scan-status")
        assert insecure.is_hidden("#scan-start") and insecure.is_visible("#code")
        shot(insecure, "home-kakou-camera-insecure")
        browser.close()
