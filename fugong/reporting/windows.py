"""The daily report's window (README "Daily reports: windows and timeliness").

A campaign names the data day a report describes (the same day, or the previous day's end),
the deadline (`report_due_time`, on the data day or the day after), the weekdays reports are
due, how many days a day stays open after its deadline before it locks, and whether late
reports count as reported. A command centre can reopen one enterprise's locked day."""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.models import Campaign, User
from fugong.core.permissions import person
from fugong.core.services import audit
from fugong.registry.models import Enterprise

from .models import DayReopening

REOPEN_FOR = timedelta(hours=24)


def reopened(campaign: Campaign, enterprise: Enterprise, day: date, at: datetime) -> bool:
    return DayReopening.objects.filter(
        campaign=campaign, enterprise=enterprise, day=day, open_until__gt=at
    ).exists()


def is_locked(campaign: Campaign, enterprise: Enterprise, day: date, at: datetime) -> bool:
    """Whether the enterprise's data day `day` refuses reports at `at`."""
    locks_at = campaign.report_locks_at(day)
    if locks_at is None or at < locks_at:
        return False
    return not reopened(campaign, enterprise, day, at)


def window_errors(campaign: Campaign, enterprise: Enterprise, day: date, at: datetime) -> dict:
    """The field errors of a report for `day` arriving at `at` ({} when the day is open)."""
    if not is_locked(campaign, enterprise, day, at):
        return {}
    locks_at = timezone.localtime(campaign.report_locks_at(day))
    return {
        "date": _("%(d)s 的日报已于 %(t)s 锁定，不再接受填报或修改；如需补报，请联系指挥部重新开放")
        % {"d": day.isoformat(), "t": locks_at.strftime("%Y-%m-%d %H:%M")}
    }


@transaction.atomic
def reopen_day(
    user: User, campaign: Campaign, enterprise: Enterprise, day: date, reason: str
) -> DayReopening:
    """Reopen one enterprise's locked day for REOPEN_FOR (a command centre, with a reason)."""
    if not user.reopens_report_days:
        raise PermissionDenied(_("只有指挥部可以重新开放填报日"))
    if not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内"))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写重新开放的原因")
    if not campaign.is_active(day):
        errors["day"] = _("日期不在应急事件“%(c)s”期间") % {"c": campaign}
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    reopening = DayReopening.objects.create(
        campaign=campaign,
        enterprise=enterprise,
        day=day,
        reason=reason[:255],
        reopened_by=person(user),
        reopened_at=now,
        open_until=now + REOPEN_FOR,
    )
    audit(
        user,
        "update",
        enterprise,
        detail={"reopened_day": day.isoformat(), "campaign": campaign.pk, "reason": reason},
    )
    return reopening
