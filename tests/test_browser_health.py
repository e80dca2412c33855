"""Staff health in Debian's chromium: the health officer prints an employee's personal slip,
the employee opens its link and declares with one POST on a 360×740 phone; the guard refuses a
feverish visitor; a colleague declares a fever and the health officer sees the alert.
Screenshots under artifacts/browser/."""

import datetime

import numpy
import pytest
from django.utils import timezone
from PIL import Image

from fugong.core.models import Campaign, Role
from fugong.health import services
from fugong.health.demo import id_card
from fugong.health.models import Declaration, Employee, GateCheck

from .conftest import ARTIFACTS, log_in, shot
from .factories import enterprise_user
from .pdfs import qr_texts, render

pytestmark = pytest.mark.browser


def test_declare_refuse_alert(live_server, transactional_db, cast, page, settings, client):
    settings.SITE_URL = live_server.url
    base = live_server.url
    Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    officer = enterprise_user("fangyi_a", cast.a, role=Role.HEALTH_OFFICER)
    for i, name in enumerate(("张小三", "李四")):
        services.save_employee(officer, cast.a, {"name": name, "id_number": id_card(271 + i)})

    staff = {e.name: e for e in Employee.objects.all()}
    log_in(page, base, "fangyi_a")
    poster = page.request.get(f"{base}/health/poster.pdf")
    [url] = qr_texts(render(poster.body(), "declaration-poster"))
    assert url.startswith(f"{base}/d/")
    links = {}
    for name in ("张小三", "李四"):
        page.goto(f"{base}/health/roster/{staff[name].pk}/")
        page.click("#declaration-link button[value=issue]")
        page.wait_for_load_state()
        assert page.inner_text("#slip-name") == name
        assert page.locator("#slip-qr svg").count() == 1
        links[name] = page.inner_text("#personal-url")
        if name == "张小三":
            shot(page, "h0-slip")
    assert links["张小三"].startswith(f"{base}/p/") and links["张小三"] != links["李四"]
    page.context.clear_cookies()  # the employee has no account

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)  # the poster only points to the personal link
    assert "个人申报链接" in page.inner_text("#declare-info")
    assert page.locator("#id_digits").count() == 0
    page.goto(links["张小三"])
    page.fill("#id_temperature", "36.5")
    shot(page, "h1-declare-phone")
    page.click("#declaration-form button[type=submit]")
    page.wait_for_load_state()
    assert "今日已申报，正常" in page.inner_text("#declared")
    assert page.locator("#gate-qr svg").count() == 1
    shot(page, "h2-declared-phone")
    # the guard's scanner reads the phone's screen: today's gate code, the same on a reload
    page.locator("#gate-qr").screenshot(path=str(ARTIFACTS / "h2-gate-qr.png"))
    [scanned] = qr_texts(numpy.asarray(Image.open(ARTIFACTS / "h2-gate-qr.png").convert("L")))
    declared = Declaration.objects.get(employee=staff["张小三"])
    assert scanned == f"{base}/health/gate/?code={services.gate_code(declared)}"
    page.reload()
    page.locator("#gate-qr").screenshot(path=str(ARTIFACTS / "h2-gate-qr-reload.png"))
    again = Image.open(ARTIFACTS / "h2-gate-qr-reload.png").convert("L")
    assert qr_texts(numpy.asarray(again)) == [scanned]

    page.context.clear_cookies()  # a colleague, on another phone
    page.goto(links["李四"])
    page.fill("#id_temperature", "38.1")
    page.check("input[name=symptoms][value=cough]")
    page.click("#declaration-form button[type=submit]")
    page.wait_for_load_state()
    assert "申报异常" in page.inner_text("#declared")

    page.set_viewport_size({"width": 800, "height": 1100})  # the guard's tablet
    log_in(page, base, "fangyi_a")
    page.goto(f"{base}/health/gate/")
    page.fill("#id_visitor_name", "访客甲")
    page.fill("#id_visitor_phone", "13800001111")
    page.fill("#id_came_from", "长春市")
    page.fill("#id_host", "张小三")
    page.fill("#id_reason", "送货")
    page.fill("#id_temperature", "38.2")
    page.click("#gate-form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#status") == "拒绝入内"
    assert "38.2" in page.inner_text("#refusal")
    shot(page, "h3-gate-refused")
    assert GateCheck.objects.get().admitted is False

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/health/declarations/?abnormal=1")
    assert "李四" in page.inner_text("#declarations") and "咳嗽" in page.inner_text("#declarations")
    assert page.inner_text("#inbox-link .badge") == "1"
    page.goto(f"{base}/inbox/")
    assert "健康异常：李*" in page.inner_text("#inbox")
    assert "李四" not in page.inner_text("#inbox")
    shot(page, "h4-officer-alert")
