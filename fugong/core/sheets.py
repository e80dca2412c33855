"""Reading the spreadsheets people actually have: .xlsx, .xls, .ods and .csv (UTF-8 with or
without BOM, UTF-16, GB18030/GBK), with the table found wherever it sits in the sheet.

`read_grids` turns a file into one `Grid` per sheet (python-calamine for the workbook formats,
the csv module for text). Zip-based files (xlsx, ods) are checked before any parser sees them:
member count, real decompressed size and no DTD or entity declaration in any XML member
(billion laughs, XXE). `HeaderMatcher` finds the header row by meaning (synonyms, full/half-width
brackets, spaces, `*`), and `locate` picks the sheet and the row that hold the table. Everything
raises `SheetError` with a message for the user; nothing here knows about importers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from os import PathLike
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

if TYPE_CHECKING:
    from collections.abc import Sequence

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
MB = 1024 * 1024


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class SheetError(ValueError):
    """A file that cannot be read as a table; the message is for the user."""


@dataclass
class Grid:
    """One sheet's cells; `first_row` is the 1-based sheet row number of `rows[0]`."""

    name: str
    rows: list
    first_row: int = 1


# --- bytes in --------------------------------------------------------------------------------
# what a reader takes: the file's bytes, an open binary file (an upload), or a path
Source = bytes | bytearray | memoryview | IO[bytes] | str | PathLike


def load_bytes(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if hasattr(source, "read"):
        return source.read()
    with open(source, "rb") as fh:
        return fh.read()


_DTD_RE = re.compile(rb"<!\s*(?:doctype|entity)", re.IGNORECASE)
_XML_NAMES = (".xml", ".rels", ".vml")


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Refuse zip bombs and XML with DTDs before a parser sees the file; return the archive.

    Sizes are measured by decompressing (a member that lies about its size fails its CRC),
    so a forged header cannot get a bomb past the limit."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(_("文件已损坏，无法作为电子表格打开：%(e)s") % {"e": exc}) from exc
    max_members = limit("FUGONG_IMPORT_MAX_MEMBERS", 2000)
    max_total = limit("FUGONG_IMPORT_MAX_UNCOMPRESSED", 200 * MB)
    if len(infos) > max_members:
        raise SheetError(
            _("文件内部包含 %(n)d 个部件，超过上限 %(m)d，拒绝导入")
            % {"n": len(infos), "m": max_members}
        )
    declared = sum(i.file_size for i in infos)
    if declared > max_total:
        raise SheetError(
            _("文件解压后有 %(n)d MB，超过上限 %(m)d MB，拒绝导入（疑似压缩炸弹）")
            % {"n": declared // MB, "m": max_total // MB}
        )
    total = 0
    try:
        for info in infos:
            is_xml = info.filename.lower().endswith(_XML_NAMES)
            with zf.open(info) as fh:
                tail = b""
                first = True
                while chunk := fh.read(4 * MB):
                    total += len(chunk)
                    if total > max_total:
                        raise SheetError(
                            _("文件解压后超过 %(m)d MB，拒绝导入（疑似压缩炸弹）")
                            % {"m": max_total // MB}
                        )
                    if not is_xml:
                        continue
                    if first and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                        raise SheetError(_("文件中的 XML 使用了不支持的编码（UTF-16）"))
                    first = False
                    if _DTD_RE.search(tail + chunk):
                        raise SheetError(
                            _("文件中的 %(m)s 含有 DTD 或实体声明，出于安全原因拒绝导入")
                            % {"m": info.filename}
                        )
                    tail = chunk[-16:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise SheetError(_("文件已损坏，无法作为电子表格打开：%(e)s") % {"e": exc}) from exc
    return zf


def _fill_merged(sheet: str, rows: list, top: int, left: int) -> None:
    """Give every cell of a merged range the value of its top-left cell (grouping columns)."""
    try:
        ranges = sheet.merged_cell_ranges or ()
    except (CalamineError, AttributeError, ValueError):
        return
    for (r1, c1), (r2, c2) in ranges:
        r1, r2, c1, c2 = r1 - top, r2 - top, c1 - left, c2 - left
        if r1 < 0 or c1 < 0 or r1 >= len(rows) or c1 >= len(rows[r1]):
            continue
        value = rows[r1][c1]
        for r in range(r1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                if row[c] == "":
                    row[c] = value


def _read_workbook(data: bytes, kind: str) -> list[Grid]:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError, TypeError) as exc:
        if kind == "xls":
            raise SheetError(
                _("无法读取 .xls 文件（若文件设有密码，请先取消密码）：%(e)s") % {"e": exc}
            ) from exc
        raise SheetError(_("无法读取 .%(k)s 文件：%(e)s") % {"k": kind, "e": exc}) from exc
    grids = []
    try:
        for meta in wb.sheets_metadata:
            if str(getattr(meta, "typ", "")).endswith("WorkSheet") is False:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=True)
            top, left = sheet.start or (0, 0)
            _fill_merged(sheet, rows, top, left)
            grids.append(Grid(meta.name, rows, first_row=top + 1))
    except (CalamineError, ValueError, OSError) as exc:
        raise SheetError(_("无法读取 .%(k)s 文件：%(e)s") % {"k": kind, "e": exc}) from exc
    finally:
        wb.close()
    return grids


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SheetError(
            _("无法识别文件的文字编码（支持 UTF-8、GBK/GB18030）：第 %(p)d 字节") % {"p": exc.start}
        ) from exc


def _read_csv(data: bytes) -> list[Grid]:
    text = decode_text(data)
    if "\x00" in text[:4096]:
        raise SheetError(_("文件格式无法识别：支持 .xlsx、.xls、.ods 和 .csv"))
    head = text[:8192]
    if head.lstrip().lower().startswith(("<html", "<!doctype", "<table", "<?xml")):
        raise SheetError(
            _("该文件是网页（HTML/XML）格式，不是真正的 Excel 文件；请在 Excel 中另存为 .xlsx")
        )
    counts = {d: head.count(d) for d in (",", "\t", ";", "，")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return [Grid("csv", rows, first_row=1)]


def read_grids(source: Source) -> list[Grid]:
    """Every sheet of an .xlsx/.xls/.ods/.csv file, by content (never by the file's name)."""
    data = load_bytes(source)
    if not data:
        raise SheetError(_("文件为空"))
    if len(data) > limit("FUGONG_IMPORT_MAX_UNCOMPRESSED", 200 * MB):
        raise SheetError(_("文件过大，拒绝导入"))
    if data.startswith(ZIP_MAGIC):
        zf = check_zip(data)
        names = set(zf.namelist())
        if "mimetype" in names and zf.read("mimetype").strip() == ODS_MIME:
            return _read_workbook(data, "ods")
        if "[Content_Types].xml" in names:
            return _read_workbook(data, "xlsx")
        raise SheetError(_("压缩文件不是电子表格：支持 .xlsx、.xls、.ods 和 .csv"))
    if data.startswith(OLE_MAGIC):
        return _read_workbook(data, "xls")
    return _read_csv(data)


# --- finding the table ------------------------------------------------------------------------
_BRACKETS = re.compile(r"[(\[【<《].*?[)\]】>》]")
_DROP = re.compile(r"[\s*※☆★#＃:：、.。_\-－—]+")


def normalise_header(text: str) -> str:
    """`企业（单位）名称 *` -> `企业(单位)名称`: NFKC (full-width to half-width), lower case,
    no spaces, stars, colons or dashes."""
    return _DROP.sub("", unicodedata.normalize("NFKC", str(text or ""))).lower()


def strip_brackets(norm: str) -> str:
    return _BRACKETS.sub("", norm)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    names: tuple[str, ...]  # the header, the key and the importer's aliases
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass
class Match:
    columns: dict[str, int]  # key -> column index
    unknown: dict[int, str] = field(default_factory=dict)  # index -> header text, unmatched
    score: tuple = (0, 0)


class HeaderMatcher:
    """Map the cells of a header row to field keys; exact names win over synonyms, and either
    wins over the same name with its bracketed part (units, notes) removed."""

    def __init__(self, specs: list[FieldSpec]) -> None:
        self.specs = specs
        self.lookup: dict[str, tuple[int, str]] = {}
        for spec in specs:
            for rank, names in ((0, spec.names), (1, spec.synonyms)):
                for name in names:
                    norm = normalise_header(name)
                    self._add(norm, rank, spec.key)
                    self._add(strip_brackets(norm), rank + 2, spec.key)

    def _add(self, norm: str, rank: int, key: str) -> None:
        if norm and (norm not in self.lookup or self.lookup[norm][0] > rank):
            self.lookup[norm] = (rank, key)

    def match(self, cells: Sequence[object]) -> Match:
        best: dict[str, tuple[int, int]] = {}
        texts = {}
        for idx, text in enumerate(cells):
            if text in (None, ""):
                continue
            norm = normalise_header(text)
            hit = self.lookup.get(norm) or self.lookup.get(strip_brackets(norm))
            texts[idx] = str(text).strip()
            if hit is None:
                continue
            rank, key = hit
            if key not in best or best[key][0] > rank:
                best[key] = (rank, idx)
        columns = {key: idx for key, (_r, idx) in best.items()}
        used = set(columns.values())
        unknown = {i: t for i, t in texts.items() if i not in used}
        required = sum(1 for s in self.specs if s.required and s.key in columns)
        return Match(columns, unknown, (len(columns), required))


@dataclass
class Table:
    grid: Grid
    header_index: int  # index into grid.rows
    match: Match

    @property
    def header_row(self) -> int:
        return self.grid.first_row + self.header_index


SCAN_ROWS = 30


def locate(grids: list[Grid], matcher: HeaderMatcher, sheet: str | None = None) -> Table:
    """The sheet and row whose cells match the most fields (the first sheet with any content
    and its first non-empty row if nothing matches, so the caller reports missing columns)."""
    if sheet is not None:
        chosen = [g for g in grids if g.name == sheet]
        if not chosen:
            names = "、".join(g.name for g in grids)
            raise SheetError(
                _("文件中没有名为“%(s)s”的工作表（有：%(n)s）") % {"s": sheet, "n": names}
            )
        grids = chosen
    best = None
    fallback = None
    for grid in grids:
        scanned = 0
        for i, row in enumerate(grid.rows):
            if not any(c not in (None, "") for c in row):
                continue
            if fallback is None:
                fallback = Table(grid, i, matcher.match(row))
            m = matcher.match(row)
            if m.score[0] and (best is None or m.score > best.match.score):
                best = Table(grid, i, m)
            scanned += 1
            if scanned >= SCAN_ROWS:
                break
    if best is not None:
        return best
    if fallback is None:
        raise SheetError(_("文件为空：没有找到表头"))
    return fallback


_TOTAL_WORDS = frozenset(("合计", "总计", "小计", "总合计", "全市合计", "全州合计", "total"))
_NOTE_WORDS = ("填表人", "填报人", "制表人", "制表", "审核人", "负责人", "说明", "注", "备注")
_NOTE_RE = re.compile(r"^({})\s*[:：]".format("|".join(_NOTE_WORDS)))


_TOTAL_FIRST = frozenset("合总小Tt 　")


def row_kind(values: Sequence[object]) -> str:
    """'' for a data row, 'blank', 'total' for a 合计 row, 'note' for a 填表人/说明 line."""
    filled = 0
    first = None
    for v in values:
        if v is None or v == "":
            continue
        filled += 1
        if first is None:
            first = v
        if filled <= 3 and type(v) is str and v[:1] in _TOTAL_FIRST:
            norm = normalise_header(v)
            if norm in _TOTAL_WORDS or strip_brackets(norm) in _TOTAL_WORDS:
                return "total"
        if filled > 3:
            return ""
    if first is None:
        return "blank"
    if filled <= 2 and type(first) is str:
        if _NOTE_RE.match(unicodedata.normalize("NFKC", first).strip()):
            return "note"
    return ""


# --- what people call the columns --------------------------------------------------------------
# Synonyms by the importers' own headers: every importer whose column has one of these headers
# accepts them (an importer's exact header, key and aliases still win over a synonym).
SYNONYMS = {
    "统一社会信用代码": (
        "信用代码",
        "社会信用代码",
        "统一信用代码",
        "社会统一信用代码",
        "企业统一社会信用代码",
        "组织机构代码证号",
        "组织机构代码",
        "营业执照号码",
        "营业执照号",
        "纳税人识别号",
        "税号",
        "uscc",
    ),
    "企业名称": ("单位名称", "企业(单位)名称", "企业单位名称", "公司名称", "企业全称", "名称"),
    "行政区划代码": (
        "区划代码",
        "所属区域",
        "所在地",
        "乡镇(街道)",
        "乡镇街道",
        "街道(乡镇)",
        "所属乡镇",
        "所属街道",
        "所在乡镇",
        "所属地区",
        "属地",
        "区域",
        "地区",
    ),
    "行业代码": (
        "行业",
        "所属行业",
        "行业类别",
        "行业分类",
        "行业门类",
        "行业名称",
        "国民经济行业分类",
        "国民经济行业代码",
    ),
    "规模": ("企业规模", "是否规上", "是否规模以上", "规上/规下", "规模以上/以下", "规上规下"),
    "职工总数": (
        "职工人数",
        "员工总数",
        "员工人数",
        "从业人员",
        "从业人员数",
        "从业人数",
        "在职人数",
        "用工人数",
        "职工数",
        "人数",
    ),
    "上年工业总产值(万元)": (
        "上年工业总产值",
        "工业总产值",
        "工业总产值(万元)",
        "年产值",
        "年产值(万元)",
        "上年产值",
        "上年产值(万元)",
        "产值(万元)",
    ),
    "联系人": ("企业联系人", "联系人姓名", "联络人", "联络员"),
    "联系电话": (
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系方式",
        "联系人电话",
        "联系人手机",
        "电话号码",
        "办公电话",
        "联系人联系方式",
    ),
    "地址": ("企业地址", "详细地址", "生产经营地址", "经营地址", "注册地址", "通讯地址", "住所"),
    "名单": ("所属名单", "名单名称", "名单类别"),
    "名单名称": ("名单",),
    "备注": ("备注信息", "说明"),
    "日期": ("填报日期", "报送日期", "统计日期", "列入日期", "时间"),
    "复工状态": ("是否复工", "复工情况", "状态"),
    "生产模式": ("生产方式", "模式"),
    "在岗人数": ("到岗人数", "返岗人数", "复工人数", "在岗职工数"),
    "姓名": ("员工姓名", "职工姓名", "名字"),
    "身份证号": ("身份证号码", "公民身份号码", "身份证件号码", "证件号码", "身份证"),
    "手机号": ("手机", "手机号码", "联系电话", "电话", "联系方式"),
    "部门": ("所在部门", "车间", "班组", "岗位"),
    "是否住厂": ("住厂", "是否住宿", "住宿", "是否在厂住宿"),
    "是否闭环": ("闭环", "闭环管理", "是否闭环管理"),
    "包保领导": ("包保领导姓名", "包保责任人", "包保人"),
    "领导电话": ("包保领导电话", "包保领导联系电话", "领导联系电话"),
    "名称": ("区划名称", "地区名称", "行政区划名称"),
    "级别": ("层级", "区划级别", "行政级别"),
    "上级代码": ("上级区划代码", "上级行政区划代码"),
    "单位编码": ("单位代码",),
    "类型": ("单位类型",),
}
_SYNONYMS = {normalise_header(k): v for k, v in SYNONYMS.items()}


def synonyms_for(header: str) -> tuple[str, ...]:
    return _SYNONYMS.get(normalise_header(header), ())
