"""Work-order use-cases: transitions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.models import User
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import (
    Conflict,
    Workflow,
    announce,
    announce_to_units,
    audit,
)
from fugong.core.signals import work_order_settled

from ..models import (
    ACTION_LABELS,
    Event,
    State,
    WorkOrder,
)
from . import cohandling, requests, steps
from .handling import open_handling, update_handling
from .routing import sign_deadline_for
from .stepinput import StepInput

if TYPE_CHECKING:
    from typing import Any


class WrongState(Conflict):
    """The action is not one the order's present state allows (the API answers 409, as for a
    stale version; a user who may not act at all gets PermissionError, 403)."""


# an order in one of these is settled: the problem behind it counts as solved
SETTLED = (State.RESOLVED, State.CLOSED)

# rows of the table that an action chooses, not actions of their own
INTERNAL_ROWS = {"redo"}  # chosen by visit_back

# names the API and older clients still use for an action of the table
ALIASES = {"accept": "sign"}

TRANSITIONS = {
    "triage": ((State.NEW, State.REOPENED), State.TRIAGED),
    "dispatch": ((State.NEW, State.TRIAGED, State.REOPENED), State.DISPATCHED),
    "return": ((State.DISPATCHED,), State.RETURNED),
    "rule_return": ((State.RETURNED,), State.DISPATCHED),
    "sign": ((State.DISPATCHED,), State.ACCEPTED),
    "start": ((State.ACCEPTED,), State.IN_PROGRESS),
    "request_extension": ((State.ACCEPTED, State.IN_PROGRESS), State.IN_PROGRESS),
    "decide_extension": ((State.IN_PROGRESS,), State.IN_PROGRESS),
    "add_assist": ((State.ACCEPTED, State.IN_PROGRESS), State.IN_PROGRESS),
    "reply_assist": ((State.IN_PROGRESS,), State.IN_PROGRESS),
    "ask": ((State.ACCEPTED, State.IN_PROGRESS), State.WAITING),
    "answer": ((State.WAITING,), State.IN_PROGRESS),
    "resolve": ((State.ACCEPTED, State.IN_PROGRESS), State.RESOLVED),
    "close": ((State.RESOLVED,), State.CLOSED),
    "visit_back": ((State.RESOLVED,), State.CLOSED),
    "redo": ((State.RESOLVED,), State.IN_PROGRESS),
    "reopen": ((State.RESOLVED, State.CLOSED), State.REOPENED),
}


def _event(
    order: WorkOrder,
    action: str,
    user: User,
    *,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
) -> Event:
    """The work orders' timeline entry (their own `Event`, with the order's unit)."""
    return Event.objects.create(
        order=order,
        user=person(user),
        action=action,
        from_state=from_state,
        to_state=to_state,
        unit=order.unit,
        comment=comment,
    )


# the engine over the table; the timeline is the orders' Event, each move tells whom it concerns
FLOW = Workflow(
    TRANSITIONS,
    timeline=_event,
    notify=lambda order, action, comment: _notify_step(order, action, comment),
    conflict=gettext_lazy("该工单已被他人处理，请刷新后再试"),
)


def next_actor(order: WorkOrder) -> str:
    """Who acts next on `order` ("" when nobody must): the coordinating township or command
    centre triages and dispatches, the unit it went to accepts and resolves, the enterprise
    confirms a resolution."""
    unit = str(order.unit) if order.unit_id else _("承办单位")
    actors = {
        "triage": _("街镇/专班分类分派"),
        "dispatch": _("街镇/专班分类分派"),
        "rule_return": _("街镇/专班审核退单"),
        "sign": _("%(u)s签收") % {"u": unit},
        "start": _("%(u)s办理") % {"u": unit},
        "answer": _("企业答复"),
        "resolve": _("%(u)s办理") % {"u": unit},
        "close": _("企业确认办结"),
        "visit_back": _("专班回访"),
    }
    return "、".join(FLOW.who_acts(order.state, actors))


def allowed_actions(user: User, order: WorkOrder) -> list[str]:
    """The actions this user may take on the order now."""
    government = user.coordinates
    at_unit = order.unit_id is not None and user.unit_id == order.unit_id
    own = user.works_for_enterprise
    rights = {
        "triage": government,
        "dispatch": government,
        "return": at_unit,
        "rule_return": government,
        "sign": at_unit,
        "start": at_unit,
        "request_extension": at_unit,
        "decide_extension": government and requests.pending_extension(order) is not None,
        "add_assist": at_unit or government,
        "reply_assist": cohandling.open_assist_of(user, order) is not None,
        "ask": at_unit,
        "answer": own or government,
        "resolve": at_unit or government,
        "close": own or government,
        "visit_back": government,
        "redo": False,
        "reopen": own or government,
    }
    return [a for a in FLOW.possible(order.state) if rights[a]]


@transaction.atomic
def transition(
    user: User,
    order: WorkOrder,
    action: str,
    version: int,
    *,
    now: datetime | None = None,
    **fields: Any,
) -> WorkOrder:
    """Move the order by `action` if it still is at `version`; raise Conflict otherwise
    (WrongState when the state does not allow the action, PermissionError when the user may
    not take it). `fields` are the action's input (`StepInput`: comment, unit, category,
    rating, confirm_undelivered, reason, rule, decision, …); `now` is the moment of the step
    (tests move the clock)."""
    action = ALIASES.get(action, action)
    if action not in TRANSITIONS or action in INTERNAL_ROWS:
        raise ValidationError({"action": _("未知操作")})
    if action not in FLOW.possible(order.state):
        raise WrongState(
            _("当前状态（%(s)s）下不能执行“%(a)s”")
            % {"s": order.get_state_display(), "a": ACTION_LABELS[action]}
        )
    if action not in allowed_actions(user, order):
        raise PermissionError(_("您不能对该工单执行“%(a)s”") % {"a": ACTION_LABELS[action]})
    now = now or timezone.now()
    data = StepInput(**fields)
    plan = steps.prepare(action, user, order, data, now)
    was_settled = order.state in SETTLED
    order = FLOW.move(
        order,
        version,
        plan.row,
        user=user,
        comment=plan.comment,
        step=plan.step,
        notify=False,
        **plan.changes,
    )
    steps.after(action, user, order, data, now, plan)
    if (order.state in SETTLED) != was_settled:
        work_order_settled.send(
            sender=WorkOrder,
            order=order,
            source=order.source,
            settled=not was_settled,
            user=user,
            comment=plan.comment,
        )
    FLOW.notify(order, plan.step or plan.row, plan.comment)  # once what it tells is written
    if plan.assist_unit is not None:
        announce_to_units(
            [plan.assist_unit],
            kind="workorder",
            title=_("工单 #%(n)d 请您协办") % {"n": order.pk},
            body=plan.comment,
            url=f"/workorders/{order.pk}/",
        )
    return order


def _notify_step(order: WorkOrder, action: str, comment: str = "") -> None:
    """Tell the right people of a step, in-app, by e-mail and on the unit's group bot: the
    unit when an order reaches it (dispatch, escalation, reopening, a deadline near, the
    enterprise's confirmation); the enterprise when its order moves; the dispatcher when the
    unit returns it."""
    title = _("工单 #%(n)d %(e)s：%(a)s") % {
        "n": order.pk,
        "e": order.enterprise.name,
        "a": ACTION_LABELS[action],
    }
    body = order.text[:200] + (f"\n{_('说明')}：{comment}" if comment else "")
    url = f"/workorders/{order.pk}/"
    enterprise_users = order.enterprise.active_users()
    if action in (
        "dispatch",
        "uphold_return",
        "reject_return",
        "escalate",
        "reopen",
        "redo",
        "remind",
        "answer",
        "reply_assist",
        "approve_extension",
        "reject_extension",
    ):
        announce_to_units([order.unit], kind="workorder", title=title, body=body, url=url)
    elif action == "close" and order.unit_id:
        users = order.unit.users.filter(is_active=True)
        announce(users, kind="workorder", title=title, body=body, url=url)
    if action in ("sign", "start", "resolve", "escalate", "autoclose", "ask", "approve_extension"):
        # the enterprise hears of each step that concerns it, an extension's new date too
        announce(enterprise_users, kind="workorder", title=title, body=body, url=url)
    if action in ("return", "request_extension"):
        dispatcher = (
            order.events.filter(action="dispatch", user__isnull=False).select_related("user").last()
        )
        announce(
            [dispatcher.user] if dispatcher else [],
            kind="workorder",
            title=title,
            body=body,
            url=url,
        )


def escalate_overdue(now: datetime | None = None) -> list[WorkOrder]:
    """Overdue open orders escalate (督办) to their unit's parent, then further up, each step
    recorded and notified with a new deadline. Returns the orders escalated."""
    now = now or timezone.now()
    done = []
    overdue = WorkOrder.objects.select_related("unit", "unit__parent", "campaign").filter(
        state__in=(State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS), deadline__lt=now
    )
    for order in overdue:
        parent = order.unit.parent if order.unit_id else None
        if parent is None:
            continue
        with transaction.atomic():
            was_unsigned = order.state == State.DISPATCHED
            # the unit above gets the order to sign for; its handling clock starts then
            due = sign_deadline_for(order, now)
            updated = WorkOrder.objects.filter(pk=order.pk, version=order.version).update(
                unit=parent,
                state=State.DISPATCHED,
                escalations=F("escalations") + 1,
                version=F("version") + 1,
                deadline=due,
                sign_deadline=due,
                signed_at=None,
            )
            if not updated:
                continue
            update_handling(order, escalated=True, overdue=True)
            order.refresh_from_db()
            open_handling(order, parent, now)
            Event.objects.create(
                order=order,
                action="escalate",
                to_state=order.state,
                unit=parent,
                comment=(
                    _("逾期未签收，督办至 %(u)s") if was_unsigned else _("逾期未办结，督办至 %(u)s")
                )
                % {"u": parent},
            )
            audit(SYSTEM, "update", order, detail={"action": "escalate", "to": parent.code})
            _notify_step(order, "escalate")
        done.append(order)
    return done


REMIND_HOURS = 24  # a unit is reminded this long before an order's deadline


def remind_due_orders(now: datetime | None = None) -> list[WorkOrder]:
    """Remind the unit once per deadline of every open order due within REMIND_HOURS (campaign
    SLA `workorder_remind_hours`). Returns the orders reminded."""
    now = now or timezone.now()
    done = []
    due = WorkOrder.objects.select_related("unit", "campaign", "enterprise").filter(
        state__in=(State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS),
        deadline__gte=now,
        deadline__lte=now + timedelta(hours=72),
    )
    for order in due:
        hours = (order.campaign.sla or {}).get("workorder_remind_hours", REMIND_HOURS)
        if order.deadline > now + timedelta(hours=int(hours)):
            continue
        if order.reminded_for == order.deadline:
            continue
        with transaction.atomic():
            if not WorkOrder.objects.filter(pk=order.pk, version=order.version).update(
                reminded_for=order.deadline
            ):
                continue
            Event.objects.create(
                order=order,
                action="remind",
                to_state=order.state,
                unit=order.unit,
                comment=_("距办理时限 %(d)s 不足 %(h)s 小时")
                % {"d": timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M"), "h": hours},
            )
            _notify_step(order, "remind")
        done.append(order)
    return done


AUTOCLOSE_DAYS = 7  # a resolved order the enterprise does not confirm closes after this


def close_confirmed_by_silence(now: datetime | None = None) -> list[WorkOrder]:
    """Close resolved orders the enterprise has neither confirmed nor reopened within the
    campaign's `workorder_autoclose_days`. Returns the orders closed."""
    now = now or timezone.now()
    done = []
    resolved = WorkOrder.objects.select_related("campaign", "enterprise").filter(
        state=State.RESOLVED
    )
    for order in resolved:
        days = int((order.campaign.sla or {}).get("workorder_autoclose_days", AUTOCLOSE_DAYS))
        if (order.resolved_at or order.updated_at) > now - timedelta(days=days):
            continue
        with transaction.atomic():
            if not WorkOrder.objects.filter(
                pk=order.pk, version=order.version, state=State.RESOLVED
            ).update(state=State.CLOSED, version=F("version") + 1):
                continue
            order.refresh_from_db()
            Event.objects.create(
                order=order,
                action="autoclose",
                from_state=State.RESOLVED,
                to_state=State.CLOSED,
                comment=_("办结 %(n)d 天内企业未确认，自动关闭") % {"n": days},
            )
            audit(SYSTEM, "update", order, detail={"action": "autoclose"})
            _notify_step(order, "autoclose")
        done.append(order)
    return done
