"""Work-order use-cases: routing and deadlines."""

import datetime

from django.utils import timezone

from fugong.core.models import Unit
from fugong.core.services import (
    is_workday,
    units_above,
    working_deadline,
)

from ..models import (
    Priority,
    WorkOrder,
)

# the working hours of a working day, for sign-for limits shorter than a day
WORKDAY_HOURS = (datetime.time(9, 0), datetime.time(18, 0))
SIGN_HOURS = {Priority.URGENT: 2}  # 特急: 2 working hours; otherwise `workorder_sign_hours`
SIGN_HOURS_DEFAULT = 24


def suggested_unit(order: WorkOrder) -> Unit | None:
    """The nearest department of the category's sector in the enterprise's region chain."""
    if order.category is None or not order.category.sector:
        return None
    found = units_above(
        order.enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=order.category.sector
    )
    return found[0] if found else None


def deadline_for(order: WorkOrder, now: datetime.datetime | None = None) -> datetime.datetime:
    """Working days from the campaign's SLA by priority (hours / 24, rounded up), ending at
    the close of the last day."""
    sla = order.campaign.sla or {}
    hours = (
        sla.get(f"workorder_hours_{order.priority}")
        or {Priority.URGENT: 24, Priority.HIGH: 48}.get(order.priority)
        or sla.get("workorder_hours", 72)
    )
    return working_deadline(hours, now)


def working_hours_after(hours: int, now: datetime.datetime) -> datetime.datetime:
    """`hours` working hours (09:00–18:00 of Chinese working days) after `now`."""
    left = datetime.timedelta(hours=hours)
    at = timezone.localtime(now)
    start, end = WORKDAY_HOURS
    while True:
        day = at.date()
        opens = timezone.make_aware(datetime.datetime.combine(day, start))
        closes = timezone.make_aware(datetime.datetime.combine(day, end))
        if is_workday(day) and at < closes:
            at = max(at, opens)
            if at + left <= closes:
                return at + left
            left -= closes - at
        at = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), start))


def sign_deadline_for(order: WorkOrder, now: datetime.datetime | None = None) -> datetime.datetime:
    """When the unit must have signed for the order (签收时限): the campaign's
    `workorder_sign_hours_<priority>` or `workorder_sign_hours` (default 2 working hours for
    特急, 24 hours otherwise); under a day counts working hours, a day or more working days."""
    now = now or timezone.now()
    sla = order.campaign.sla or {}
    hours = (
        sla.get(f"workorder_sign_hours_{order.priority}")
        or SIGN_HOURS.get(order.priority)
        or sla.get("workorder_sign_hours", SIGN_HOURS_DEFAULT)
    )
    if int(hours) < 24:
        return working_hours_after(int(hours), now)
    return working_deadline(hours, now)
