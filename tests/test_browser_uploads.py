"""The attacker's upload in Debian's chromium: an enterprise contact uploads a GIF polyglot
named page.html whose script reads /api/v1/me; the officer opens the work order and the
attachment itself, and no script runs. Screenshot under artifacts/browser/."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Attachment, Campaign

from .conftest import log_in, shot
from .test_uploads_security import polyglot_gif

pytestmark = pytest.mark.browser


def test_it_runs_no_script_from_a_polyglot_the_officer_opens(
    live_server, transactional_db, cast, page
):
    Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    base = live_server.url
    log_in(page, base, "qiye_a")
    page.goto(f"{base}/problems/")
    page.fill("#id_text", "仓库门口积水，货进不来，请看照片")
    page.set_input_files(
        "#id_files",
        files=[{"name": "page.html", "mimeType": "text/html", "buffer": polyglot_gif()}],
    )
    page.click("#problem-form button[type=submit]")
    page.wait_for_load_state()
    att = Attachment.objects.get()

    page.context.clear_cookies()
    log_in(page, base, "yanji")
    ran, dialogs = [], []
    page.on("request", lambda r: ran.append(r.url) if "/api/v1/me" in r.url else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/workorders/{att.owner_id}/")
    assert page.locator("#attachments img").count() == 1  # shown: an image by its content
    response = page.goto(f"{base}/attachments/{att.pk}/")
    assert response.headers["content-type"] == "image/png"
    page.wait_for_timeout(500)
    shot(page, "security-polyglot-opened")
    assert ran == [] and dialogs == []
