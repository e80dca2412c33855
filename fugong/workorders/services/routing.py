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
    CatalogueEntry,
    Category,
    Priority,
    WorkOrder,
)

# the working hours of a working day, for sign-for limits shorter than a day
WORKDAY_HOURS = (datetime.time(9, 0), datetime.time(18, 0))
SIGN_HOURS = {Priority.URGENT: 2}  # 特急: 2 working hours; otherwise `workorder_sign_hours`
SIGN_HOURS_DEFAULT = 24


def suggested_unit(order: WorkOrder) -> Unit | None:
    """The unit the order should go to: the dispatch catalogue's (派单目录, with its default
    owner), else the nearest department of the category's sector in the enterprise's region
    chain. The category is the officer's, or else the triage's proposal."""
    category = order.category or Category.objects.filter(code=order.proposed_label).first()
    found = catalogue_unit(order, category)
    if found is not None or category is None or not category.sector:
        return found
    above = units_above(order.enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=category.sector)
    return above[0] if above else None


def catalogue_unit(order: WorkOrder, category: Category | None) -> Unit | None:
    """The catalogue line of the order's campaign and the enterprise's region chain that fits
    the order best: the most specific one (category, keywords in the text, the enterprise's
    scale; a default owner last), the nearest region first among equals. Lines whose unit
    does not cover the enterprise are passed over."""
    region = order.enterprise.region
    lines = CatalogueEntry.objects.filter(
        campaign=order.campaign_id, region__code__in=region.chain_codes
    ).select_related("region", "unit__region")
    fitting = [
        line
        for line in lines
        if (line.category_id is None or (category and line.category_id == category.pk))
        and (not line.keywords or any(k in order.text for k in line.keyword_list))
        and (not line.scale or line.scale == order.enterprise.scale)
        and region.path.startswith(line.unit.region.path)
    ]
    if not fitting:
        return None
    best = max(fitting, key=lambda line: (line.specificity(), len(line.region.path)))
    return best.unit


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
