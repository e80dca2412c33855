"""Core use-cases: the audit trail, API tokens, and the region and unit registries."""

from __future__ import annotations

import copy
import datetime
from typing import TYPE_CHECKING, TypeVar

import chinese_calendar
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.utils import timezone

# re-exported: the audit trail, the outbox and the workflow engine were once this module
from . import stamps
from .audit import audit, verify_audit_chain  # noqa: F401
from .models import ApiToken, Campaign, CampaignStamp, Unit, User
from .outbox import (  # noqa: F401
    absolute_url,
    announce,
    announce_to_units,
    notify,
    send_delivery,
    send_webhook,
    stale_deliveries,
)
from .workflow import Conflict, Workflow, advance, record_step, timeline_of  # noqa: F401

if TYPE_CHECKING:
    from django.db import models
    from django.db.models import QuerySet

    from .models import Region
    from .permissions import Actor

M = TypeVar("M", bound="models.Model")


@transaction.atomic
def issue_token(user: User, name: str, by: Actor | None = None) -> tuple[ApiToken, str]:
    token, raw = ApiToken.issue(user, name)
    audit(by or user, "create", token, detail={"user": user.username})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, by: Actor) -> None:
    audit(by, "delete", token, detail={"user": token.user.username})
    token.delete()


def save_with_audit(obj: M, by: Actor, *, fields: list[str] | None = None) -> M:
    """Validate and save a model instance as one audited change."""
    creating = obj.pk is None
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        audit(by, "create" if creating else "update", obj, detail={"fields": fields or []})
    return obj


def users_visible_to(user: Actor) -> QuerySet[User]:
    """Accounts a user may list: all for admins, their region's for government users in a
    region role, otherwise only themselves."""
    if user.is_admin:
        return User.objects.all()
    if user.is_region_scoped:
        return User.objects.filter(user.unit.region.subtree_q("unit__"))
    return User.objects.filter(pk=user.pk)


def as_date(value: object) -> datetime.date | None:
    """A date from a date or an ISO string (YYYY-MM-DD); None when it is neither."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def units_above(region: Region, **filters: object) -> list[Unit]:
    """The units of `region` and of the regions above it that match `filters`, nearest first
    (a township's before its county's, a county's before the city's)."""
    depth = {code: i for i, code in enumerate(region.chain_codes)}
    units = Unit.objects.select_related("region").filter(region__code__in=depth, **filters)
    return sorted(units, key=lambda u: -depth[u.region.code])


def is_workday(day: datetime.date) -> bool:
    """Chinese public holidays and adjusted working days (chinese_calendar), Mon–Fri beyond the
    years it knows."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def working_deadline(hours: int, now: datetime.datetime | None = None) -> datetime.datetime:
    """`hours` of an SLA as working days (hours / 24, rounded up) after `now`, due at 18:00 of
    the last one."""

    days = max(1, -(-int(hours) // 24))
    day = timezone.localtime(now).date()
    while days:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            days -= 1
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))


# per process and database: every campaign with its region, most recent first, as last read
_campaigns_kept = stamps.Keep(CampaignStamp._meta.db_table)


def _all_campaigns() -> list[Campaign]:
    """Every campaign with its region, most recent first, as kept (the caller copies what it
    hands on: a caller may change one). Read afresh only when the campaign stamp, which
    triggers renew on every write to campaigns and regions (`core.campaigns.CampaignStamp`),
    is not the one read with the kept list: one small statement instead of the ORM's query,
    on every report, gate check and application."""
    alias = router.db_for_read(Campaign) or DEFAULT_DB_ALIAS
    campaigns, stamp = _campaigns_kept.get(alias, "all")
    if campaigns is None:
        qs = Campaign.objects.using(alias).select_related("region")
        campaigns = list(qs.order_by("-starts_on", "-id"))
        _campaigns_kept.put(alias, stamp, "all", campaigns)
    return campaigns


def campaigns_on(day: datetime.date, region_path: str | None = None) -> list[Campaign]:
    """Campaigns running on `day` (optionally covering a region path), most recent first."""

    return [
        copy.copy(c)
        for c in _all_campaigns()
        if c.starts_on <= day
        and (c.ends_on is None or c.ends_on >= day)
        and (not region_path or region_path.startswith(c.region.path))
    ]


def campaign_for(enterprise: models.Model, day: datetime.date) -> Campaign | None:
    """The campaign an enterprise's report, application or problem of `day` belongs to."""
    found = campaigns_on(day, enterprise.region.path)
    return found[0] if found else None
