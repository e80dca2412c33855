"""The daily brief pushed to leaders who opt in (BriefSubscription), at their time, computed
in each recipient's own data scope: their unit's group bot gets the key figures and a link,
their e-mail the PDF. Run by the task queue (dashboard/tasks.py)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fugong.core import bots
from fugong.core.models import User
from fugong.core.outbox import absolute_url
from fugong.reporting.stats import StatsQuery

from . import brief
from .models import BriefSubscription


def may_subscribe(user: User) -> bool:
    """Command-centre and department leaders (government users who see the figures)."""
    return user.is_active and user.sees_figures and user.unit_id is not None


def push_brief(subscription: BriefSubscription, day: date | None = None) -> dict:
    """Send one leader's brief now; {"bot": sent?, "email": sent?, "lines": the figures}."""
    user = subscription.user
    params = {"date": day.isoformat()} if day else {}
    query = StatsQuery.parse(user, params)  # the leader's own region and scope
    content = brief.content(user, query)
    lines = brief.summary_lines(content)
    link = absolute_url(
        reverse("dashboard:brief", args=["pdf"])
        + "?"
        + urlencode({"region": query.region.code, "date": query.day.isoformat()})
    )
    title = _("%(r)s 复工复产日报 %(d)s") % {
        "r": query.region.name,
        "d": brief.query_day_label(query.day.isoformat()),
    }
    sent = {"bot": False, "email": False, "lines": lines}
    if subscription.by_bot and user.unit is not None:
        key_figures = [*lines[:2], *brief.confirmed_lines(content["day"])]
        text = "\n".join([*key_figures, _("日报全文：%(u)s") % {"u": link}])
        sent["bot"] = bots.queue(user.unit, title, text) is not None
    if subscription.by_email and user.email:
        message = EmailMessage(title, "\n".join([*lines, link]), to=[user.email])
        message.attach(
            f"brief-{query.region.code}-{query.day}.pdf", brief.pdf(user, query), "application/pdf"
        )
        sent["email"] = message.send() == 1
    return sent


def briefs_due(now: datetime | None = None) -> list[int]:
    """Push every subscription whose time has come today and that was not sent today; the
    ids of the users pushed to."""
    now = timezone.localtime(now)
    pushed = []
    due = BriefSubscription.objects.filter(send_at__lte=now.time()).exclude(last_sent_on=now.date())
    for subscription in due.select_related("user__unit__region"):
        if not may_subscribe(subscription.user):
            continue
        with transaction.atomic():
            try:
                push_brief(subscription)
            except ValidationError:  # no campaign in the leader's region: nothing to brief
                continue
            subscription.last_sent_on = now.date()
            subscription.save(update_fields=["last_sent_on"])
        pushed.append(subscription.user_id)
    return pushed
