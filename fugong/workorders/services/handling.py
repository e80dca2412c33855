"""Work-order use-cases: the stints of units holding an order (`Handling`), the scorecard's
rollup, kept by the step that changes them."""

from datetime import datetime

from fugong.core.models import Unit

from ..models import Handling, WorkOrder


def open_handling(order: WorkOrder, unit: Unit, now: datetime) -> Handling:
    """The order reaches `unit` (dispatch, re-dispatch, escalation): the stint before ends."""
    Handling.objects.filter(order=order, current=True).update(current=False, ended_at=now)
    return Handling.objects.create(
        order=order,
        unit=unit,
        dispatched_at=now,
        sign_deadline=order.sign_deadline or order.deadline or now,
        deadline=order.deadline,
    )


def update_handling(order: WorkOrder, **fields: object) -> int:
    """Write `fields` on the order's current stint."""
    return Handling.objects.filter(order=order, current=True).update(**fields)
