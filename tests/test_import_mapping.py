"""The import page's mapping step: columns beside their fields (changeable), a preview of the
rows as they will be stored, the bad rows; a saved mapping applies to files of the same shape."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fugong.core.models import ImportMapping
from fugong.registry.models import Enterprise

from .conftest import shot
from .factories import uscc
from .xlsx import xlsx

HEADERS = ["信用代码", "单位名称", "所在地", "行业", "规模", "负责人", "内部编号"]


def sheet(rows):
    return SimpleUploadedFile("企业.xlsx", xlsx(HEADERS, rows))


def fields(html):
    return dict(re.findall(r'name="(token|head\d+)" value="([^"]*)"', html))


def mapping_post(html, changes=None, **extra):
    data = fields(html)
    for name in list(data):
        if name.startswith("head"):
            i = name[4:]
            selected = re.search(
                rf'name="col{i}">.*?(?:<option value="([^"]*)" selected>|</select>)', html, re.S
            )
            data[f"col{i}"] = (selected.group(1) or "") if selected else ""
            if changes and data[name] in changes:
                data[f"col{i}"] = changes[data[name]]
    return {**data, **extra}


def test_it_previews_columns_and_rows_without_writing_then_imports_the_chosen_mapping(cast, login):
    c = login(cast.yanji)
    codes = [uscc(), uscc()]
    rows = [
        [codes[0], "甲厂", "进学", "医药制造业", "规上", "王明秀", "A-1"],
        [codes[1], "乙厂", "火星", "C", "规下", "李华", "A-2"],
    ]
    html = c.post(
        "/imports/enterprises/", {"file": sheet(rows), "step": "preview"}
    ).content.decode()
    assert Enterprise.objects.filter(uscc__in=codes).count() == 0
    assert 'id="import-columns"' in html and 'id="import-preview"' in html
    assert re.search(r'name="col0">.*?<option value="uscc" selected>', html, re.S)
    assert "222401001" in html or "进学街道" in html  # the region as it will be stored
    assert "火星" in html and "行政区划" in html  # the bad row is listed
    # 负责人 is not a known header: map it to 联系人, skip the bad row, save for the unit
    post = mapping_post(
        html, {"负责人": "contact_name"}, step="commit", skip_bad="on", save_mapping="unit"
    )
    html = c.post("/imports/enterprises/", post).content.decode()
    assert "导入完成" in html
    assert Enterprise.objects.get(uscc=codes[0]).contact_name == "王明秀"
    saved = ImportMapping.objects.get(kind="enterprises")
    assert saved.unit == cast.yanji.unit and saved.mapping["负责人"] == "contact_name"


def test_a_saved_mapping_applies_to_the_next_file_of_the_same_shape(cast, login):
    c = login(cast.yanji)
    first = [[uscc(), "甲厂", "进学", "C27", "规上", "王明秀", "A-1"]]
    html = c.post(
        "/imports/enterprises/", {"file": sheet(first), "step": "preview"}
    ).content.decode()
    post = mapping_post(html, {"负责人": "contact_name"}, step="commit", save_mapping="user")
    assert "导入完成" in c.post("/imports/enterprises/", post).content.decode()
    code = uscc()
    html = c.post(
        "/imports/enterprises/", {"file": sheet([[code, "丙厂", "北山", "C", "规上", "赵强", "B"]])}
    )
    assert Enterprise.objects.get(uscc=code).contact_name == "赵强"  # applied without asking
    html = c.post(
        "/imports/enterprises/", {"file": sheet(first), "step": "preview"}
    ).content.decode()
    assert 'id="import-saved-mapping"' in html
    # the command line and other users are not affected
    other = login(cast.zhuanban)
    code2 = uscc()
    other.post(
        "/imports/enterprises/", {"file": sheet([[code2, "丁厂", "北山", "C", "规上", "钱", "C"]])}
    )
    assert Enterprise.objects.get(uscc=code2).contact_name == ""


def test_a_staged_file_is_only_its_uploaders(cast, login):
    rows = [[uscc(), "甲厂", "进学", "C27", "规上", "王明秀", "A-1"]]
    html = (
        login(cast.yanji)
        .post("/imports/enterprises/", {"file": sheet(rows), "step": "preview"})
        .content.decode()
    )
    post = mapping_post(html, step="commit")
    assert login(cast.zhuanban).post("/imports/enterprises/", post).status_code == 404
    assert Enterprise.objects.filter(name="甲厂").count() == 0


@pytest.mark.browser
def test_it_walks_the_mapping_step_in_a_browser(
    live_server, transactional_db, cast, page, tmp_path
):
    base = live_server.url
    page.goto(f"{base}/imports/enterprises/")
    page.fill("#id_username", "yanji")
    page.fill("#id_password", "Fugong@2026")
    page.click("button[type=submit]")
    page.goto(f"{base}/imports/enterprises/")
    code = uscc()
    path = tmp_path / "企业.xlsx"
    path.write_bytes(
        xlsx(
            HEADERS,
            [
                [code, "浏览器映射甲厂", "进学", "医药制造业", "规上", "王明秀", "A-1"],
                [uscc(), "浏览器映射乙厂", "火星", "C", "规下", "李华", "A-2"],
            ],
        )
    )
    page.set_input_files("#id_file", str(path))
    page.click("#import-preview-button")
    page.wait_for_selector("#import-columns")
    assert page.locator("#import-preview tbody tr").count() == 1  # the good row; the bad one listed
    assert page.locator("#import-errors tbody tr").count() == 1
    shot(page, "mapping-01-preview")
    page.select_option("#import-columns tr:has-text('负责人') select", "contact_name")
    page.check("#import-mapping input[name=skip_bad]")
    page.check("input[name=save_mapping][value=user]")
    page.click("#import-commit")
    page.wait_for_selector("#import-report .alert-success")
    assert "导入完成" in page.content()
    shot(page, "mapping-02-imported")
    assert Enterprise.objects.get(uscc=code).contact_name == "王明秀"
