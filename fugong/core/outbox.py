"""Telling people: in-app notifications, and the outbox of e-mails and group-bot posts that the
task queue sends (with retries) once the caller's transaction commits."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from . import bots, sms
from .models import Delivery, Notification, User

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date, datetime

    from .models import Unit


def notify(
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    day: date | None = None,
    once_per_day: bool = False,
) -> list[User]:
    """Create in-app notifications; with once_per_day, users already notified of this kind on
    `day` are skipped. Returns the users notified."""

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


def send_webhook(
    kind: str, url: str, title: str, text: str, timeout: float = 10, key: str = ""
) -> bool:
    """POST a message to a group bot. Raises OSError when it cannot be delivered (the task queue
    retries). `key` (sent as X-Fugong-Delivery) lets a receiver drop a repeat: a worker killed
    between the POST and recording it leaves the message to be sent again."""
    answer = bots.send(kind, url, title, text, key=key, timeout=timeout)  # signed, rate-limited
    if not answer.ok:
        raise answer.error()  # BotError (an OSError); .permanent when retrying will not help
    return True


def announce(
    users: Iterable[User] = (),
    units: Iterable[Unit] = (),
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
) -> list[User]:
    """Tell people of a step: an in-app notification and an e-mail to each user (who has an
    address), a post to each unit's group bot. E-mail and posts go through the outbox and are
    sent by the task queue once the caller's transaction commits."""

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


def announce_to_units(
    units: Iterable[Unit], *, kind: str, title: str, body: str = "", url: str = ""
) -> list[User]:
    """`announce` to the active users of `units` and on the units' group bots."""
    units = [u for u in units if u is not None]
    users = User.objects.filter(unit__in=units, is_active=True)
    return announce(users, units, kind=kind, title=title, body=body, url=url)


def absolute_url(path: str) -> str:
    """`path` on the installation's public address (links in messages and QR codes)."""
    return settings.SITE_URL.rstrip("/") + path


def _enqueue(ids: Sequence[int]) -> None:
    for pk in ids:
        deliver(pk)


def send_delivery(pk: int, now: datetime | None = None) -> bool:
    """Send one outbox message unless it is sent or another worker holds it. On failure the
    message goes back to pending and the error is raised for the queue to retry, until it has
    failed MAX_ATTEMPTS times. Returns True when sent by this call."""

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


def stale_deliveries(
    now: datetime | None = None, pending_after: int = 120, sending_after: int = 900
) -> list[int]:
    """Outbox messages a queue did not finish: pending for a while (their task was lost) or
    held by a worker that died. Those held are released; returns the ids to enqueue again."""

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


@db_task(retries=5, retry_delay=60)
def deliver(pk: int) -> bool:
    """The queue's task sending one outbox message (retried on failure)."""
    return send_delivery(pk)
