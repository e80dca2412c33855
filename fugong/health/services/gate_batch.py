"""Health use-cases: a gate device's batch upload.

Every item is checked as at the gate page, all or nothing. The rules that need no lookup
(time, direction, employee or visitor, temperature, mask, the campaign of the day) run in
Python; the ones that need the roster and the day's declarations run set-based on PostgreSQL:
the batch is COPYed into a staging table (temporary, dropped at commit) and judged and saved by
one INSERT … SELECT joining the roster and the declarations. Other databases judge the rows
one by one (`gate.passage`) with the lookups made once per batch."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import crypto
from fugong.core.services import audit, campaign_for

from ..models import Declaration, Employee, GateCheck
from .access import threshold
from .gate import (
    DECLARED_ABNORMAL,
    LEFT_BUBBLE,
    NOT_DECLARED,
    BatchRejected,
    _fields,
    _may_guard,
    check_shape,
    passage,
    verdict,
    visitor_fields,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise

    Parsed = tuple[int, dict[str, Any], datetime.datetime, str | None]


@dataclass
class GateBatch:
    """What a batch upload saved: how many rows, and the refused ones as (index, why)."""

    saved: int
    refusals: list[tuple[int, str]]


@dataclass
class Upload:
    """A batch parsed: the items with their time and ID hash, the errors so far, the campaign
    of each day."""

    user: Actor
    enterprise: Enterprise
    parsed: list[Parsed]
    errors: list
    campaigns: dict


def astuple_shallow(upload: Upload) -> tuple:
    return upload.user, upload.enterprise, upload.parsed, upload.errors, upload.campaigns


def ingest_gate_batch(
    user: Actor, enterprise: Enterprise, items: list[dict[str, Any]]
) -> GateBatch:
    """A gate device's batch: every item judged as at the gate page and recorded, or — if any
    item is malformed — none, raising `BatchRejected` with every bad item's index and fields."""
    _may_guard(user, enterprise)
    parsed, errors = _parse(items, timezone.now())
    tz = timezone.get_current_timezone()
    days = {at.astimezone(tz).date() for _n, _i, at, _h in parsed}
    campaigns = {day: campaign_for(enterprise, day) for day in days}
    upload = Upload(user, enterprise, parsed, errors, campaigns)
    return (_set_based if connection.vendor == "postgresql" else _row_by_row)(upload)


def _parse(items: list[dict[str, Any]], now: datetime.datetime) -> tuple[list[Parsed], list]:
    """Each item's time (aware, not in the future) and the keyed hash of its ID number."""
    parsed, errors, hashes = [], [], {}
    latest = now + datetime.timedelta(minutes=5)
    for n, item in enumerate(items):
        try:
            at = item.get("at") or now
            if isinstance(at, str):
                at = datetime.datetime.fromisoformat(at)
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
            if at > latest:
                raise ValidationError({"at": _("时间不能晚于现在")})
        except ValidationError as exc:
            errors.append({"index": n, "fields": _fields(exc)})
            continue
        number = item.get("id_number")
        id_hash = None
        if number:
            id_hash = hashes.get(number)
            if id_hash is None:
                id_hash = hashes[number] = crypto.blind_index(str(number).strip().upper())
        parsed.append((n, item, at, id_hash))
    return parsed, errors


def _on_roster(upload: Upload, known: Callable[[str], bool]) -> Iterator[tuple]:
    """The parsed items of employees on the roster (and of visitors), with their day; an
    unknown ID number is the item's error, before any other."""
    tz = timezone.get_current_timezone()  # once: timezone.localdate per row costs
    for n, item, at, id_hash in upload.parsed:
        if id_hash is not None and not known(id_hash):
            upload.errors.append({"index": n, "fields": {"id_number": [_("不在本企业名册中")]}})
            continue
        yield n, item, at, id_hash, at.astimezone(tz).date()


def _no_campaign() -> ValidationError:
    return ValidationError(_("当前没有覆盖本企业的应急事件"))


def _reject_if(errors: list) -> None:
    if errors:
        raise BatchRejected(sorted(errors, key=lambda e: e["index"]))


STAGING = (
    "idx integer, campaign_id bigint, day date, at timestamptz, direction varchar(3), "
    "id_hash varchar(64), name varchar(50), phone_enc text, phone_hash varchar(64), "
    "came_from varchar(100), host varchar(50), reason varchar(100), temperature numeric(3, 1), "
    "mask boolean, refusal text, device varchar(60)"
)

# the staged rows judged against the roster and the day's declarations, saved, and the first
# time each bubble employee of the batch left recorded unless already out — one statement (its
# parts see the roster as it was before the batch, as the row-by-row path does)
JUDGE = """
WITH {staging}judged AS (
    SELECT s.*, e.id AS employee_id, concat_ws(%(sep)s, NULLIF(s.refusal, ''),
        CASE WHEN s.direction = 'in' AND e.id IS NOT NULL AND d.id IS NULL THEN %(undeclared)s
             WHEN s.direction = 'in' AND d.abnormal THEN %(abnormal)s END,
        CASE WHEN s.direction = 'in' AND e.in_bubble AND e.left_bubble_at IS NOT NULL
             THEN %(left)s END) AS verdict
    FROM gate_staging s
    LEFT JOIN health_employee e ON e.enterprise_id = %(enterprise)s AND e.id_hash = s.id_hash
    LEFT JOIN health_declaration d
        ON d.enterprise_id = %(enterprise)s AND d.employee_id = e.id AND d.day = s.day
        AND d.day = ANY(%(days)s)
), saved AS (
    INSERT INTO health_gatecheck (campaign_id, enterprise_id, day, at, direction, employee_id,
        name, phone_enc, phone_hash, came_from, host, reason, temperature, mask, admitted,
        refusal, guard_id, device)
    SELECT campaign_id, %(enterprise)s, day, at, direction, employee_id, name, phone_enc,
        phone_hash, came_from, host, reason, temperature, mask, verdict = '', left(verdict, 200),
        %(guard)s, device
    FROM judged ORDER BY idx
), bubble_out AS (
    UPDATE health_employee e SET left_bubble_at = o.first_out
    FROM (SELECT x.id, min(s.at) AS first_out FROM gate_staging s
          JOIN health_employee x ON x.enterprise_id = %(enterprise)s AND x.id_hash = s.id_hash
          WHERE s.direction = 'out' AND x.in_bubble GROUP BY x.id) o
    WHERE e.enterprise_id = %(enterprise)s AND e.id = o.id AND e.left_bubble_at IS NULL
)
SELECT idx, left(verdict, 200) FROM judged WHERE verdict <> '' ORDER BY idx
"""

# up to this many rows are staged as a VALUES list in the statement itself; more are COPYed
# into a temporary table (creating and dropping it costs more than a small batch's rows)
INLINE_ROWS = 50
STAGING_TYPES = [column.split(" ", 1) for column in re.split(r", (?![^(]*\))", STAGING)]


def _inline_staging(rows: list[tuple]) -> tuple[str, dict[str, Any]]:
    """The `gate_staging AS (VALUES …)` of a small batch and its (named) parameters."""
    names = ", ".join(name for name, _t in STAGING_TYPES)
    values, params = [], {}
    for r, row in enumerate(rows):
        cells = []
        for c, ((_name, kind), value) in enumerate(zip(STAGING_TYPES, row, strict=True)):
            params[f"r{r}_{c}"] = value
            cells.append(f"%(r{r}_{c})s::{kind}")
        values.append("(" + ", ".join(cells) + ")")
    return f"gate_staging ({names}) AS (VALUES {', '.join(values)}), ", params


def _set_based(upload: Upload) -> GateBatch:
    user, enterprise, parsed, errors, campaigns = astuple_shallow(upload)
    limits = {day: threshold(c) for day, c in campaigns.items() if c is not None}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_hash FROM health_employee WHERE enterprise_id = %s AND id_hash = ANY(%s)",
            [enterprise.pk, list({h for *_x, h in parsed if h})],
        )
        on_roster = {h for (h,) in cursor.fetchall()}
    staged = []
    blank = ("", "", "", "", "", "")
    for n, item, at, id_hash, day in _on_roster(upload, on_roster.__contains__):
        try:
            if campaigns[day] is None:
                raise _no_campaign()
            direction = item.get("direction", "in")
            visitor = item.get("visitor") if id_hash is None else None
            check_shape(direction, id_hash is not None, visitor is not None)
            who = tuple(visitor_fields(visitor).values()) if visitor is not None else blank
            mask = bool(item.get("mask", True))
            taken, refusals = verdict(direction, item.get("temperature"), mask, limits[day])
        except ValidationError as exc:
            errors.append({"index": n, "fields": _fields(exc)})
            continue
        device = str(item.get("device") or "")[:60]
        refusal = "；".join(refusals)
        staged.append(
            (n, campaigns[day].pk, day, at, direction, id_hash, *who, taken, mask, refusal, device)
        )
    _reject_if(errors)
    params = {
        "sep": "；",
        "undeclared": str(NOT_DECLARED),
        "abnormal": str(DECLARED_ABNORMAL),
        "left": str(LEFT_BUBBLE),
        "enterprise": enterprise.pk,
        "guard": user.pk or None,
        # the batch's days as constants: the planner prunes the declarations' day partitions
        # (a join on s.day alone plans every partition: 4 ms for a batch of one)
        "days": sorted(campaigns),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if not staged:
            refused = []  # an empty batch: nothing to judge (a VALUES list needs a row)
        elif len(staged) <= INLINE_ROWS:
            staging, values = _inline_staging(staged)
            cursor.execute(JUDGE.format(staging=staging), {**params, **values})
            refused = cursor.fetchall()
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE gate_staging ({STAGING}) ON COMMIT DROP")
            with cursor.cursor.copy("COPY gate_staging FROM STDIN") as copy:
                for row in staged:
                    copy.write_row(row)
            cursor.execute(JUDGE.format(staging=""), params)
            refused = cursor.fetchall()
            cursor.execute("DROP TABLE gate_staging")
        audit(user, "import", target_type="health.gatecheck", detail={"rows": len(staged)})
    return GateBatch(len(staged), refused)


def _row_by_row(upload: Upload) -> GateBatch:
    user, enterprise, parsed, errors, campaigns = astuple_shallow(upload)
    hashes = list({h for *_x, h in parsed if h})
    by_hash = {}
    for part in range(0, len(hashes), 5000):
        chunk = hashes[part : part + 5000]
        by_hash.update(
            (e.id_hash, e)
            for e in Employee.objects.filter(enterprise=enterprise, id_hash__in=chunk)
        )
    declared = {
        (d.employee_id, d.day): d
        for d in Declaration.objects.filter(
            enterprise=enterprise,
            day__in=campaigns,
            employee_id__in={e.pk for e in by_hash.values()},
        )
    }
    rows = []
    for n, item, at, id_hash, day in _on_roster(upload, by_hash.__contains__):
        employee = by_hash.get(id_hash) if id_hash else None
        try:
            if campaigns[day] is None:
                raise _no_campaign()
            rows.append(
                passage(
                    user,
                    enterprise,
                    campaigns[day],
                    direction=item.get("direction", "in"),
                    temperature=item.get("temperature"),
                    mask=item.get("mask", True),
                    employee=employee,
                    visitor=item.get("visitor") if employee is None else None,
                    at=at,
                    device=str(item.get("device") or ""),
                    declared=declared.get((employee.pk, day)) if employee else None,
                )
            )
        except ValidationError as exc:
            errors.append({"index": n, "fields": _fields(exc)})
    _reject_if(errors)
    with transaction.atomic():
        GateCheck.objects.bulk_create(rows, batch_size=2000)
        bubble_out = {}  # the first time each bubble employee left
        for r in sorted(rows, key=lambda r: r.at):
            if r.employee_id and r.direction == "out" and r.employee.in_bubble:
                bubble_out.setdefault(r.employee_id, r.at)
        for employee_id, at in bubble_out.items():
            Employee.objects.filter(
                enterprise=enterprise, pk=employee_id, left_bubble_at=None
            ).update(left_bubble_at=at)
        audit(user, "import", target_type="health.gatecheck", detail={"rows": len(rows)})
    refused = [(n, r.refusal) for n, r in enumerate(rows) if not r.admitted]
    return GateBatch(len(rows), refused)
