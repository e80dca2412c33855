"""Spreadsheets in (.xlsx, .xls, .ods, .csv; see `sheets`) and .xlsx out, with Chinese headers.

An `Importer` declares its columns and validates each row; `Importer.run` reads the file, reports
every bad row (row number, column, reason) and writes nothing unless every row is good or the
caller asked to skip bad rows. Apps register their importers and exporters here, so the import
page and the `fugong import` command serve every app without knowing them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import services, sheets, values
from .permissions import SYSTEM
from .validators import clean_controls

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from openpyxl.worksheet._write_only import WriteOnlyWorksheet as Worksheet

    from .permissions import Actor


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

    def as_dict(self) -> dict[str, object]:
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
    sheet: str = ""
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field key -> the file's header
    ignored_columns: list[str] = field(default_factory=list)  # headers no field matched
    ignored_rows: dict[str, int] = field(default_factory=dict)  # "total"/"note" -> count
    notices: list[str] = field(default_factory=list)  # what the import did besides rows (new lists)
    headers: list[tuple] = field(default_factory=list)  # (index, header text, matched key)
    preview: list[tuple] = field(default_factory=list)  # (row, [text per column]) in a dry run

    MAX_SHOWN = 200  # the report shows this many errors and counts the rest

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def shown_errors(self) -> list[RowError]:
        return self.errors[: self.MAX_SHOWN]

    @property
    def errors_truncated(self) -> bool:
        return len(self.errors) > self.MAX_SHOWN

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped_rows": self.skipped_rows,
            "written": self.written,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "ignored_rows": self.ignored_rows,
            "notices": self.notices,
            "error_count": self.error_count,
            "bad_rows": self.bad_rows,
            "errors_truncated": self.errors_truncated,
            "errors": [e.as_dict() for e in self.shown_errors],
        }


# how `Importer.clean_row` reports a bad cell: error(column key, reason)
ErrorSink = Callable[[str, str], None]
F = TypeVar("F", bound=Callable)
# what `Importer.write` receives: (sheet row number, what `clean_row` returned) per good row
Cleaned = list[tuple[int, Any]]


class ImportRejected(Exception):
    """Raised inside `Importer.write` when a row turns out bad only at write time."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors


def cell_text(value: object) -> str:
    return values.text(value)


def open_workbook(source: sheets.Source) -> list[sheets.Grid]:
    """Every sheet of an .xlsx/.xls/.ods/.csv file as grids of cell values; raises ValueError
    (`sheets.SheetError`) with a user-facing reason if the file cannot be read safely."""
    return sheets.read_grids(source)


class Importer:
    kind = ""
    title = ""
    columns: list[Column] = []

    def __init__(self, user: Actor = SYSTEM, mapping: dict[str, str] | None = None) -> None:
        self.user = user  # SYSTEM (the command line) is unrestricted
        # the mapping step's choices: normalised header -> field key ("" ignores the column)
        self.mapping = mapping or {}

    # --- to override -------------------------------------------------------------------
    @classmethod
    def allowed(cls, user: Actor) -> bool:
        return user.is_superuser

    def prepare(self, rows: list[dict[str, str]]) -> None:
        """Load lookups for all rows at once (one query per table, not per row)."""

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> object:
        raise NotImplementedError

    @staticmethod
    def optional(
        row: dict[str, str], key: str, normalize: Callable[[str], Any], error: ErrorSink
    ) -> Any:
        """An optional value in its canonical form, or "" after reporting the rule it breaks."""
        if not row[key]:
            return ""
        try:
            return normalize(row[key])
        except ValidationError as exc:
            error(key, exc.messages[0])
            return ""

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        raise NotImplementedError

    # --- the shared procedure -------------------------------------------------------------
    @classmethod
    def field_specs(cls) -> list[sheets.FieldSpec]:
        return [
            sheets.FieldSpec(
                c.key, (c.header, c.key, *c.aliases), sheets.synonyms_for(c.header), c.required
            )
            for c in cls.columns
        ]

    def header_map(self, header_cells: Sequence[object]) -> dict[str, int]:
        return sheets.HeaderMatcher(self.field_specs()).match(header_cells).columns

    def read(
        self, source: sheets.Source, sheet: str | None = None
    ) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
        """Return (rows, errors): rows as (sheet row number, {key: text}). The header row is
        searched for on every sheet (or on `sheet`); rows above it, blank rows, 合计 rows and
        填表人/说明 footer lines are not data. `self.layout` tells what was found."""
        self.layout = {"sheet": "", "header_row": 0, "columns": {}, "ignored": [], "rows": {}}
        try:
            table = sheets.locate(
                open_workbook(source), sheets.HeaderMatcher(self.field_specs()), sheet
            )
        except ValueError as exc:
            return [], [RowError(0, "", str(exc))]
        grid, match = table.grid, table.match
        header = grid.rows[table.header_index]
        if self.mapping:
            match = self.remap(match, header)
        index, first_row = match.columns, grid.first_row
        hrow = table.header_row
        keys = {i: k for k, i in index.items()}
        self.layout["headers"] = [
            (i, str(h).strip(), keys.get(i, ""))
            for i, h in enumerate(header)
            if h not in (None, "")
        ]
        self.layout.update(
            sheet=grid.name,
            header_row=hrow,
            columns={k: str(header[i]).strip() for k, i in index.items()},
            ignored=list(match.unknown.values()),
        )
        missing = [c.header for c in self.columns if c.required and c.key not in index]
        if missing:
            expected = "、".join(c.header for c in self.columns)
            return [], [
                RowError(hrow, m, _("缺少必需的列。表头应为：%(e)s") % {"e": expected})
                for m in missing
            ]
        other = match.unknown
        required = [(c.key, c.header) for c in self.columns if c.required]
        absent = [c.key for c in self.columns if c.key not in index]
        pairs = list(index.items())
        header_texts = {k: cell_text(header[i]) for k, i in pairs}
        ignored_rows = self.layout["rows"]
        text = values.text
        empty = _("必填项为空")
        rows, errors = [], []
        for offset in range(table.header_index + 1, len(grid.rows)):
            cells = grid.rows[offset]
            kind = sheets.row_kind(cells)
            if kind:
                if kind != "blank":
                    ignored_rows[kind] = ignored_rows.get(kind, 0) + 1
                continue
            n = first_row + offset
            width = len(cells)
            row = {
                key: ("" if i >= width else c.strip() if type(c := cells[i]) is str else text(c))
                for key, i in pairs
            }
            if all(row[k] == h for k, h in header_texts.items()):
                ignored_rows["header"] = ignored_rows.get("header", 0) + 1
                continue  # the header repeated (a sheet printed page by page)
            row["_row"] = n
            # columns the importer does not declare (a campaign's extra fields, notes)
            row["_other"] = {
                h: text(cells[i])
                for i, h in other.items()
                if i < width and cells[i] not in (None, "")
            }
            for key in absent:
                row[key] = ""
            for key, label in required:
                if not row[key]:
                    errors.append(RowError(n, label, empty))
            rows.append((n, row))
        if not rows:
            errors.append(RowError(hrow + 1, "", _("文件没有数据行")))
        return rows, errors

    def remap(self, match: sheets.Match, header: Sequence[object]) -> sheets.Match:
        """The header match with the mapping step's choices applied over it."""
        keys = {c.key for c in self.columns}
        by_index = {i: k for k, i in match.columns.items()}
        for i, cell in enumerate(header):
            norm = sheets.normalise_header(cell)
            if cell in (None, "") or norm not in self.mapping:
                continue
            key = self.mapping[norm]
            by_index.pop(i, None)
            if key in keys:
                by_index = {j: k for j, k in by_index.items() if k != key}
                by_index[i] = key
        columns = {k: i for i, k in by_index.items()}
        unknown = {
            i: str(h).strip()
            for i, h in enumerate(header)
            if h not in (None, "") and i not in by_index
        }
        return sheets.Match(columns, unknown, match.score)

    PREVIEW_ROWS = 10

    def run(
        self,
        source: sheets.Source,
        skip_bad: bool = False,
        sheet: str | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        """Read, check and (unless `dry_run`, the mapping step's preview) write."""
        report = ImportReport(kind=self.kind)
        rows, errors = self.read(source, sheet=sheet)
        report.headers = self.layout.get("headers", [])
        report.sheet = self.layout["sheet"]
        report.header_row = self.layout["header_row"]
        report.columns = self.layout["columns"]
        report.ignored_columns = self.layout["ignored"]
        report.ignored_rows = self.layout["rows"]
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

            def error(
                key: str, reason: str, _errs: list[RowError] = row_errors, _n: int = n
            ) -> None:
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
        if dry_run:
            report.preview = [(n, self.preview_row(v)) for n, v in cleaned[: self.PREVIEW_ROWS]]
            return report
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
            report.notices = list(getattr(self, "notices", []))
        return report

    def preview_row(self, value: object) -> list[str]:
        """A cleaned row as it will be stored, one text per declared column."""
        data = value if isinstance(value, dict) else {}
        out = []
        for c in self.columns:
            v = data.get(c.key, "")
            if isinstance(v, list | tuple | set):
                v = "；".join(str(getattr(x, "name", x)) for x in v)
            out.append("" if v is None else str(v))
        return out

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


def safe_value(ws: Worksheet, value: object) -> object:
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


def write_xlsx(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    widths: Sequence[int] | None = None,
) -> bytes:
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


def register_importer(cls: type[Importer]) -> type[Importer]:
    IMPORTERS[cls.kind] = cls
    return cls


def _registrar(table: dict[str, Callable], doc: str) -> Callable[[str], Callable]:
    def register(kind: str) -> Callable[[F], F]:
        def wrap(fn: F) -> F:
            table[kind] = fn
            return fn

        return wrap

    register.__doc__ = doc
    return register


EXPORTERS: dict[str, Callable[..., bytes]] = {}
register_exporter = _registrar(
    EXPORTERS, "Register `fn(user, params) -> bytes`; `SYSTEM` is the command line."
)

TEXT_IMPORTERS: dict[str, Callable[..., ImportReport]] = {}
register_text_importer = _registrar(
    TEXT_IMPORTERS,
    "Register `fn(user, text, skip_bad) -> ImportReport` for plain-text files (chat exports).",
)
