"""Each role's home at `/`: the first screen is the task of the day. The command centre gets
the dashboard; the roles whose task is one existing page (a department's queue, a
commissioner's enterprises, a health officer's declarations, a checkpoint's pass check) go to
it; a township/park and an enterprise contact get a page of their own gathered here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.approvals.services import ApplicationFilter, applications_for
from fugong.core.models import User
from fugong.registry.models import Enterprise, enterprise_id_of
from fugong.reporting import checks, stats
from fugong.reporting.models import DailyReport
from fugong.workorders.models import OPEN_STATES, WorkOrder

if TYPE_CHECKING:
    from django.db.models import QuerySet

LIMIT = 10


def page_for(user: User) -> str | None:
    """The URL name of the existing page that is `user`'s home, or None when the home is one of
    the pages built here (or the dashboard)."""
    if user.is_admin:
        return None
    if user.is_checkpoint:
        return "passes:check"
    if user.is_bank:
        return "financing:index"
    if user.is_commissioner:
        return "workorders:assigned"
    if user.is_health_officer:
        return "health:index"
    if user.is_government and not user.may_report:  # a department
        return "workorders:queue"
    return None


def open_orders(user: User) -> QuerySet[WorkOrder]:
    """The open work orders in `user`'s scope, the oldest deadline first."""
    return (
        WorkOrder.objects.visible_to(user)
        .filter(state__in=OPEN_STATES)
        .select_related("enterprise", "category")
        .order_by("deadline", "created_at")
    )


def township_home(user: User) -> dict:
    """Who in the township's scope has not reported today, the applications awaiting its first
    review, and its open orders."""
    try:
        query = stats.StatsQuery.parse(user, {"date": timezone.localdate().isoformat()})
    except ValidationError as exc:
        missing, query, error = None, None, "; ".join(exc.messages)
    else:
        missing, error = stats.drill_down(user, query, "missing_today").order_by("name"), ""
    orders = open_orders(user)
    awaiting = applications_for(user, ApplicationFilter(view="todo"))
    flagged = checks.flagged_reports(user)
    return {
        "query": query,
        "applications": awaiting[:LIMIT],
        "applications_count": awaiting.count(),
        "error": error,
        "flagged": flagged[:LIMIT],
        "flagged_count": flagged.count(),
        "missing": missing[:LIMIT] if missing is not None else [],
        "missing_count": missing.count() if missing is not None else 0,
        "orders": orders[:LIMIT],
        "orders_count": orders.count(),
    }


def enterprise_home(user: User) -> dict:
    """An enterprise contact's day: today's report done or to do, and its open items."""
    enterprise = Enterprise.objects.visible_to(user).filter(pk=enterprise_id_of(user)).first()
    today = timezone.localdate()
    report = (
        DailyReport.objects.filter(enterprise=enterprise, date=today).first()
        if enterprise
        else None
    )
    orders = open_orders(user)
    return {
        "enterprise": enterprise,
        "today": today,
        "report": report,
        "orders": orders[:LIMIT],
        "orders_count": orders.count(),
        "unread_messages": user.notifications.filter(read_at__isnull=True)[:5],
    }
