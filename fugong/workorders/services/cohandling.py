"""Work-order use-cases: co-handling (会签/协办), assisting units' sub-tasks."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fugong.core.models import Unit, User
from fugong.core.permissions import person
from fugong.core.services import working_deadline

from ..models import Assist, WorkOrder
from .stepinput import Plan, StepInput

ASSIST_HOURS = 48  # an assisting unit's sub-task is due after this (`workorder_assist_hours`)
ASSISTING_KINDS = (
    Unit.Kind.DEPARTMENT,
    Unit.Kind.TOWNSHIP,
    Unit.Kind.PARK,
    Unit.Kind.COMMAND_CENTRE,
)


def prepare_add_assist(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    unit = data.unit
    if unit is None or unit.kind not in ASSISTING_KINDS:
        raise ValidationError({"unit": _("请选择协办单位")})
    if unit.pk == order.unit_id:
        raise ValidationError({"unit": _("主办单位不能同时是协办单位")})
    if order.assists.filter(unit=unit, replied_at__isnull=True).exists():
        raise ValidationError({"unit": _("%(u)s 已有未答复的协办事项") % {"u": unit}})
    if not data.task.strip():
        raise ValidationError({"task": _("请写明协办事项")})
    plan.comment = _("请 %(u)s 协办：%(t)s") % {"u": unit, "t": data.task.strip()}


def after_add_assist(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    hours = (order.campaign.sla or {}).get("workorder_assist_hours", ASSIST_HOURS)
    due = working_deadline(hours, now)
    Assist.objects.create(
        order=order,
        unit=data.unit,
        task=data.task.strip(),
        deadline=min(due, order.deadline) if order.deadline else due,
        created_by=person(user),
        created_at=now,
    )
    plan.assist_unit = data.unit


def open_assist_of(user: User, order: WorkOrder) -> Assist | None:
    """The sub-task the user's unit has open on the order, if any."""
    if not getattr(user, "unit_id", None):
        return None
    return order.assists.filter(unit=user.unit_id, replied_at__isnull=True).first()


def prepare_reply_assist(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    if not data.comment.strip():
        raise ValidationError({"comment": _("请填写协办答复")})
    plan.comment = _("%(u)s 协办答复：%(c)s") % {"u": user.unit, "c": data.comment.strip()}


def after_reply_assist(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    order.assists.filter(unit=user.unit_id, replied_at__isnull=True).update(
        reply=data.comment.strip(), replied_at=now, replied_by=person(user)
    )


def sees_all_assists(user: User, order: WorkOrder) -> bool:
    return bool(user.coordinates or (order.unit_id and user.unit_id == order.unit_id))


def events_visible_to(user: User, order: WorkOrder) -> QuerySet:
    """The order's timeline for `user`: the co-handling steps only for those who see every
    sub-task (an assisting unit reads its own in its sub-task)."""
    events = order.events.select_related("user", "unit")
    if sees_all_assists(user, order):
        return events
    return events.exclude(action__in=("add_assist", "reply_assist"))


def assists_visible_to(user: User, order: WorkOrder) -> QuerySet:
    """The sub-tasks the user may read: all of them for the coordinating units and the lead
    unit, an assisting unit's own only, none for anyone else."""
    if sees_all_assists(user, order):
        return order.assists.select_related("unit")
    if user.is_government and user.unit_id:
        return order.assists.filter(unit=user.unit_id).select_related("unit")
    return order.assists.none()
