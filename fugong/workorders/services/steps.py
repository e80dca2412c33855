"""Work-order use-cases: what each action of the table checks and writes besides the state.

`prepare(action, …)` validates the action's input and returns a `Plan`: the row of the table
to move by (an action may choose between rows, as `visit_back` does between closing and a
redo), the name recorded in the timeline, and the further fields the move writes; `after()`
writes what lives beside the order (a refusal, the unit's stint for the scorecard)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.models import Unit
from fugong.core.permissions import person
from fugong.core.services import working_deadline

from ..models import Assist, Category, Extension, Refusal, WorkOrder
from .handling import open_handling, update_handling
from .routing import deadline_for, sign_deadline_for, suggested_unit


@dataclass
class StepInput:
    """What a user sends with an action (each action reads the fields it needs)."""

    comment: str = ""
    unit: Unit | None = None
    category: Category | None = None
    rating: int | None = None
    confirm_undelivered: bool = False
    reason: str = ""
    rule: str = ""
    decision: str = ""
    until: date | datetime | None = None
    task: str = ""
    resolved: bool | None = None
    satisfied: bool | None = None


@dataclass
class Plan:
    row: str
    step: str = ""
    comment: str = ""
    changes: dict = field(default_factory=dict)
    assist_unit: Unit | None = None  # the unit a new sub-task reaches (it is told)


def _check_unit(order: WorkOrder, unit: Unit | None) -> Unit:
    if unit is None:
        raise ValidationError({"unit": _("请选择承办单位")})
    if not order.enterprise.region.path.startswith(unit.region.path):
        raise ValidationError({"unit": _("%(u)s 的辖区不包含该企业") % {"u": unit}})
    return unit


def _to_unit(order: WorkOrder, unit: Unit, now: datetime) -> dict:
    """The fields of sending the order to `unit`: the clock starts at its sign-for, so until
    then the order's deadline is the sign-for's."""
    due = sign_deadline_for(order, now)
    return {"unit": unit, "sign_deadline": due, "deadline": due, "signed_at": None}


def _prepare_category(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    # dispatching without a category accepts the classifier's proposal
    category = (
        data.category
        or order.category
        or Category.objects.filter(code=order.proposed_label).first()
    )
    if category is not None:
        plan.changes["category"] = category
        order.category = category  # the routing below reads it


def _prepare_dispatch(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    _prepare_category(user, order, data, now, plan)
    unit = _check_unit(order, data.unit or suggested_unit(order))
    plan.changes.update(_to_unit(order, unit, now))


def _prepare_sign(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    plan.changes.update(signed_at=now, deadline=deadline_for(order, now))


VISIT_HOURS = 72  # the command centre visits back within this (`workorder_visit_hours`)


def _prepare_resolve(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    waiting = [str(a.unit) for a in order.assists.filter(replied_at__isnull=True)]
    if waiting:
        raise ValidationError(
            _("协办单位尚未答复（%(u)s），暂不能办结") % {"u": "、".join(waiting)}
        )
    plan.changes["resolved_at"] = now
    hours = (order.campaign.sla or {}).get("workorder_visit_hours", VISIT_HOURS)
    plan.changes["visit_deadline"] = working_deadline(hours, now)


def _prepare_visit_back(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
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


def _after_visit_back(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    fields = {"rated": True, "satisfied": data.satisfied}
    if plan.row == "redo":
        fields.update(redos=F("redos") + 1, resolved_at=None, deadline=order.deadline)
    update_handling(order, **fields)


ASSIST_HOURS = 48  # an assisting unit's sub-task is due after this (`workorder_assist_hours`)
ASSISTING_KINDS = (
    Unit.Kind.DEPARTMENT,
    Unit.Kind.TOWNSHIP,
    Unit.Kind.PARK,
    Unit.Kind.COMMAND_CENTRE,
)


def _prepare_add_assist(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
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


def _after_add_assist(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
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


def open_assist_of(user, order: WorkOrder) -> Assist | None:
    """The sub-task the user's unit has open on the order, if any."""
    if not getattr(user, "unit_id", None):
        return None
    return order.assists.filter(unit=user.unit_id, replied_at__isnull=True).first()


def _prepare_reply_assist(
    user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    if not data.comment.strip():
        raise ValidationError({"comment": _("请填写协办答复")})
    plan.comment = _("%(u)s 协办答复：%(c)s") % {"u": user.unit, "c": data.comment.strip()}


def _after_reply_assist(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    order.assists.filter(unit=user.unit_id, replied_at__isnull=True).update(
        reply=data.comment.strip(), replied_at=now, replied_by=person(user)
    )


def sees_all_assists(user, order: WorkOrder) -> bool:
    return bool(user.coordinates or (order.unit_id and user.unit_id == order.unit_id))


def events_visible_to(user, order: WorkOrder):
    """The order's timeline for `user`: the co-handling steps only for those who see every
    sub-task (an assisting unit reads its own in its sub-task)."""
    events = order.events.select_related("user", "unit")
    if sees_all_assists(user, order):
        return events
    return events.exclude(action__in=("add_assist", "reply_assist"))


def assists_visible_to(user, order: WorkOrder):
    """The sub-tasks the user may read: all of them for the coordinating units and the lead
    unit, an assisting unit's own only, none for anyone else."""
    if sees_all_assists(user, order):
        return order.assists.select_related("unit")
    if user.is_government and user.unit_id:
        return order.assists.filter(unit=user.unit_id).select_related("unit")
    return order.assists.none()


def _prepare_return(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    if data.reason not in Refusal.Reason.values:
        reasons = "、".join(map(str, Refusal.Reason.labels))
        raise ValidationError({"reason": _("请选择退单理由：%(r)s") % {"r": reasons}})
    if not data.comment.strip():
        raise ValidationError({"comment": _("退单必须说明理由")})
    if data.reason == Refusal.Reason.NOT_OURS and not data.rule.strip():
        raise ValidationError(
            {"rule": _("以“非本单位职责”退单须写明依据（三定规定或职责清单条款）")}
        )
    if data.unit is not None:
        _check_unit(order, data.unit)
    plan.comment = f"{Refusal.Reason(data.reason).label}：{data.comment.strip()}" + (
        f"（{_('依据')}：{data.rule.strip()}）" if data.rule.strip() else ""
    )


def _after_return(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    Refusal.objects.create(
        order=order,
        unit=order.unit,
        reason=data.reason,
        rule=data.rule.strip()[:200],
        comment=data.comment.strip(),
        suggested_unit=data.unit,
        created_by=person(user),
        created_at=now,
    )
    handling = order.handlings.filter(current=True).first()
    if handling is not None:
        update_handling(order, refusals=handling.refusals + 1)


def _rule_on(requests, decision: str, user, now: datetime) -> int:
    """Decide the pending request among `requests` (a refusal, an extension)."""
    return requests.filter(decision="pending").update(
        decision=decision, decided_by=person(user), decided_at=now
    )


def pending_refusal(order: WorkOrder) -> Refusal | None:
    return order.refusals.filter(decision=Refusal.Decision.PENDING).first()


def _prepare_rule_return(
    user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    """Upheld: re-dispatched to `unit` (by default the one the refusal suggested), its clock
    starting at its sign-for; rejected: back to the unit, whose deadline kept running."""
    refusal = pending_refusal(order)
    if data.decision == "accept":
        unit = _check_unit(order, data.unit or (refusal.suggested_unit if refusal else None))
        if unit == order.unit:
            raise ValidationError({"unit": _("同意退单须改派给其他单位")})
        plan.step = "uphold_return"
        plan.changes.update(_to_unit(order, unit, now))
    elif data.decision == "reject":
        if not data.comment.strip():
            raise ValidationError({"comment": _("驳回退单须说明理由")})
        plan.step = "reject_return"
    else:
        raise ValidationError({"decision": _("请选择同意（accept）或驳回（reject）")})


def _after_rule_return(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    upheld = plan.step == "uphold_return"
    _rule_on(
        order.refusals, Refusal.Decision.UPHELD if upheld else Refusal.Decision.REJECTED, user, now
    )
    if upheld:
        update_handling(order, refusal_upheld=True)
        open_handling(order, order.unit, now)


EXTENSIONS = 1  # extensions an order may have (campaign SLA `workorder_extensions`)


def extension_limit(order: WorkOrder) -> int:
    return int((order.campaign.sla or {}).get("workorder_extensions", EXTENSIONS))


def pending_extension(order: WorkOrder) -> Extension | None:
    return order.extension_requests.filter(decision=Extension.Decision.PENDING).first()


def _until(value: date | datetime | None) -> datetime | None:
    """A requested date is due at the close of that day (18:00)."""
    if value is None or isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time(18, 0)))


def _prepare_request_extension(
    user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    until = _until(data.until)
    if until is None:
        raise ValidationError({"until": _("请填写申请延期至的日期")})
    if not data.reason.strip():
        raise ValidationError({"reason": _("请说明延期理由")})
    if order.deadline and now >= order.deadline:
        raise ValidationError({"until": _("已超过办理时限，不能再申请延期")})
    if order.deadline and until <= order.deadline:
        raise ValidationError({"until": _("延期日期应晚于当前办理时限")})
    if pending_extension(order) is not None:
        raise ValidationError({"until": _("已有一项延期申请待审核")})
    if order.extensions >= extension_limit(order):
        raise ValidationError(
            {"until": _("每张工单最多延期 %(n)d 次") % {"n": extension_limit(order)}}
        )
    plan.comment = _("申请延期至 %(d)s：%(r)s") % {
        "d": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
        "r": data.reason.strip(),
    }


def _after_request_extension(
    user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    Extension.objects.create(
        order=order,
        unit=order.unit,
        until=_until(data.until),
        previous_deadline=order.deadline or now,
        reason=data.reason.strip(),
        requested_by=person(user),
        requested_at=now,
    )


def _prepare_decide_extension(
    user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    """Approved: the deadline becomes the requested date and the enterprise is told it."""
    request = pending_extension(order)
    if request is None:
        raise ValidationError({"decision": _("没有待审核的延期申请")})
    if data.decision == "approve":
        plan.step = "approve_extension"
        plan.changes.update(deadline=request.until, extensions=F("extensions") + 1)
        plan.comment = _("同意延期至 %(d)s") % {
            "d": timezone.localtime(request.until).strftime("%Y-%m-%d %H:%M")
        } + (f"：{data.comment.strip()}" if data.comment.strip() else "")
    elif data.decision == "reject":
        if not data.comment.strip():
            raise ValidationError({"comment": _("驳回延期须说明理由")})
        plan.step = "reject_extension"
    else:
        raise ValidationError({"decision": _("请选择同意（approve）或驳回（reject）")})


def _after_decide_extension(
    user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    approved = plan.step == "approve_extension"
    decision = Extension.Decision.APPROVED if approved else Extension.Decision.REJECTED
    _rule_on(order.extension_requests, decision, user, now)
    if approved:
        update_handling(order, deadline=order.deadline, extensions=F("extensions") + 1)


def _prepare_ask(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    if not data.comment.strip():
        raise ValidationError({"comment": _("请写明需要企业答复的问题")})
    plan.changes["paused_since"] = now


def _prepare_answer(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    """The clock runs again: the deadline moves on by the time the question waited."""
    if not data.comment.strip():
        raise ValidationError({"comment": _("请填写答复内容")})
    paused = now - (order.paused_since or now)
    plan.changes.update(
        paused_since=None,
        paused_seconds=F("paused_seconds") + int(paused.total_seconds()),
        deadline=order.deadline + paused if order.deadline else None,
    )


def _after_answer(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    update_handling(order, deadline=order.deadline)


def paused_for(order: WorkOrder, now: datetime | None = None) -> timedelta:
    """How long the order's clock has stood still, the present pause included."""
    total = timedelta(seconds=order.paused_seconds)
    if order.paused_since:
        total += (now or timezone.now()) - order.paused_since
    return total


def _prepare_close(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
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


def _after_close(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    if data.rating is not None:
        update_handling(order, rated=True, satisfied=int(data.rating) >= SATISFIED_RATING)


def _after_dispatch(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    open_handling(order, order.unit, now)


def _after_sign(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    update_handling(order, signed_at=now, deadline=order.deadline)


def _after_resolve(user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    update_handling(order, resolved_at=now, overdue=bool(order.deadline and now > order.deadline))


Hook = Callable[[object, WorkOrder, StepInput, datetime, Plan], None]

PREPARE: dict[str, Hook] = {
    "triage": _prepare_category,
    "dispatch": _prepare_dispatch,
    "sign": _prepare_sign,
    "resolve": _prepare_resolve,
    "return": _prepare_return,
    "rule_return": _prepare_rule_return,
    "close": _prepare_close,
    "request_extension": _prepare_request_extension,
    "decide_extension": _prepare_decide_extension,
    "add_assist": _prepare_add_assist,
    "reply_assist": _prepare_reply_assist,
    "visit_back": _prepare_visit_back,
    "ask": _prepare_ask,
    "answer": _prepare_answer,
}
AFTER: dict[str, Hook] = {
    "dispatch": _after_dispatch,
    "sign": _after_sign,
    "resolve": _after_resolve,
    "return": _after_return,
    "rule_return": _after_rule_return,
    "request_extension": _after_request_extension,
    "decide_extension": _after_decide_extension,
    "add_assist": _after_add_assist,
    "reply_assist": _after_reply_assist,
    "answer": _after_answer,
    "visit_back": _after_visit_back,
    "close": _after_close,
}


def prepare(action: str, user, order: WorkOrder, data: StepInput, now: datetime) -> Plan:
    plan = Plan(row=action, comment=data.comment)
    plan.changes["updated_at"] = now
    if action in PREPARE:
        PREPARE[action](user, order, data, now, plan)
    return plan


def after(action: str, user, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    if action in AFTER:
        AFTER[action](user, order, data, now, plan)
