"""Imports of the sheets people have: files built here the way a bureau's Excel, WPS or
LibreOffice writes them (title rows and merged cells, synonyms and shuffled columns, GBK CSV,
.xls, .ods, numbers for phones, Chinese dates, totals rows), and files built to attack the
reader (billion laughs, a zip bomb, 300,000 bad rows)."""

import io
import zipfile

import pytest
import xlwt
from openpyxl import Workbook

from fugong.core.excel import IMPORTERS
from fugong.core.models import Region
from fugong.core.permissions import SYSTEM
from fugong.health.demo import id_card
from fugong.health.imports import RosterImporter
from fugong.health.models import Employee
from fugong.registry.models import Enterprise, EnterpriseList, ListMembership

from .factories import enterprise_user, uscc

TITLE = "延边州规上工业企业名单（2月14日）"
# what a bureau's sheet calls the columns, in its own order
BUREAU_HEADERS = [
    "序号",
    "企业（单位）名称",
    "社会信用代码",
    "所属行业",
    "是否规上",
    "从业人员",
    "乡镇（街道）",
    "联系人",
    "手机",
    "企业地址",
]


def bureau_rows(codes):
    return [
        [1, "延吉甲制药有限公司（集团）", codes[0], "医药制造业", "是", "1,200", "222401001"]
        + ["王明秀", 13904335678, "延吉市长白路1号"],
        [2, "延吉乙食品有限公司", codes[1].lower(), "C14", "规模以下", "50人", "222401002"]
        + ["李华", "+86 139-0433-5679", "延吉市北山街道"],
        [3, "延吉丙机械有限公司", f"{codes[2][:6]} {codes[2][6:]}", "3511", "规上", 80, "222401001"]
        + ["赵强", "0433-2512345转801", ""],
    ]


def bureau_xlsx(codes, extra_rows=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(BUREAU_HEADERS))
    ws.append(["填报单位：延吉市工信局", None, None, None, None, None, None, "单位：人"])
    ws.append([])
    ws.append([None, *BUREAU_HEADERS])  # the table starts in column B
    for row in [*bureau_rows(codes), *extra_rows]:
        ws.append([None, *row])
    ws.append([None, "合计", None, None, None, None, 1330])
    ws.append([None, "填表人：张三"])
    notes = wb.create_sheet("填表说明")
    notes.append(["请按模板填写，不要改动表头"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(kind, user, data, **kw):
    return IMPORTERS[kind](user).run(data, **kw)


def test_it_imports_a_bureau_sheet_with_title_rows_synonyms_and_a_totals_row(cast):
    codes = [uscc(), uscc(), uscc()]
    report = run("enterprises", cast.yanji, bureau_xlsx(codes))
    assert report.errors == [] and report.written, report.errors
    assert (report.created, report.rows, report.sheet, report.header_row) == (3, 3, "名单", 4)
    assert report.ignored_columns == ["序号"]
    assert report.ignored_rows == {"total": 1, "note": 1}
    assert report.columns["uscc"] == "社会信用代码" and report.columns["region"] == "乡镇（街道）"
    a = Enterprise.objects.get(uscc=codes[0])
    assert (a.name, a.industry, a.industry_section, a.scale) == (
        "延吉甲制药有限公司（集团）",  # names keep their full-width brackets
        "27",
        "C",
        "above",
    )
    assert (a.total_staff, a.contact_phone) == (1200, "13904335678")
    b = Enterprise.objects.get(uscc=codes[1])
    assert (b.industry, b.scale, b.total_staff, b.contact_phone) == (
        "14",
        "below",
        50,
        "13904335679",
    )
    c = Enterprise.objects.get(uscc=codes[2])  # a class code is kept, its division derived
    assert (c.industry, c.industry_division, c.industry_section) == ("3511", "35", "C")
    assert c.contact_phone == "0433-2512345-801"


def test_it_keeps_a_section_only_industry_and_reports_an_unknown_name_naming_the_cell(cast):
    codes = [uscc(), uscc(), uscc(), uscc(), uscc()]
    bad = [
        [4, "丁公司", codes[3], "C", "规上", 10, "222401001", "", "", ""],
        [5, "戊公司", codes[4], "火箭制造业", "规上", 10, "222401001", "", "1.39043E+10", ""],
    ]
    report = run("enterprises", cast.yanji, bureau_xlsx(codes[:3], bad))
    assert not report.written and Enterprise.objects.filter(uscc__in=codes).count() == 0
    errors = {(e.row, e.column): e.reason for e in report.errors}
    assert set(errors) == {(9, "行业代码"), (9, "联系电话")}
    assert "火箭制造业" in errors[9, "行业代码"]
    assert "科学计数法" in errors[9, "联系电话"] and "1.39043E+10" in errors[9, "联系电话"]
    report = run("enterprises", cast.yanji, bureau_xlsx(codes[:3], bad), skip_bad=True)
    assert report.written and report.created == 4 and report.skipped_rows == 1
    d = Enterprise.objects.get(uscc=codes[3])
    assert (d.industry, d.industry_section, d.industry_division) == ("C", "C", "")


def csv_bytes(rows, encoding, bom=False) -> bytes:
    text = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


@pytest.mark.parametrize(
    "encoding, bom", [("gbk", False), ("gb18030", False), ("utf-8", True), ("utf-8", False)]
)
def test_it_reads_csv_as_chinese_excel_writes_it(cast, encoding, bom):
    code = uscc()
    rows = [
        ["统一社会信用代码", "单位名称", "所在地", "行业", "规模", "人数"],
        [code, "延吉镕铸有限公司", "222401001", "C33", "规上", "12"],
    ]
    report = run("enterprises", cast.yanji, csv_bytes(rows, encoding, bom))
    assert report.errors == [] and report.written
    assert Enterprise.objects.get(uscc=code).name == "延吉镕铸有限公司"


def test_an_xls_file_from_old_excel_is_read(cast):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("区划")
    ws.write_merge(0, 0, 0, 3, "延吉市行政区划")
    for col, text in enumerate(["区划名称", "行政区划代码", "上级代码", "层级"]):
        ws.write(2, col, text)
    ws.write(3, 0, "依兰镇")
    ws.write(3, 1, 222401100)  # codes typed as numbers
    ws.write(3, 2, 222401)
    ws.write(3, 3, "镇")
    buf = io.BytesIO()
    wb.save(buf)
    report = run("regions", SYSTEM, buf.getvalue())
    assert report.errors == [] and report.written and report.header_row == 3
    assert Region.objects.get(code="222401100").parent == cast.regions.yanji


def ods(sheets: dict[str, list[list]]) -> bytes:
    """A minimal OpenDocument spreadsheet, as LibreOffice lays one out."""
    body = []
    for name, rows in sheets.items():
        body.append(f'<table:table table:name="{name}">')
        for row in rows:
            cells = "".join(
                f'<table:table-cell office:value-type="float" office:value="{c}">'
                f"<text:p>{c}</text:p></table:table-cell>"
                if isinstance(c, int | float)
                else f'<table:table-cell office:value-type="string"><text:p>{c}</text:p>'
                "</table:table-cell>"
                for c in row
            )
            body.append(f"<table:table-row>{cells}</table:table-row>")
        body.append("</table:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(body)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def test_an_ods_file_is_read_and_the_sheet_with_the_header_is_chosen(cast):
    data = ods(
        {
            "说明": [["本表由街道填报"]],
            "名单": [
                ["重点企业调整名单"],
                ["名单", "信用代码", "列入日期", "原因"],
                ["重点企业", cast.a2.uscc, "2020年2月14日", "保供企业"],
            ],
        }
    )
    report = run("lists", cast.yanji, data)
    assert report.errors == [] and report.written, report.errors
    assert report.sheet == "名单"
    m = ListMembership.objects.current().get(enterprise=cast.a2, list=cast.key_list)
    assert m.added_on.isoformat() == "2020-02-14"


def test_the_caller_can_name_the_sheet(cast):
    data = ods({"一": [["名单名称", "统一社会信用代码"]], "二": [["名单", "信用代码"]]})
    assert run("lists", cast.yanji, data, sheet="一").sheet == "一"
    report = run("lists", cast.yanji, data, sheet="三")
    assert "三" in report.errors[0].reason and "一、二" in report.errors[0].reason


def test_the_roster_takes_ticks_crosses_and_phones_stored_as_numbers(cast):
    officer = enterprise_user("fangyi_sheets", cast.a, role="health_officer")
    wb = Workbook()
    ws = wb.active
    ws.append(["延吉甲制药有限公司员工花名册"])
    ws.append(["员工姓名", "公民身份号码", "手机号码", "车间", "是否在厂住宿", "闭环管理"])
    ws.append(["张三", id_card(501), 13904331234, "一车间", "√", "×"])
    ws.append(["李四", id_card(502), "139 0433 1235", "二车间", "N", "Y"])
    buf = io.BytesIO()
    wb.save(buf)
    report = RosterImporter(officer).run(buf.getvalue())
    assert report.errors == [] and report.written, report.errors
    zhang = Employee.objects.get(name="张三")
    assert (zhang.phone, zhang.lives_on_site, zhang.in_bubble) == ("13904331234", True, False)
    li = Employee.objects.get(name="李四")
    assert (li.phone, li.lives_on_site, li.in_bubble) == ("13904331235", False, True)


def test_a_list_named_in_the_sheet_that_does_not_exist_is_refused_to_a_township(cast):
    # only users who may create lists (command centres, administrators) create it
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "规模", "所属名单"])
    ws.append([uscc(), "新公司", "222401001", "C27", "规上", "保供企业"])
    buf = io.BytesIO()
    wb.save(buf)
    report = run("enterprises", cast.township, buf.getvalue())
    assert [(e.row, e.column) for e in report.errors] == [(2, "名单")]
    assert "指挥部" in report.errors[0].reason
    assert not EnterpriseList.objects.filter(name="保供企业").exists()


# --- files built to hurt ---------------------------------------------------------------------
def rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in (add or {}).items():
            out.writestr(name, content)
    return buf.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    b"</sheetData></worksheet>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
    b"<si><t>&xxe;</t></si></sst>"
)


def plain_xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(["统一社会信用代码", "企业名称"])
    wb.active.append(["x", "y"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "member, content",
    [("xl/worksheets/sheet1.xml", BILLION_LAUGHS), ("docProps/core.xml", XXE)],
    ids=["billion-laughs", "xxe"],
)
def test_an_xlsx_with_a_dtd_is_refused_before_parsing(cast, member, content):
    assert member in zipfile.ZipFile(io.BytesIO(plain_xlsx())).namelist()
    data = rezip(plain_xlsx(), {member: content})
    report = run("enterprises", cast.yanji, data)
    assert not report.written and len(report.errors) == 1
    assert report.errors[0].row == 0 and "DTD" in report.errors[0].reason
    assert member in report.errors[0].reason


def test_a_zip_bomb_is_refused_by_its_decompressed_size(cast, settings):
    settings.FUGONG_IMPORT_MAX_UNCOMPRESSED = 8 * 1024 * 1024
    data = rezip(plain_xlsx(), {}, add={"xl/media/padding.bin": b"\0" * (12 * 1024 * 1024)})
    assert len(data) < 100 * 1024  # small on the wire
    report = run("enterprises", cast.yanji, data)
    assert not report.written and "压缩炸弹" in report.errors[0].reason


def test_a_member_lying_about_its_size_is_refused(cast, settings):
    settings.FUGONG_IMPORT_MAX_UNCOMPRESSED = 8 * 1024 * 1024
    data = bytearray(rezip(plain_xlsx(), {}, add={"xl/media/a.bin": b"\0" * (12 * 1024 * 1024)}))
    # forge the declared size (central directory and local header) down to 1 KB
    for sig, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(sig, start)) >= 0:
            name_len = int.from_bytes(
                data[start + (28 if sig == b"PK\x01\x02" else 26) :][:2], "little"
            )
            head = 46 if sig == b"PK\x01\x02" else 30
            if data[start + head : start + head + name_len] == b"xl/media/a.bin":
                data[start + offset : start + offset + 4] = (1024).to_bytes(4, "little")
            start += 4
    report = run("enterprises", cast.yanji, bytes(data))
    assert not report.written and len(report.errors) == 1 and report.errors[0].row == 0


def test_300000_bad_rows_give_200_errors_and_a_count(cast, login):
    header = "统一社会信用代码,企业名称,行政区划代码,行业代码,规模\r\n"
    data = (header + ",无代码公司,222401001,C27,规上\r\n" * 300_000).encode("utf-8")
    report = run("enterprises", cast.yanji, data)
    assert not report.written and report.error_count == 300_000 and report.bad_rows == 300_000
    out = report.as_dict()
    assert len(out["errors"]) == 200 and out["error_count"] == 300_000 and out["errors_truncated"]
    assert out["errors"][0] == {"row": 2, "column": "统一社会信用代码", "reason": "必填项为空"}


def test_the_import_page_lists_the_first_200_errors_and_the_count(cast, login):
    header = "统一社会信用代码,企业名称,行政区划代码,行业代码,规模\r\n"
    data = (header + ",无代码公司,222401001,C27,规上\r\n" * 450).encode("gbk")
    upload = io.BytesIO(data)
    upload.name = "名单.csv"
    page = login(cast.yanji).post("/imports/enterprises/", {"file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and html.count("必填项为空") == 200
    assert "共 450 个" in html


def test_a_region_merged_down_over_its_enterprises_fills_every_row(cast):
    codes = [uscc(), uscc()]
    wb = Workbook()
    ws = wb.active
    ws.append(["乡镇（街道）", "企业名称", "信用代码", "行业", "规模"])
    ws.append(["222401002", "北山甲公司", codes[0], "C14", "规下"])
    ws.append([None, "北山乙公司", codes[1], "C14", "规下"])
    ws.merge_cells("A2:A3")
    buf = io.BytesIO()
    wb.save(buf)
    report = run("enterprises", cast.yanji, buf.getvalue())
    assert report.errors == [] and report.created == 2
    assert {e.region for e in Enterprise.objects.filter(uscc__in=codes)} == {cast.regions.beishan}
