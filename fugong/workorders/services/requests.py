"""Work-order use-cases: what a unit asks of others: a refusal (退单) the dispatcher rules
on, an extension (延期申请) the command centre decides, a question to the enterprise (the
pause)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.permissions import person

from ..models import Extension, Refusal, WorkOrder
from .handling import open_handling, update_handling
from .stepinput import Plan, StepInput, check_unit, to_unit

if TYPE_CHECKING:
    from django.db.models import Manager

    from fugong.core.models import User


def prepare_return(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
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
        check_unit(order, data.unit)
    plan.comment = f"{Refusal.Reason(data.reason).label}：{data.comment.strip()}" + (
        f"（{_('依据')}：{data.rule.strip()}）" if data.rule.strip() else ""
    )


def after_return(user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
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


def _rule_on(
    requests: Manager[Refusal] | Manager[Extension], decision: str, user: User, now: datetime
) -> int:
    """Decide the pending request among `requests` (a refusal, an extension)."""
    return requests.filter(decision="pending").update(
        decision=decision, decided_by=person(user), decided_at=now
    )


def pending_refusal(order: WorkOrder) -> Refusal | None:
    return order.refusals.filter(decision=Refusal.Decision.PENDING).first()


def prepare_rule_return(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    """Upheld: re-dispatched to `unit` (by default the one the refusal suggested), its clock
    starting at its sign-for; rejected: back to the unit, whose deadline kept running."""
    refusal = pending_refusal(order)
    if data.decision == "accept":
        unit = check_unit(order, data.unit or (refusal.suggested_unit if refusal else None))
        if unit == order.unit:
            raise ValidationError({"unit": _("同意退单须改派给其他单位")})
        plan.step = "uphold_return"
        plan.changes.update(to_unit(order, unit, now))
    elif data.decision == "reject":
        if not data.comment.strip():
            raise ValidationError({"comment": _("驳回退单须说明理由")})
        plan.step = "reject_return"
    else:
        raise ValidationError({"decision": _("请选择同意（accept）或驳回（reject）")})


def after_rule_return(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
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


def prepare_request_extension(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
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


def after_request_extension(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
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


def prepare_decide_extension(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
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


def after_decide_extension(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    approved = plan.step == "approve_extension"
    decision = Extension.Decision.APPROVED if approved else Extension.Decision.REJECTED
    _rule_on(order.extension_requests, decision, user, now)
    if approved:
        update_handling(order, deadline=order.deadline, extensions=F("extensions") + 1)


def prepare_ask(user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    if not data.comment.strip():
        raise ValidationError({"comment": _("请写明需要企业答复的问题")})
    plan.changes["paused_since"] = now


def prepare_answer(
    user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan
) -> None:
    """The clock runs again: the deadline moves on by the time the question waited."""
    if not data.comment.strip():
        raise ValidationError({"comment": _("请填写答复内容")})
    paused = now - (order.paused_since or now)
    plan.changes.update(
        paused_since=None,
        paused_seconds=F("paused_seconds") + int(paused.total_seconds()),
        deadline=order.deadline + paused if order.deadline else None,
    )


def after_answer(user: User, order: WorkOrder, data: StepInput, now: datetime, plan: Plan) -> None:
    update_handling(order, deadline=order.deadline)


def paused_for(order: WorkOrder, now: datetime | None = None) -> timedelta:
    """How long the order's clock has stood still, the present pause included."""
    total = timedelta(seconds=order.paused_seconds)
    if order.paused_since:
        total += (now or timezone.now()) - order.paused_since
    return total
