"""Core use-cases: the audit trail, API tokens, and the region and unit registries."""

from django.db import transaction

from . import bots, sms
from .models import ApiToken, AuditLog, User


class Conflict(Exception):
    """The record changed since the caller looked at it (another officer acted first)."""


def advance(obj, version, sources, target, *, user=None, action="", comment="", **changes):
    """Move a versioned record (fields `state`, `version`) from one of `sources` to `target`
    if it is still at `version`, record the step in its timeline and the audit log; raise
    Conflict when someone else moved it first. Call inside the caller's transaction."""
    from django.db.models import F
    from django.utils.translation import gettext as _

    model = type(obj)
    updated = model.objects.filter(pk=obj.pk, version=version, state__in=sources).update(
        state=target, version=F("version") + 1, **changes
    )
    if not updated:
        raise Conflict(_("该记录已被他人处理，请刷新后再试"))
    before = obj.state
    obj.refresh_from_db()
    record_step(obj, action, user, from_state=before, to_state=target, comment=comment)
    audit(user, "update", obj, detail={"action": action, "from": before, "to": target})
    return obj


def timeline_of(obj, labels=None, states=None):
    """The timeline of `obj`, oldest first; with `labels` (action → label) and `states` (the
    record's state choices), as (step, action label, state label) for display."""
    from .models import Step

    steps = Step.objects.filter(owner_type=obj._meta.label_lower, owner_id=obj.pk).select_related(
        "user", "unit"
    )
    if labels is None:
        return steps
    return [
        (s, labels.get(s.action, s.action), states(s.to_state).label if s.to_state else "")
        for s in steps
    ]


@transaction.atomic
def audit(user, action, obj=None, *, target_type="", detail=None):
    """Append one entry to the audit log, chained to the previous one by hash (the head row is
    locked until the caller's transaction commits, so concurrent writers chain in order).
    `user` may be None for the system (command line)."""
    from django.utils import timezone

    from .models import AuditHead

    if obj is not None:
        target_type = target_type or obj._meta.label_lower
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditLog(
        at=timezone.now(),
        user=user if user is not None and user.pk else None,
        username=user.get_username() if user is not None else "system",
        action=action,
        target_type=target_type,
        target_id=str(obj.pk) if obj is not None else "",
        target_repr=str(obj)[:200] if obj is not None else "",
        detail=detail or {},
        prev_hash=head.last_hash,
    )
    entry.detail = _json_safe(entry.detail)
    entry.hash = entry.content_hash(head.last_hash)
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_id=entry.pk, last_hash=entry.hash)
    return entry


def _json_safe(value):
    import json

    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def verify_audit_chain():
    """Walk the audit log in order; return (entries checked, None) when intact, or (entries
    checked, what is wrong) at the first entry whose content no longer matches its hash or
    whose link to the previous one is broken (an edit, an insertion, a deletion), or when the
    newest entries were removed."""
    from .models import AuditHead

    prev, checked = "", 0
    for entry in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return checked, f"entry {entry.pk}: the link to the previous entry is broken"
        if entry.content_hash(prev) != entry.hash:
            return checked, f"entry {entry.pk}: its content was changed"
        prev, checked = entry.hash, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return checked, f"the newest entries after {checked} were removed"
    return checked, None


@transaction.atomic
def issue_token(user: User, name: str, by=None):
    token, raw = ApiToken.issue(user, name)
    audit(by or user, "create", token, detail={"user": user.username})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, by):
    audit(by, "delete", token, detail={"user": token.user.username})
    token.delete()


def save_with_audit(obj, by, *, fields=None):
    """Validate and save a model instance as one audited change."""
    creating = obj.pk is None
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        audit(by, "create" if creating else "update", obj, detail={"fields": fields or []})
    return obj


def users_visible_to(user):
    """Accounts a user may list: all for admins, their region's for government users in a
    region role, otherwise only themselves."""
    from .models import REGION_SCOPED_ROLES, Role

    if user.is_superuser or user.role == Role.ADMIN:
        return User.objects.all()
    if user.role in REGION_SCOPED_ROLES and user.unit_id:
        return User.objects.filter(unit__region__path__startswith=user.unit.region.path)
    return User.objects.filter(pk=user.pk)


def notify(users, kind, title, body="", url="", day=None, once_per_day=False):
    """Create in-app notifications; with once_per_day, users already notified of this kind on
    `day` are skipped. Returns the users notified."""
    from django.utils import timezone

    from .models import Notification

    day = day or timezone.localdate()
    users = list(users)
    if once_per_day:
        done = set(
            Notification.objects.filter(user__in=users, kind=kind, day=day).values_list(
                "user_id", flat=True
            )
        )
        users = [u for u in users if u.pk not in done]
    Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title, body=body, url=url, day=day) for u in users]
    )
    return users


def webhook_payload(kind, title, text):
    """The JSON a WeCom, DingTalk or Feishu group bot expects for a markdown/text message."""
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if kind == "feishu":
        return {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def send_webhook(kind, url, title, text, timeout=10, key=""):
    """POST a message to a group bot. Raises OSError when it cannot be delivered (the task queue
    retries). `key` (sent as X-Fugong-Delivery) lets a receiver drop a repeat: a worker killed
    between the POST and recording it leaves the message to be sent again."""
    answer = bots.send(kind, url, title, text, key=key, timeout=timeout)  # signed, rate-limited
    if not answer.ok:
        raise answer.error()  # BotError (an OSError); .permanent when retrying will not help
    return True


# --- the outbox: e-mail and group bots, sent by the task queue -------------------------------


def announce(users=(), units=(), *, kind, title, body="", url=""):
    """Tell people of a step: an in-app notification and an e-mail to each user (who has an
    address), a post to each unit's group bot. E-mail and posts go through the outbox and are
    sent by the task queue once the caller's transaction commits."""

    from .models import Delivery

    users = notify(users, kind, title, body, url)
    text = body + (f"\n{absolute_url(url)}" if url else "")
    rows = [
        Delivery(channel=Delivery.Channel.EMAIL, address=u.email, title=title, body=text)
        for u in users
        if u.email
    ] + [
        Delivery(
            channel=Delivery.Channel.WEBHOOK,
            address=unit.webhook_url,
            webhook_kind=unit.webhook_kind,
            title=title,
            body=text,
        )
        for unit in {u.pk: u for u in units if u is not None and u.webhook_url}.values()
    ]
    if rows:
        created = Delivery.objects.bulk_create(rows)
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _enqueue(ids))
    return users


def announce_to_units(units, *, kind, title, body="", url=""):
    """`announce` to the active users of `units` and on the units' group bots."""
    units = [u for u in units if u is not None]
    users = User.objects.filter(unit__in=units, is_active=True)
    return announce(users, units, kind=kind, title=title, body=body, url=url)


def record_step(obj, action, user=None, *, from_state="", to_state="", comment=""):
    """One entry in the timeline of `obj` (who, their unit, when, what, comment)."""
    from .models import Step

    return Step.objects.create(
        owner_type=obj._meta.label_lower,
        owner_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        user=user if user is not None and user.pk else None,
        unit=getattr(user, "unit", None),
        comment=comment,
    )


def absolute_url(path):
    """`path` on the installation's public address (links in messages and QR codes)."""
    from django.conf import settings

    return settings.SITE_URL.rstrip("/") + path


def _enqueue(ids):
    from .tasks import send_delivery

    for pk in ids:
        send_delivery(pk)


def send_delivery(pk, now=None):
    """Send one outbox message unless it is sent or another worker holds it. On failure the
    message goes back to pending and the error is raised for the queue to retry, until it has
    failed MAX_ATTEMPTS times. Returns True when sent by this call."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    from .models import Delivery

    now = now or timezone.now()
    claimed = Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claimed_at=now
    )
    if not claimed:
        return False
    message = Delivery.objects.get(pk=pk)
    try:
        if message.channel == Delivery.Channel.EMAIL:
            send_mail(message.title, message.body, settings.DEFAULT_FROM_EMAIL, [message.address])
        elif message.channel == Delivery.Channel.SMS:
            return sms.deliver(message, now)  # records its own outcome; raises SmsError
        else:
            return bots.deliver(message, now)  # records its own outcome; raises BotError
    except Exception as exc:
        attempts = message.attempts + 1
        final = attempts >= Delivery.MAX_ATTEMPTS or getattr(exc, "permanent", False)
        Delivery.objects.filter(pk=pk).update(
            status=Delivery.Status.FAILED if final else Delivery.Status.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
        )
        if final:
            return False
        raise
    Delivery.objects.filter(pk=pk).update(
        status=Delivery.Status.SENT, attempts=message.attempts + 1, sent_at=timezone.now()
    )
    return True


def stale_deliveries(now=None, pending_after=120, sending_after=900):
    """Outbox messages a queue did not finish: pending for a while (their task was lost) or
    held by a worker that died. Those held are released; returns the ids to enqueue again."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import Delivery

    now = now or timezone.now()
    Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - timedelta(seconds=sending_after)
    ).update(status=Delivery.Status.PENDING)
    return list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING,
            created_at__lt=now - timedelta(seconds=pending_after),
        ).values_list("pk", flat=True)
    )


def as_date(value):
    """A date from a date or an ISO string (YYYY-MM-DD); None when it is neither."""
    import datetime

    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def units_above(region, **filters):
    """The units of `region` and of the regions above it that match `filters`, nearest first
    (a township's before its county's, a county's before the city's)."""
    from .models import Unit

    depth = {code: i for i, code in enumerate(region.chain_codes)}
    units = Unit.objects.select_related("region").filter(region__code__in=depth, **filters)
    return sorted(units, key=lambda u: -depth[u.region.code])


def is_workday(day):
    """Chinese public holidays and adjusted working days (chinese_calendar), Mon–Fri beyond the
    years it knows."""
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def working_deadline(hours, now=None):
    """`hours` of an SLA as working days (hours / 24, rounded up) after `now`, due at 18:00 of
    the last one."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    days = max(1, -(-int(hours) // 24))
    day = timezone.localtime(now).date()
    while days:
        day += timedelta(days=1)
        if is_workday(day):
            days -= 1
    return timezone.make_aware(datetime.combine(day, time(18, 0)))


def campaigns_on(day, region_path=None):
    """Campaigns running on `day` (optionally covering a region path), most recent first."""
    from django.db.models import Q

    from .models import Campaign

    campaigns = list(
        Campaign.objects.select_related("region")
        .filter(starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("-starts_on", "-id")
    )
    if region_path:
        campaigns = [c for c in campaigns if region_path.startswith(c.region.path)]
    return campaigns


def campaign_for(enterprise, day):
    """The campaign an enterprise's report, application or problem of `day` belongs to."""
    found = campaigns_on(day, enterprise.region.path)
    return found[0] if found else None
