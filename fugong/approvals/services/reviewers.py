"""Application use-cases: reviewers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.codes import new_code
from fugong.core.models import Unit
from fugong.core.services import (
    announce,
    announce_to_units,
    as_date,
    units_above,
)

from ..models import Application
from .base import CODE_KIND, Kind, State, _due, steps_of
from .flow import FLOW

if TYPE_CHECKING:
    from datetime import date, datetime

    from fugong.core.permissions import Actor


REVIEW_ACTIONS = {
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("驳回"),
    "return": gettext_lazy("退回修改"),
    "revoke": gettext_lazy("取缔"),
}


def current_step(app: Application) -> int | None:
    """1 (township/park) or 2 (county) for a pending application, else None."""
    if app.state == State.SUBMITTED:
        return 1 if steps_of(app.campaign) == 2 else 2
    if app.state == State.FIRST_APPROVED:
        return 2
    return None


def next_actor(app: Application) -> str:
    """Who acts next on `app` ("" when nobody must): the enterprise on a returned one, the
    township or park at the first step, the county (its approving unit) at the second."""
    step = current_step(app)
    county = app.approving_unit.name if app.approving_unit_id else _("县级专班或主管部门")
    actors = {
        "resubmit": _("企业（修改后重新提交）"),
        "approve_first": _("街镇/园区审核") if step == 1 else None,
        "approve": _("%(u)s审核") % {"u": county} if step == 2 else None,
    }
    return "、".join(FLOW.who_acts(app.state, actors))


def may_review(user: Actor, app: Application, step: int | None = None) -> bool:
    """Whether this user reviews the application at `step` (its current one by default):
    step 1 a township or park officer, step 2 a county (or higher) command centre or
    department — in both cases one whose scope holds the enterprise."""
    step = step or current_step(app)
    if step is None or not Application.objects.visible_to(user).filter(pk=app.pk).exists():
        return False
    return user.reviews(step)


def allowed_actions(user: Actor, app: Application) -> list[str]:
    if app.state in Application.PENDING and may_review(user, app):
        return ["approve", "return", "reject"]
    if (
        app.kind == Kind.CLOSED_LOOP
        and app.state == State.APPROVED
        and may_review(user, app, step=2)
    ):
        return ["revoke"]
    return []


@transaction.atomic
def review(
    user: Actor,
    app: Application,
    action: str,
    version: int,
    comment: str = "",
    cleared_from: date | None = None,
    now: datetime | None = None,
) -> Application:
    """approve (to the next step, or finally: cleared from a date, certificate issued),
    return for changes or reject (both with reasons), revoke a closed-loop qualification."""
    now = now or timezone.now()
    if action not in REVIEW_ACTIONS:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, app):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": app.get_state_display(), "a": REVIEW_ACTIONS[action]}
        )
    comment = (comment or "").strip()
    if action in ("reject", "return", "revoke") and not comment:
        raise ValidationError({"comment": _("“%(a)s”必须说明理由") % {"a": REVIEW_ACTIONS[action]}})
    step = current_step(app)
    if action == "approve" and step == 1:
        app = FLOW.move(
            app,
            version,
            "approve_first",
            user=user,
            comment=comment,
            due_at=_due(app.campaign, now),
        )
    elif action == "approve":
        cleared = as_date(cleared_from or app.planned_date or timezone.localdate(now))
        if cleared is None:
            raise ValidationError({"cleared_from": _("日期格式应为 YYYY-MM-DD")})
        app = FLOW.move(
            app,
            version,
            "approve",
            user=user,
            comment=comment,
            cleared_from=cleared,
            approving_unit=user.unit,
            decided_at=now,
            code=new_code(CODE_KIND),
        )
    elif action == "revoke":
        app = FLOW.move(app, version, "revoke", user=user, comment=comment, decided_at=now)
    else:
        app = FLOW.move(
            app,
            version,
            action,
            user=user,
            comment=comment,
            decided_at=now if action == "reject" else None,
        )
    _tell_applicant(app, action, comment)
    if app.state == State.FIRST_APPROVED:
        _tell_reviewers(app)
    return app


def _tell_applicant(app: Application, action: str, comment: str) -> None:
    title = _("%(k)s #%(n)d：%(s)s") % {
        "k": app.get_kind_display(),
        "n": app.pk,
        "s": app.get_state_display(),
    }
    users = app.enterprise.active_users()
    body = comment or ""
    if app.state == State.APPROVED and app.cleared_from:
        body = _("准予自 %(d)s 起复工复产。%(c)s") % {"d": app.cleared_from, "c": comment}
    announce(users, kind="application", title=title, body=body, url=f"/applications/{app.pk}/")


def _tell_reviewers(app: Application) -> None:
    """The units that review the application's current step: in-app, e-mail, group bot."""
    step = current_step(app)
    region = app.enterprise.region
    if step == 1:
        units = units_above(region, kind__in=(Unit.Kind.TOWNSHIP, Unit.Kind.PARK))
    else:
        units = units_above(
            region, kind=Unit.Kind.COMMAND_CENTRE, region__level__in=("county", "city")
        )[:1]
    title = _("待审核：%(e)s 的%(k)s") % {"e": app.enterprise.name, "k": app.get_kind_display()}
    announce_to_units(units, kind="application", title=title, url=f"/applications/{app.pk}/")
