"""Excel (.xlsx) in and out with Chinese headers.

An `Importer` declares its columns and validates each row; `Importer.run` reads the file, reports
every bad row (row number, column, reason) and writes nothing unless every row is good or the
caller asked to skip bad rows. Apps register their importers and exporters here, so the import
page and the `fugong import` command serve every app without knowing them.
"""

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zipfile import BadZipFile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from . import services
from .validators import clean_controls


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    width: int = 16


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped_rows: int = 0
    written: bool = False

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    def as_dict(self):
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped_rows": self.skipped_rows,
            "written": self.written,
            "errors": [e.as_dict() for e in self.errors],
        }


class ImportRejected(Exception):
    """Raised inside `Importer.write` when a row turns out bad only at write time."""

    def __init__(self, errors):
        self.errors = errors


def _norm_header(text) -> str:
    return "".join(str(text or "").split()).strip("*＊").lower()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


XLSX_MAGIC = b"PK\x03\x04"


def open_workbook(source):
    """Open an .xlsx for reading; raise ValueError with a user-facing reason if it is not one."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read()
    else:
        with open(source, "rb") as fh:
            data = fh.read()
    if not data:
        raise ValueError(_("文件为空"))
    if not data.startswith(XLSX_MAGIC):
        raise ValueError(_("文件不是 .xlsx 格式（请用 Excel 另存为“Excel 工作簿 (*.xlsx)”）"))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError(_("无法读取 .xlsx 文件：%(e)s") % {"e": exc}) from exc


class Importer:
    kind = ""
    title = ""
    columns: list[Column] = []

    def __init__(self, user=None):
        self.user = user  # None: the system (command line), unrestricted

    # --- to override -------------------------------------------------------------------
    @classmethod
    def allowed(cls, user) -> bool:
        return user is None or user.is_superuser

    def prepare(self, rows):
        """Load lookups for all rows at once (one query per table, not per row)."""

    def clean_row(self, row: dict, error) -> object:
        raise NotImplementedError

    @staticmethod
    def optional(row, key, normalize, error):
        """An optional value in its canonical form, or "" after reporting the rule it breaks."""
        if not row[key]:
            return ""
        try:
            return normalize(row[key])
        except ValidationError as exc:
            error(key, exc.messages[0])
            return ""

    def write(self, cleaned) -> tuple[int, int]:
        raise NotImplementedError

    # --- the shared procedure -------------------------------------------------------------
    def header_map(self, header_cells):
        lookup = {}
        for col in self.columns:
            for name in (col.header, col.key, *col.aliases):
                lookup[_norm_header(name)] = col.key
        found = {}
        for idx, text in enumerate(header_cells):
            key = lookup.get(_norm_header(text))
            if key and key not in found:
                found[key] = idx
        return found

    def read(self, source):
        """Return (rows, errors): rows as (row number, {key: text})."""
        try:
            wb = open_workbook(source)
        except ValueError as exc:
            return [], [RowError(0, "", str(exc))]
        try:
            ws = wb.worksheets[0]
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if header is None or not any(c not in (None, "") for c in header):
                return [], [RowError(1, "", _("文件为空：第1行应为表头"))]
            index = self.header_map(header)
            missing = [c.header for c in self.columns if c.required and c.key not in index]
            if missing:
                expected = "、".join(c.header for c in self.columns)
                return [], [
                    RowError(1, m, _("缺少必需的列。表头应为：%(e)s") % {"e": expected})
                    for m in missing
                ]
            other = {
                i: str(h).strip()
                for i, h in enumerate(header)
                if h not in (None, "") and i not in index.values()
            }
            rows, errors = [], []
            for n, values in enumerate(it, start=2):
                if values is None or all(v in (None, "") for v in values):
                    continue
                row = {
                    key: cell_text(values[i]) if i < len(values) else "" for key, i in index.items()
                }
                row["_row"] = n
                # columns the importer does not declare (a campaign's extra fields, notes)
                row["_other"] = {
                    h: cell_text(values[i])
                    for i, h in other.items()
                    if i < len(values) and values[i] not in (None, "")
                }
                for c in self.columns:
                    row.setdefault(c.key, "")
                    if c.required and not row[c.key]:
                        errors.append(RowError(n, c.header, _("必填项为空")))
                rows.append((n, row))
        finally:
            wb.close()
        if not rows:
            errors.append(RowError(2, "", _("文件没有数据行")))
        return rows, errors

    def run(self, source, skip_bad=False) -> ImportReport:
        report = ImportReport(kind=self.kind)
        rows, errors = self.read(source)
        report.rows = len(rows)
        report.errors = errors
        if not rows:
            return report
        headers = {c.key: c.header for c in self.columns}
        bad_rows = {e.row for e in errors}
        good_rows = [(n, row) for n, row in rows if n not in bad_rows]
        self.prepare([row for _, row in good_rows])
        cleaned = []
        for n, row in good_rows:
            row_errors = []

            def error(key, reason, _errs=row_errors, _n=n):
                _errs.append(RowError(_n, headers.get(key, key), str(reason)))

            try:
                value = self.clean_row(row, error)
            except ValidationError as exc:
                for msg in exc.messages:
                    error("", msg)
            if row_errors:
                report.errors.extend(row_errors)
            else:
                cleaned.append((n, value))
        report.errors.sort(key=lambda e: e.row)
        report.skipped_rows = report.bad_rows
        if report.errors and not skip_bad:
            return report
        if cleaned:
            try:
                with transaction.atomic():
                    report.created, report.updated = self.write(cleaned)
                    services.audit(
                        self.user,
                        "import",
                        target_type=self.kind,
                        detail={
                            "rows": report.rows,
                            "created": report.created,
                            "updated": report.updated,
                            "skipped_rows": report.skipped_rows,
                        },
                    )
            except (ValidationError, ImportRejected) as exc:
                late = getattr(exc, "errors", None) or [RowError(0, "", m) for m in exc.messages]
                report.errors = sorted(report.errors + late, key=lambda e: e.row)
                report.created = report.updated = 0
                return report
            report.written = True
        return report

    @classmethod
    def template(cls) -> bytes:
        return write_xlsx(
            cls.title,
            [c.header for c in cls.columns],
            [[c.example for c in cls.columns]],
            widths=[c.width for c in cls.columns],
        )


# Spreadsheets out are data, not programs: a text that Excel (or LibreOffice, or a CSV
# re-save) would take for a formula is written as a text cell marked "quote prefix", and the
# control characters that the xlsx format cannot hold (openpyxl raises on them) are dropped.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_value(ws, value):
    """A cell value fit to write: other values as they are, texts without control characters,
    and texts that start like a formula as a text cell (never evaluated)."""
    if not isinstance(value, str):
        return value
    value = clean_controls(value)
    if value.startswith(FORMULA_START):
        cell = WriteOnlyCell(ws, value=None)
        cell.value, cell.data_type = value, "s"  # after the value: openpyxl would mark "f"
        cell.quotePrefix = True
        return cell
    return value


def write_xlsx(title, headers, rows, widths=None) -> bytes:
    """A workbook with a bold frozen header row; rows may be any iterable (streamed). Every
    export goes through here, so every cell goes through `safe_value`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(title)[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    for i, w in enumerate(widths or [16] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=clean_controls(str(h)))
        cell.data_type = "s"
        cell.font, cell.fill = bold, fill
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append([safe_value(ws, v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


IMPORTERS: dict[str, type[Importer]] = {}


def register_importer(cls):
    IMPORTERS[cls.kind] = cls
    return cls


def _registrar(table, doc):
    def register(kind):
        def wrap(fn):
            table[kind] = fn
            return fn

        return wrap

    register.__doc__ = doc
    return register


EXPORTERS: dict = {}
register_exporter = _registrar(
    EXPORTERS, "Register `fn(user, params) -> bytes`; user None is the system (command line)."
)

TEXT_IMPORTERS: dict = {}
register_text_importer = _registrar(
    TEXT_IMPORTERS,
    "Register `fn(user, text, skip_bad) -> ImportReport` for plain-text files (chat exports).",
)
