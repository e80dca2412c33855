import subprocess
import sys

import pytest
from django.core.management import call_command

from fugong.core.excel import IMPORTERS
from fugong.core.models import AuditLog
from fugong.registry.models import Enterprise, ListMembership

from .factories import uscc
from .xlsx import ENTERPRISE_HEADERS, enterprise_row, xlsx


def run(user, data, skip_bad=False):
    return IMPORTERS["enterprises"](user).run(data, skip_bad=skip_bad)


def test_it_imports_good_rows_and_joins_lists(cast):
    codes = [uscc(), uscc()]
    data = xlsx(
        ENTERPRISE_HEADERS,
        [
            enterprise_row(codes[0], "甲公司", lists="重点企业"),
            enterprise_row(codes[1], "乙公司", region="222401002", scale="规下", staff="7"),
        ],
    )
    report = run(cast.yanji, data)
    assert report.errors == [] and report.written
    assert (report.created, report.updated) == (2, 0)
    e = Enterprise.objects.get(uscc=codes[0])
    assert (e.name, e.industry, e.industry_section, e.scale) == ("甲公司", "27", "C", "above")
    assert ListMembership.objects.current().filter(enterprise=e, list=cast.key_list).exists()
    assert AuditLog.objects.filter(action="import", target_type="enterprises").count() == 1


def test_reimporting_the_same_file_updates_rather_than_duplicates(cast):
    code = uscc()
    run(cast.yanji, xlsx(ENTERPRISE_HEADERS, [enterprise_row(code, "旧名", lists="重点企业")]))
    report = run(
        cast.yanji, xlsx(ENTERPRISE_HEADERS, [enterprise_row(code, "新名", lists="重点企业")])
    )
    assert (report.created, report.updated) == (0, 1)
    assert Enterprise.objects.filter(uscc=code).count() == 1
    assert Enterprise.objects.get(uscc=code).name == "新名"
    assert ListMembership.objects.filter(enterprise__uscc=code).count() == 1


def test_english_headers_are_accepted(cast):
    headers = [
        "uscc",
        "name",
        "region",
        "industry",
        "scale",
        "staff",
        "contact",
        "phone",
        "address",
        "lists",
        "notes",
    ]
    report = run(cast.yanji, xlsx(headers, [enterprise_row(uscc())]))
    assert report.written and report.created == 1


BAD_CASES = [
    (
        "bad checksum",
        lambda c: enterprise_row(c[:-1] + ("0" if c[-1] != "0" else "1")),
        "统一社会信用代码",
        "校验位",
    ),
    ("unknown region", lambda c: enterprise_row(c, region="222499001"), "行政区划代码", "不存在"),
    (
        "region out of scope",
        lambda c: enterprise_row(c, region="222402001"),
        "行政区划代码",
        "管辖范围",
    ),
    ("bad phone", lambda c: enterprise_row(c, phone="1234567"), "联系电话", "电话号码格式错误"),
    ("missing name", lambda c: enterprise_row(c, name=None), "企业名称", "必填项为空"),
    ("bad industry", lambda c: enterprise_row(c, industry="Z99"), "行业代码", "GB/T 4754"),
    ("bad scale", lambda c: enterprise_row(c, scale="很大"), "规模", "规上 或 规下"),
    ("bad staff", lambda c: enterprise_row(c, staff="-3"), "职工总数", "非负整数"),
]


@pytest.mark.parametrize("case, make_row, column, reason", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_each_bad_row_is_reported_with_row_column_and_reason(cast, case, make_row, column, reason):
    good = enterprise_row(uscc(), "好企业")
    data = xlsx(ENTERPRISE_HEADERS, [good, make_row(uscc())])
    before = Enterprise.objects.count()
    report = run(cast.yanji, data)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert reason in report.errors[0].reason
    assert Enterprise.objects.count() == before  # the good row is not imported either


def test_a_duplicate_uscc_in_the_file_names_both_rows(cast):
    code = uscc()
    report = run(cast.yanji, xlsx(ENTERPRISE_HEADERS, [enterprise_row(code), enterprise_row(code)]))
    assert [(e.row, e.column) for e in report.errors] == [(3, "统一社会信用代码")]
    assert "第2行" in report.errors[0].reason


def test_a_uscc_of_an_enterprise_outside_scope_is_refused_not_overwritten(cast):
    report = run(cast.yanji, xlsx(ENTERPRISE_HEADERS, [enterprise_row(cast.b.uscc, "篡改")]))
    assert "辖区以外" in report.errors[0].reason
    cast.b.refresh_from_db()
    assert cast.b.name == "图们丙纺织有限公司"


def test_every_bad_row_is_reported_not_just_the_first(cast):
    rows = [
        enterprise_row(uscc(), phone="1"),
        enterprise_row(uscc()),
        enterprise_row("X", scale="?"),
        enterprise_row(uscc(), region="1"),
    ]
    report = run(cast.yanji, xlsx(ENTERPRISE_HEADERS, rows))
    assert sorted({e.row for e in report.errors}) == [2, 4, 5]
    assert {e.column for e in report.errors if e.row == 4} == {"统一社会信用代码", "规模"}


def test_skip_bad_imports_the_good_rows_and_reports_the_bad(cast):
    good = uscc()
    report = run(
        cast.yanji,
        xlsx(ENTERPRISE_HEADERS, [enterprise_row(good), enterprise_row(uscc(), phone="1")]),
        skip_bad=True,
    )
    assert report.written and report.created == 1 and report.skipped_rows == 1
    assert len(report.errors) == 1
    assert Enterprise.objects.filter(uscc=good).exists()


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "文件为空"),
        (b"\x00\x01\x02binary", "格式无法识别"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "网页"),
        (b"PK\x03\x04broken zip", "已损坏"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(cast, data, reason):
    report = run(cast.yanji, data)
    assert not report.written and reason in report.errors[0].reason


def test_wrong_headers_name_the_missing_columns(cast):
    report = run(cast.yanji, xlsx(["代码", "名字"], [["1", "2"]]))
    missing = {e.column for e in report.errors}
    # the region may come from an address column, so its column is not required
    assert {"统一社会信用代码", "企业名称", "行业代码", "规模"} == missing
    assert all(e.row == 1 for e in report.errors)


def test_an_empty_sheet_and_a_header_only_sheet_are_refused(cast):
    assert "文件为空" in run(cast.yanji, xlsx(None, [])).errors[0].reason
    assert "没有数据行" in run(cast.yanji, xlsx(ENTERPRISE_HEADERS, [])).errors[0].reason


def test_the_command_exits_non_zero_and_prints_every_bad_row(cast, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(
        xlsx(ENTERPRISE_HEADERS, [enterprise_row(uscc()), enterprise_row(uscc(), phone="1")])
    )
    with pytest.raises(SystemExit) as exc:
        call_command("import", "enterprises", str(path))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "第3行 [联系电话]" in err
    assert Enterprise.objects.count() == 3

    with pytest.raises(SystemExit):
        call_command("import", "enterprises", str(path), "--skip-bad")
    assert Enterprise.objects.count() == 4


def test_the_command_succeeds_on_a_good_file(cast, tmp_path, capsys):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx(ENTERPRISE_HEADERS, [enterprise_row(uscc())]))
    call_command("import", "enterprises", str(path), "--user", "yanji")
    assert "1 created" in capsys.readouterr().out


def test_the_console_script_wraps_management_commands():
    out = subprocess.run(
        [sys.executable, "-m", "fugong.cli", "help", "import"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--skip-bad" in out


def test_the_import_page_shows_the_error_list_and_imports_nothing(cast, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = login(cast.yanji)
    bad = SimpleUploadedFile(
        "e.xlsx", xlsx(ENTERPRISE_HEADERS, [enterprise_row(uscc(), phone="1")])
    )
    r = c.post("/imports/enterprises/", {"file": bad})
    body = r.content.decode()
    assert "未导入任何数据" in body and "联系电话" in body and "电话号码格式错误" in body
    good = SimpleUploadedFile("e.xlsx", xlsx(ENTERPRISE_HEADERS, [enterprise_row(uscc())]))
    assert "新增 1 条" in c.post("/imports/enterprises/", {"file": good}).content.decode()


def test_import_rights_follow_the_role(cast, login):
    assert login(cast.contact_a).get("/imports/enterprises/").status_code == 403
    assert login(cast.yanji).get("/imports/regions/").status_code == 403
    assert login(cast.admin).get("/imports/regions/").status_code == 200
    assert login(cast.yanji).get("/imports/nothing/").status_code == 404


def test_templates_download_with_chinese_headers(cast, login):
    from .test_enterprise_list import read_xlsx

    for kind, first in [
        ("enterprises", "统一社会信用代码"),
        ("regions", "行政区划代码"),
        ("units", "单位编码"),
        ("lists", "名单名称"),
        ("assignments", "统一社会信用代码"),
    ]:
        rows = read_xlsx(login(cast.admin).get(f"/imports/{kind}/template.xlsx").content)
        assert rows[0][0] == first


def test_annual_output_is_read_in_ten_thousand_yuan_and_may_be_empty(cast):
    """上年工业总产值 (万元) accepts thousands separators and Chinese multipliers; an empty cell is
    unknown (None), never zero; a word is an error naming the column."""
    codes = [uscc(), uscc(), uscc(), uscc()]
    headers = [*ENTERPRISE_HEADERS, "上年工业总产值"]
    rows = [
        [*enterprise_row(codes[0], "甲公司"), "12,500"],
        [*enterprise_row(codes[1], "乙公司"), "1.2亿元"],
        [*enterprise_row(codes[2], "丙公司"), ""],
    ]
    report = run(cast.yanji, xlsx(headers, rows))
    assert report.errors == [] and report.written
    outputs = dict(Enterprise.objects.filter(uscc__in=codes).values_list("uscc", "annual_output"))
    assert (outputs[codes[0]], outputs[codes[1]], outputs[codes[2]]) == (12500, 12000, None)
    bad = run(cast.yanji, xlsx(headers, [[*enterprise_row(codes[3], "丁公司"), "很多"]]))
    assert not bad.written and [(e.column, "上年工业总产值" in e.reason) for e in bad.errors] == [
        ("上年工业总产值（万元）", True)
    ]


def test_a_large_file_is_matched_and_written_in_one_pass_with_every_default(cast):
    # more rows than one statement's parameters (SQLite: 999): existing codes are found over
    # several statements (one array on PostgreSQL); new rows get their columns' defaults
    codes = [uscc() for _ in range(1200)]
    rows = [enterprise_row(c, f"企业{i}", lists="重点企业") for i, c in enumerate(codes)]
    first = run(cast.yanji, xlsx(ENTERPRISE_HEADERS, rows))
    assert first.errors == [] and (first.created, first.updated) == (1200, 0)
    e = Enterprise.objects.get(uscc=codes[1100])
    assert e.created_at is not None and e.updated_at is not None
    assert (e.power_account, e.longitude, e.industry_division) == ("", None, "27")
    assert ListMembership.objects.current().filter(list=cast.key_list).count() >= 1200
    rows[1100] = enterprise_row(codes[1100], "改名企业", lists="重点企业")
    again = run(cast.yanji, xlsx(ENTERPRISE_HEADERS, rows))
    assert (again.created, again.updated) == (0, 1)
    e.refresh_from_db()
    assert e.name == "改名企业" and e.updated_at > e.created_at
    members = ListMembership.objects.current().filter(list=cast.key_list, enterprise=e)
    assert members.count() == 1  # not joined twice
