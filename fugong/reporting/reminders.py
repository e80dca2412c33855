"""Targeted reminders (README "Reminders"): at the times a campaign sets, on the day of a data
day's deadline, the enterprises expected to report that day and not yet reported are reminded
— "pending" before the deadline, "overdue" after it — through the campaign's channels: in-app,
e-mail (core.outbox), SMS (core.sms, the provider's approved templates report_pending and
report_overdue) and their township's group bot with an @mention of each contact's phone
(core.bots). The township and the command centre get a summary of who is missing. Each time
is sent once (ReminderRun); the task queue's periodic job calls `reminders_due`."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import bots, sms
from fugong.core.models import Campaign, Unit, User
from fugong.core.outbox import announce, notify
from fugong.core.permissions import SYSTEM
from fugong.registry.models import Enterprise

from .models import DailyReport, ReminderRun
from .stats import StatsQuery

if TYPE_CHECKING:
    from django.db.models import QuerySet

DEFAULT_CHANNELS = ["app"]


def missing_enterprises(campaign: Campaign, day: date) -> QuerySet[Enterprise]:
    """The enterprises expected to report `day` (as of that day) that have not."""
    query = StatsQuery(campaign=campaign, region=campaign.region, day=day)
    return (
        query.expected(SYSTEM)
        .exclude(
            pk__in=DailyReport.objects.filter(campaign=campaign, date=day).values("enterprise_id")
        )
        .select_related("region", "assignment__township")
        .order_by("region__path", "name")
    )


def data_day_on(campaign: Campaign, today: date) -> date:
    """The data day whose deadline falls on `today`."""
    return campaign.report_data_day_at(timezone.make_aware(datetime.combine(today, time(12))))


def _township_of(enterprise: Enterprise, townships: list[Unit]) -> Unit | None:
    assignment = getattr(enterprise, "assignment", None)
    if assignment is not None and assignment.township_id:
        return assignment.township
    inside = [u for u in townships if enterprise.region.path.startswith(u.region.path)]
    return max(inside, key=lambda u: len(u.region.path)) if inside else None


def _texts(campaign: Campaign, day: date, kind: str) -> tuple[str, str]:
    due = timezone.localtime(campaign.report_deadline(day)).strftime("%m-%d %H:%M")
    if kind == ReminderRun.Kind.PENDING:
        return (
            _("请于 %(t)s 前填报企业日报") % {"t": due},
            _("“%(c)s”%(d)s 的企业日报尚未填报，截止时间 %(t)s。")
            % {"c": campaign, "d": day, "t": due},
        )
    return (
        _("企业日报已逾期，请尽快补报"),
        _("“%(c)s”%(d)s 的企业日报已过截止时间 %(t)s，尚未填报。")
        % {"c": campaign, "d": day, "t": due},
    )


@transaction.atomic
def send_reminders(campaign: Campaign, day: date, kind: str) -> dict:
    """Remind the missing enterprises of `day` through the campaign's channels and send the
    summaries; returns {"enterprises", "people", "sms", "bots"}."""
    channels = campaign.reminder_channels or DEFAULT_CHANNELS
    missing = list(missing_enterprises(campaign, day))
    title, body = _texts(campaign, day, kind)
    users = list(User.objects.filter(enterprise_account__enterprise__in=missing, is_active=True))
    if "email" in channels:
        reached = announce(users, kind="report_reminder", title=title, body=body, url="/report/")
    elif "app" in channels:
        reached = notify(users, "report_reminder", title, body, url="/report/", day=day)
    else:
        reached = []
    texts = 0
    if "sms" in channels:
        for enterprise in missing:
            params = {"name": enterprise.name[:20], "day": day.isoformat()}
            texts += (
                sms.queue(enterprise.contact_phone, f"report_{kind}", params, title) is not None
            )
    townships = list(
        Unit.objects.filter(campaign.region.subtree_q(), kind=Unit.Kind.TOWNSHIP).select_related(
            "region"
        )
    )
    by_township: dict[int, tuple[Unit, list[Enterprise]]] = {}
    for enterprise in missing:
        unit = _township_of(enterprise, townships)
        if unit is not None:
            by_township.setdefault(unit.pk, (unit, []))[1].append(enterprise)
    posts = _summaries(campaign, day, kind, by_township, "bot" in channels, len(missing))
    return {"enterprises": len(missing), "people": len(reached), "sms": texts, "bots": posts}


def _summaries(
    campaign: Campaign,
    day: date,
    kind: str,
    by_township: dict[int, tuple[Unit, list[Enterprise]]],
    bot: bool,
    total: int,
) -> int:
    """Who is missing, to each township (its users in-app; its group bot, @mentioning the
    contacts' phones) and to the campaign's command centres (in-app)."""
    posts = 0
    label = ReminderRun.Kind(kind).label
    for unit, enterprises in by_township.values():
        title = _("%(d)s 日报%(k)s：本辖区 %(n)d 家未报") % {
            "d": day,
            "k": label,
            "n": len(enterprises),
        }
        lines = [
            f"- {e.name}（{e.contact_name or '—'} {e.contact_phone or ''}）" for e in enterprises
        ]
        notify(
            User.objects.filter(unit=unit, is_active=True),
            f"report_missing_{kind}",
            title,
            "\n".join(lines),
            url=f"/completeness/?date={day.isoformat()}",
            day=day,
        )
        if bot:
            phones = [e.contact_phone for e in enterprises if e.contact_phone]
            posts += bots.queue(unit, title, "\n".join(lines), mentions=phones) is not None
    centres = Unit.objects.filter(kind=Unit.Kind.COMMAND_CENTRE, region=campaign.region)
    notify(
        User.objects.filter(unit__in=centres, is_active=True),
        f"report_missing_{kind}",
        _("%(d)s 日报%(k)s：全域 %(n)d 家未报") % {"d": day, "k": label, "n": total},
        "\n".join(
            _("- %(unit)s：%(n)d 家") % {"unit": unit.name, "n": len(enterprises)}
            for unit, enterprises in by_township.values()
        ),
        url=f"/completeness/?date={day.isoformat()}",
        day=day,
    )
    return posts


def reminders_due(now: datetime | None = None) -> list[dict]:
    """Send each running campaign's reminder times that have come today and were not sent yet
    (the latest one only, when several were missed). Returns what each one sent."""
    now = timezone.localtime(now)
    sent = []
    for campaign in Campaign.objects.select_related("region"):
        slot = campaign.reminder_slot(now)  # shared with the key projects' reminders
        if slot is None or (campaign.modules and "reports" not in campaign.modules):
            continue
        day, at, kind = slot
        if ReminderRun.objects.filter(campaign=campaign, day=day, at=at).exists():
            continue
        try:
            with transaction.atomic():
                run = ReminderRun.objects.create(campaign=campaign, day=day, at=at, kind=kind)
                result = send_reminders(campaign, day, kind)
                run.missing = result["enterprises"]
                run.save(update_fields=["missing"])
        except IntegrityError:  # another worker sent it
            continue
        sent.append({"campaign": campaign.pk, "day": day.isoformat(), "kind": kind, **result})
    return sent
