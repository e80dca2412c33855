"""Health use-cases: the gate."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import crypto
from fugong.core.services import audit, campaign_for, record_step
from fugong.core.validators import normalize_mobile
from fugong.registry.models import (
    enterprise_id_of,
)

from ..models import (
    Declaration,
    Employee,
    GateCheck,
)
from .access import _campaign, may_unmask, threshold
from .declarations import _temperature

if TYPE_CHECKING:
    from typing import Any

    from fugong.core.excel import RowError
    from fugong.core.models import Campaign
    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


def _may_guard(user: Actor, enterprise: Enterprise) -> None:
    if enterprise_id_of(user) != enterprise.pk:
        raise PermissionError(_("只有本企业的账号和门岗设备可以登记进出"))


def check(
    user: Actor,
    enterprise: Enterprise,
    *,
    direction: str,
    temperature: object = None,
    mask: bool = True,
    employee: Employee | None = None,
    visitor: str | None = None,
    at: datetime.datetime | None = None,
    device: str = "",
) -> GateCheck:
    """One passage at the gate, judged and saved, admitted or refused.

    Entry is refused at or above the campaign's fever threshold, without a mask, for an
    employee without today's declaration or with an abnormal one, and for a closed-loop
    (bubble) employee who has left. Leaving marks a bubble employee out."""
    _may_guard(user, enterprise)
    at = at or timezone.now()
    day = timezone.localdate(at)
    declared = (
        Declaration.objects.filter(enterprise=enterprise, employee=employee, day=day).first()
        if employee
        else None
    )
    row = passage(
        user,
        enterprise,
        _campaign(enterprise, day),
        direction=direction,
        temperature=temperature,
        mask=mask,
        employee=employee,
        visitor=visitor,
        at=at,
        device=device,
        declared=declared,
    )
    with transaction.atomic():
        row.save()
        if (
            employee is not None
            and direction == GateCheck.Direction.OUT
            and employee.in_bubble
            and employee.left_bubble_at is None
        ):
            Employee.objects.filter(enterprise=enterprise, pk=employee.pk).update(left_bubble_at=at)
            employee.left_bubble_at = at
    return row


def passage(
    user: Actor,
    enterprise: Enterprise,
    campaign: Campaign,
    *,
    direction: str,
    temperature: object,
    mask: bool,
    employee: Employee | None,
    visitor: str | None,
    at: datetime.datetime,
    device: str,
    declared: Declaration | None,
) -> GateCheck:
    """The gate check `check` saves, judged from what the caller looked up (no queries: the
    batch upload looks everything up at once)."""
    if direction not in GateCheck.Direction.values:
        raise ValidationError({"direction": _("方向应为进或出")})
    if (employee is None) == (visitor is None):
        raise ValidationError(_("请选择员工，或登记访客信息"))
    row = GateCheck(
        campaign=campaign,
        enterprise=enterprise,
        day=timezone.localdate(at),
        at=at,
        direction=direction,
        employee=employee,
        mask=bool(mask),
        guard=user if user.pk else None,
        device=device[:60],
    )
    if visitor is not None:
        name = str(visitor.get("name") or "").strip()
        errors = {}
        if not name:
            errors["name"] = [_("请填写访客姓名")]
        phone = str(visitor.get("phone") or "").strip()
        try:
            phone = normalize_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
        for key, label in (
            ("came_from", _("来自何处")),
            ("host", _("被访人")),
            ("reason", _("事由")),
        ):
            if not str(visitor.get(key) or "").strip():
                errors[key] = [_("请填写%(f)s") % {"f": label}]
        if errors:
            raise ValidationError(errors)
        row.name = name[:50]
        row.phone_enc, row.phone_hash = crypto.encrypt(phone), crypto.blind_index(phone)
        row.came_from = str(visitor["came_from"]).strip()[:100]
        row.host = str(visitor["host"]).strip()[:50]
        row.reason = str(visitor["reason"]).strip()[:100]
    refusals = []
    if direction == GateCheck.Direction.IN:
        if temperature in (None, ""):
            raise ValidationError({"temperature": _("进入须测量体温")})
        row.temperature = _temperature(temperature)
        limit = threshold(campaign)
        if row.temperature >= limit:
            refusals.append(_("体温 %(t)s℃，达到 %(l)s℃") % {"t": row.temperature, "l": limit})
        if not row.mask:
            refusals.append(_("未佩戴口罩"))
        if employee is not None:
            if declared is None:
                refusals.append(_("今日未做健康申报"))
            elif declared.abnormal:
                refusals.append(_("今日健康申报异常"))
            if employee.in_bubble and employee.left_bubble_at:
                refusals.append(_("闭环人员出厂后不得返岗（需防疫专员核准）"))
    elif temperature not in (None, ""):
        row.temperature = _temperature(temperature)
    row.admitted = not refusals
    row.refusal = "；".join(str(r) for r in refusals)[:200]
    return row


@transaction.atomic
def readmit(user: Actor, employee: Employee, reason: str) -> Employee:
    """The health officer lets a bubble employee who left back in, with a reason."""
    if not may_unmask(user, employee.enterprise):
        raise PermissionError(_("只有本企业的防疫专员可以核准返岗"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("核准返岗须说明理由（如：已完成隔离检测）")})
    if employee.left_bubble_at is None:
        raise ValidationError(_("该员工没有离开闭环"))
    Employee.objects.filter(enterprise_id=employee.enterprise_id, pk=employee.pk).update(
        left_bubble_at=None
    )
    record_step(employee, "readmit", user, comment=reason.strip())
    audit(user, "update", employee, detail={"action": "readmit", "reason": reason.strip()})
    employee.left_bubble_at = None
    return employee


def ingest_gate_batch(
    user: Actor, enterprise: Enterprise, items: list[dict[str, Any]]
) -> list[GateCheck]:
    """A gate device's batch: every item judged as at the gate page and recorded, or — if any
    item is malformed — none, with every bad item's index and fields. Lookups (the roster by
    keyed hash, the days' declarations, the campaign) are made once for the batch. Returns the
    saved rows."""
    _may_guard(user, enterprise)
    now = timezone.now()
    hashes = list(
        {
            crypto.blind_index(str(i["id_number"]).strip().upper())
            for i in items
            if i.get("id_number")
        }
    )
    by_hash = {}
    for part in range(0, len(hashes), 5000):
        chunk = hashes[part : part + 5000]
        by_hash.update(
            (e.id_hash, e)
            for e in Employee.objects.filter(enterprise=enterprise, id_hash__in=chunk)
        )
    parsed, errors = [], []
    for n, item in enumerate(items):
        try:
            at = item.get("at") or now
            if isinstance(at, str):
                at = datetime.datetime.fromisoformat(at)
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
            if at > now + datetime.timedelta(minutes=5):
                raise ValidationError({"at": _("时间不能晚于现在")})
            employee = None
            if item.get("id_number"):
                employee = by_hash.get(crypto.blind_index(str(item["id_number"]).strip().upper()))
                if employee is None:
                    raise ValidationError({"id_number": _("不在本企业名册中")})
            parsed.append((n, item, at, employee))
        except ValidationError as exc:
            errors.append({"index": n, "fields": _fields(exc)})
    days = {timezone.localdate(at) for _n, _i, at, _e in parsed}
    campaigns = {day: campaign_for(enterprise, day) for day in days}
    declared = {
        (d.employee_id, d.day): d
        for d in Declaration.objects.filter(
            enterprise=enterprise,
            day__in=days,
            employee_id__in={e.pk for *_x, e in parsed if e is not None},
        )
    }
    rows = []
    for n, item, at, employee in parsed:
        day = timezone.localdate(at)
        try:
            if campaigns[day] is None:
                raise ValidationError(_("当前没有覆盖本企业的应急事件"))
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
    if errors:
        raise BatchRejected(sorted(errors, key=lambda e: e["index"]))
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
    return rows


def _fields(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


class BatchRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad items")
        self.errors = errors
