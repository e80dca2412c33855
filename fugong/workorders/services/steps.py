"""Work-order use-cases: what each action of the table checks and writes besides the state.

`prepare(action, …)` validates the action's input and returns a `Plan`: the row of the table
to move by (an action may choose between rows, as `visit_back` does between closing and a
redo), the name recorded in the timeline, and the further fields the move writes; `after()`
writes what lives beside the order (a refusal, the unit's stint for the scorecard)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fugong.core.services import working_deadline

from ..models import Category, WorkOrder
from . import cohandling, requests, visits
from .handling import open_handling, update_handling
from .routing import deadline_for, suggested_unit
from .stepinput import Plan, StepInput, check_unit, to_unit

if TYPE_CHECKING:
    from fugong.core.models import User


def _prepare_category(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    # dispatching without a category accepts the classifier's proposal
    category = (
        data.category
        or order.category
        or Category.objects.filter(code=order.proposed_label).first()
    )
    if category is not None:
        plan.changes["category"] = category
        order.category = category  # the routing below reads it


def _prepare_dispatch(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    _prepare_category(user, order, data, now, plan)
    unit = check_unit(order, data.unit or suggested_unit(order))
    plan.changes.update(to_unit(order, unit, now))


def _prepare_sign(user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    plan.changes.update(signed_at=now, deadline=deadline_for(order, now))


def _prepare_resolve(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    waiting = [str(a.unit) for a in order.assists.filter(replied_at__isnull=True)]
    if waiting:
        raise ValidationError(
            _("协办单位尚未答复（%(u)s），暂不能办结") % {"u": "、".join(waiting)}
        )
    plan.changes["resolved_at"] = now
    hours = (order.campaign.sla or {}).get("workorder_visit_hours", visits.VISIT_HOURS)
    plan.changes["visit_deadline"] = working_deadline(hours, now)


def _prepare_close(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    if not data.confirm_undelivered:
        short = order.undelivered_needs
        if short:
            raise ValidationError(
                {
                    "confirm_undelivered": _("需求尚未全部解决（%(n)s），请确认后再关闭")
                    % {
                        "n": "、".join(
                            f"{n.get_kind_display()}{n.label} 需求 {n.requested:,.0f}，"
                            f"已解决 {n.delivered:,.0f}"
                            for n in short
                        )
                    }
                }
            )
    if data.rating is not None:
        if not 1 <= int(data.rating) <= 5:
            raise ValidationError({"rating": _("评价应为 1 到 5 分")})
        plan.changes["rating"], plan.changes["rating_comment"] = (
            int(data.rating),
            data.comment[:500],
        )


SATISFIED_RATING = 4  # an enterprise's rating of 4 or 5 stars counts as satisfied


def _after_close(user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    if data.rating is not None:
        update_handling(order, rated=True, satisfied=int(data.rating) >= SATISFIED_RATING)


def _after_dispatch(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    open_handling(order, order.unit, now)


def _after_sign(user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    update_handling(order, signed_at=now, deadline=order.deadline)


def _after_resolve(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    update_handling(order, resolved_at=now, overdue=bool(order.deadline and now > order.deadline))


Hook = Callable[[object, WorkOrder, StepInput, datetime, Plan], None]

PREPARE: dict[str, Hook] = {
    "triage": _prepare_category,
    "dispatch": _prepare_dispatch,
    "sign": _prepare_sign,
    "resolve": _prepare_resolve,
    "return": requests.prepare_return,
    "rule_return": requests.prepare_rule_return,
    "close": _prepare_close,
    "request_extension": requests.prepare_request_extension,
    "decide_extension": requests.prepare_decide_extension,
    "add_assist": cohandling.prepare_add_assist,
    "reply_assist": cohandling.prepare_reply_assist,
    "visit_back": visits.prepare_visit_back,
    "ask": requests.prepare_ask,
    "answer": requests.prepare_answer,
}
AFTER: dict[str, Hook] = {
    "dispatch": _after_dispatch,
    "sign": _after_sign,
    "resolve": _after_resolve,
    "return": requests.after_return,
    "rule_return": requests.after_rule_return,
    "request_extension": requests.after_request_extension,
    "decide_extension": requests.after_decide_extension,
    "add_assist": cohandling.after_add_assist,
    "reply_assist": cohandling.after_reply_assist,
    "answer": requests.after_answer,
    "visit_back": visits.after_visit_back,
    "close": _after_close,
}


def prepare(action: str, user: User, order: WorkOrder, data: StepInput, now: datetime) -> Plan:
    plan = Plan(row=action, comment=data.comment)
    plan.changes["updated_at"] = now
    if action in PREPARE:
        PREPARE[action](user, order, data, now, plan)
    return plan


def after(
    action: str, user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    if action in AFTER:
        AFTER[action](user, order, data, now, plan)
