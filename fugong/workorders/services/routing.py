"""Work-order use-cases: routing and deadlines."""

from fugong.core.models import Unit
from fugong.core.services import (
    units_above,
    working_deadline,
)

from ..models import (
    Priority,
)


def suggested_unit(order):
    """The nearest department of the category's sector in the enterprise's region chain."""
    if order.category is None or not order.category.sector:
        return None
    found = units_above(
        order.enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=order.category.sector
    )
    return found[0] if found else None


def deadline_for(order, now=None):
    """Working days from the campaign's SLA by priority (hours / 24, rounded up), ending at
    the close of the last day."""
    sla = order.campaign.sla or {}
    hours = (
        sla.get(f"workorder_hours_{order.priority}")
        or {Priority.URGENT: 24, Priority.HIGH: 48}.get(order.priority)
        or sla.get("workorder_hours", 72)
    )
    return working_deadline(hours, now)
