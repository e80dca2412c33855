"""Work-order use-cases: the return visit (回访) and the redo (重办) it may order."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from ..models import WorkOrder
from .handling import update_handling
from .routing import deadline_for
from .stepinput import Plan, StepInput

if TYPE_CHECKING:
    from fugong.core.models import User

VISIT_HOURS = 72  # the command centre visits back within this (`workorder_visit_hours`)


def prepare_visit_back(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    """Resolved and satisfied: closed. Not resolved, or dissatisfied with a redo asked for
    (`decision="redo"`): 重办, back to the same unit with a new deadline. Dissatisfied but
    resolved: closed, the dissatisfaction recorded. A negative visit says why."""
    if data.resolved is None or data.satisfied is None:
        raise ValidationError({"resolved": _("请填写回访结果：问题是否解决、企业是否满意")})
    negative = not (data.resolved and data.satisfied)
    if negative and not data.comment.strip():
        raise ValidationError({"comment": _("未解决或不满意须写明原因")})
    late = order.visit_deadline is not None and now > order.visit_deadline
    plan.comment = "；".join(
        part
        for part in (
            _("已解决") if data.resolved else _("未解决"),
            _("满意") if data.satisfied else _("不满意"),
            _("逾期回访") if late else "",
            data.comment.strip(),
        )
        if part
    )
    plan.changes.update(
        visited_at=now,
        visit_resolved=data.resolved,
        visit_satisfied=data.satisfied,
        visit_comment=data.comment.strip()[:500],
    )
    if not data.resolved or (not data.satisfied and data.decision == "redo"):
        plan.row = plan.step = "redo"
        plan.changes.update(
            redos=F("redos") + 1, resolved_at=None, deadline=deadline_for(order, now)
        )


def after_visit_back(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    fields = {"rated": True, "satisfied": data.satisfied}
    if plan.row == "redo":
        fields.update(redos=F("redos") + 1, resolved_at=None, deadline=order.deadline)
    update_handling(order, **fields)
