"""Health use-cases: the gate."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core import crypto
from fugong.core.services import audit, record_step
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
    check_shape(direction, employee is not None, visitor is not None)
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
        for key, value in visitor_fields(visitor).items():
            setattr(row, key, value)
    row.temperature, refusals = verdict(direction, temperature, row.mask, threshold(campaign))
    if direction == GateCheck.Direction.IN and employee is not None:
        if declared is None:
            refusals.append(str(NOT_DECLARED))
        elif declared.abnormal:
            refusals.append(str(DECLARED_ABNORMAL))
        if employee.in_bubble and employee.left_bubble_at:
            refusals.append(str(LEFT_BUBBLE))
    row.admitted = not refusals
    row.refusal = "；".join(str(r) for r in refusals)[:200]
    return row


# the refusals that depend on the roster and the day's declarations (the batch path judges
# them in SQL with the same texts)
NOT_DECLARED = gettext_lazy("今日未做健康申报")
DECLARED_ABNORMAL = gettext_lazy("今日健康申报异常")
LEFT_BUBBLE = gettext_lazy("闭环人员出厂后不得返岗（需防疫专员核准）")


DIRECTIONS = frozenset(GateCheck.Direction.values)


def check_shape(direction: str, employee: bool, visitor: bool) -> None:
    """A passage goes in or out, of an employee or of a visitor (exactly one)."""
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": _("方向应为进或出")})
    if employee == visitor:
        raise ValidationError(_("请选择员工，或登记访客信息"))


def verdict(
    direction: str, temperature: object, mask: bool, limit: Decimal
) -> tuple[Decimal | None, list[str]]:
    """The temperature taken (or None) and the refusals that need no lookup: entry at or above
    the fever threshold, or without a mask."""
    refusals = []
    if direction == GateCheck.Direction.IN:
        if temperature in (None, ""):
            raise ValidationError({"temperature": _("进入须测量体温")})
        taken = _temperature(temperature)
        if taken >= limit:
            refusals.append(_("体温 %(t)s℃，达到 %(l)s℃") % {"t": taken, "l": limit})
        if not mask:
            refusals.append(_("未佩戴口罩"))
        return taken, refusals
    return (None if temperature in (None, "") else _temperature(temperature)), refusals


def visitor_fields(visitor: dict[str, Any]) -> dict[str, str]:
    """A visitor's details checked and cleaned as the gate check stores them (the phone
    encrypted and blind-indexed)."""
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
    return {
        "name": name[:50],
        "phone_enc": crypto.encrypt(phone),
        "phone_hash": crypto.blind_index(phone),
        "came_from": str(visitor["came_from"]).strip()[:100],
        "host": str(visitor["host"]).strip()[:50],
        "reason": str(visitor["reason"]).strip()[:100],
    }


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


def _fields(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


class BatchRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad items")
        self.errors = errors
