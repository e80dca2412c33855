"""A financing match in Debian's chromium: the enterprise states a need on its phone, the
金融办 officer shares it with one bank at the desk, that bank offers and grants, the other
bank finds nothing, and the totals read "1 户企业贷款需求 …". Screenshots under
artifacts/browser/."""

import pytest

from fugong.core.models import Role
from fugong.financing.models import FinancingNeed

from .conftest import log_in, shot
from .factories import UnitFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def as_user(page, base, username, viewport):
    page.set_viewport_size(viewport)
    page.context.clear_cookies()
    log_in(page, base, username)


def test_a_need_shared_with_one_bank_offered_and_granted(live_server, transactional_db, cast, page):
    finance = UnitFactory(
        code="222400-jrb", name="延边州金融办", kind="department", sector="finance",
        region=cast.regions.yanbian, parent=cast.units.cc_yanbian,
    )  # fmt: skip
    boc = UnitFactory(
        code="bank-boc", name="中国银行延边分行", kind="bank", region=cast.regions.yanbian
    )
    jlb = UnitFactory(
        code="bank-jlb", name="吉林银行延边分行", kind="bank", region=cast.regions.yanbian
    )
    UserFactory(username="jinrong", role=Role.DEPARTMENT, unit=finance)
    UserFactory(username="zhonghang", role=Role.BANK, unit=boc)
    UserFactory(username="jihang", role=Role.BANK, unit=jlb)
    base = live_server.url

    as_user(page, base, "qiye_a", PHONE)
    page.goto(f"{base}/financing/")
    page.click("#new-need")
    page.wait_for_load_state()
    page.fill("#id_amount", "2300")
    page.fill("#id_purpose", "采购原材料，恢复满负荷生产")
    page.fill("#id_term_months", "12")
    page.click("#need-form button[type=submit]")
    page.wait_for_load_state()
    need = FinancingNeed.objects.get()

    as_user(page, base, "jinrong", DESK)
    page.goto(f"{base}/financing/{need.pk}/")
    page.check(f"#share-form input[value='{boc.pk}']")
    shot(page, "f1-officer-shares-with-a-bank")
    page.click("#share-form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#need-state") == "已推送银行"

    as_user(page, base, "jihang", DESK)
    page.goto(f"{base}/financing/")
    assert cast.a.name not in page.inner_text("#needs")
    assert page.goto(f"{base}/financing/{need.pk}/").status == 404

    as_user(page, base, "zhonghang", DESK)
    page.goto(f"{base}/financing/")
    page.click(f"#needs a[href='/financing/{need.pk}/']")
    page.wait_for_load_state()
    page.fill(".answer-offer input[name=product]", "抗疫贷")
    page.fill(".answer-offer input[name=rate]", "3.85")
    page.click(".answer-offer button[type=submit]")
    page.wait_for_load_state()
    assert "抗疫贷：授信 2,300 万元" in page.inner_text(f"#share-{boc.pk}")
    page.click(".answer-grant button[type=submit]")
    page.wait_for_load_state()
    assert "已放款 2,300 万元" in page.inner_text(f"#share-{boc.pk}")
    shot(page, "f2-bank-offered-and-granted")

    as_user(page, base, "zhuanban", DESK)
    page.goto(f"{base}/financing/totals/?by=bank")
    assert page.inner_text("#financing-headline").startswith("1 户企业贷款需求 2300 万元")
    assert "中国银行延边分行" in page.inner_text("#financing-totals")
    shot(page, "f3-financing-totals-by-bank")
