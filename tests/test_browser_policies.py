"""A relief policy in Debian's chromium: the county drafts it with its rules and publishes it,
the enterprise finds it on its phone ("您可能符合 1 项政策"), applies, the county sees the
match with why, approves with an amount and records the payment, and the enterprise sees it
paid. Screenshots under artifacts/browser/."""

import pytest

from fugong.core.models import Notification
from fugong.policies.models import Policy, PolicyApplication

from .conftest import log_in, shot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def as_user(page, base, username, viewport):
    page.set_viewport_size(viewport)
    page.context.clear_cookies()
    log_in(page, base, username)


def test_policy_published_found_applied_approved_paid(live_server, transactional_db, cast, page):
    base = live_server.url
    as_user(page, base, "yanji", DESK)
    page.goto(f"{base}/policies/new/")
    page.fill("#id_title", "延吉市医药企业技改扩能补助")
    page.fill("#id_issuer", "延吉市工业和信息化局")
    page.select_option("#id_region", label=str(cast.regions.yanji))
    page.select_option("#id_support", "subsidy")
    page.fill("#id_text", "对医药制造企业技术改造扩能给予补助。")
    page.fill("#id_rule-industries", "C27")
    page.fill("#id_rule-staff_min", "20")
    shot(page, "p1-policy-form")
    page.click("#policy-form button[type=submit]")
    page.wait_for_load_state()
    policy = Policy.objects.get()
    assert "职工不少于 20 人" in page.inner_text("#policy-rules")
    page.click("#policy-actions button[value=publish]")
    page.wait_for_load_state()
    assert page.inner_text("#policy-state") == "已发布"
    assert Notification.objects.filter(user=cast.contact_a, kind="policy").exists()
    page.click("#match-link")
    page.wait_for_load_state()
    assert cast.a.name in page.inner_text("#matches")
    assert "C27" in page.inner_text("#matches")
    assert cast.a2.name in page.inner_text("#near-misses")  # a food maker: industry missing
    shot(page, "p2-matches-with-why")

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/policies/")
    assert "您可能符合 1 项政策" in page.inner_text("#fit-count")
    shot(page, "p3-enterprise-finds-policy-phone")
    page.click(f"#fits a[href='/policies/{policy.pk}/']")
    page.wait_for_load_state()
    page.click("#apply")
    page.wait_for_load_state()
    page.fill("#id_amount_requested", "150")
    page.fill("#id_note", "新增口服液生产线一条")
    page.set_input_files(
        "#id_files",
        files=[{"name": "项目申报书.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    shot(page, "p4-apply-phone")
    page.click("#policy-apply-form button[type=submit]")
    page.wait_for_load_state()
    app = PolicyApplication.objects.get()
    assert page.inner_text("#application-state") == "待审核"

    as_user(page, base, "yanji", DESK)
    page.goto(f"{base}/policy-applications/{app.pk}/")
    assert "C27" in page.inner_text("#check")
    page.fill("#application-actions form:has(button[value=approve]) input[name=amount]", "120")
    page.click("#application-actions button[value=approve]")
    page.wait_for_load_state()
    assert page.inner_text("#application-state") == "已批准"
    page.fill("#application-actions form:has(button[value=grant]) input[name=amount]", "120")
    page.click("#application-actions button[value=grant]")
    page.wait_for_load_state()
    assert page.inner_text("#application-state") == "已兑现"
    shot(page, "p5-approved-and-paid")

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/policy-applications/{app.pk}/")
    assert "120.00" in page.inner_text("#granted")
    shot(page, "p6-enterprise-sees-paid-phone")
