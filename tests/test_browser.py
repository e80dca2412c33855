"""The officer's journey in a real browser: Debian's chromium driven by Playwright. Screenshots of
every step are saved under artifacts/browser/."""

import io

import pytest
from openpyxl import load_workbook

from .conftest import shot
from .factories import uscc
from .xlsx import ENTERPRISE_HEADERS, enterprise_row, xlsx

pytestmark = pytest.mark.browser


def test_officer_journey(live_server, transactional_db, cast, page, tmp_path):
    base = live_server.url
    page.goto(f"{base}/enterprises/")
    page.fill("#id_username", "yanji")
    page.fill("#id_password", "Fugong@2026")
    shot(page, "01-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/enterprises/")
    rows = page.locator("#enterprises tbody tr")
    assert rows.count() == 2  # 延吉's two enterprises, not 图们's
    assert cast.b.name not in page.content()
    shot(page, "02-enterprise-list")

    page.select_option("#id_scale", "below")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**scale=below**")  # htmx swaps the list in place and pushes the URL
    page.wait_for_function("document.querySelectorAll('#enterprises tbody tr').length !== 2")
    assert rows.count() == 1 and cast.a2.name in rows.first.inner_text()
    shot(page, "03-filtered")

    page.click(f"text={cast.a2.name}")
    page.wait_for_url(f"{base}/enterprises/{cast.a2.pk}/")
    assert cast.a2.uscc in page.content() and "包保责任" in page.content()
    shot(page, "04-enterprise-page")

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        xlsx(
            ENTERPRISE_HEADERS,
            [
                enterprise_row(uscc(), "浏览器测试甲公司"),
                enterprise_row("91222401MA0Y3K7X10", "校验位错误公司"),
                enterprise_row(uscc(), "电话错误公司", phone="12345"),
            ],
        )
    )
    page.goto(f"{base}/imports/enterprises/")
    page.set_input_files("#id_file", str(bad))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-errors")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 2
    assert "3" in errors.nth(0).inner_text() and "校验位" in errors.nth(0).inner_text()
    assert "4" in errors.nth(1).inner_text() and "联系电话" in errors.nth(1).inner_text()
    assert "未导入任何数据" in page.content()
    shot(page, "05-import-errors")

    good = tmp_path / "good.xlsx"
    good.write_bytes(
        xlsx(
            ENTERPRISE_HEADERS,
            [
                enterprise_row(uscc(), "浏览器测试乙公司", lists="重点企业"),
                enterprise_row(uscc(), "浏览器测试丙公司", region="222401002"),
            ],
        )
    )
    page.set_input_files("#id_file", str(good))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-report")
    assert "新增 2 条" in page.content()
    shot(page, "06-import-done")

    page.goto(f"{base}/enterprises/?q=浏览器测试")
    assert page.locator("#enterprises tbody tr").count() == 2
    with page.expect_download() as info:
        page.click("#export")
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    ws = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).worksheets[0]
    names = sorted(r[1] for r in list(ws.iter_rows(values_only=True))[1:])
    assert names == ["浏览器测试丙公司", "浏览器测试乙公司"]
    shot(page, "07-export")


def test_phone_width_enterprise_page(live_server, transactional_db, cast, page):
    """The enterprise contact's view on a 360 px wide phone."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "qiye_a")
    page.fill("#id_password", "Fugong@2026")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/enterprises/{cast.a.pk}/")
    assert cast.a.name in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    shot(page, "08-enterprise-phone")
    page.goto(f"{live_server.url}/enterprises/{cast.b.pk}/")
    assert "Not Found" in page.content() or "404" in page.title() + page.content()
