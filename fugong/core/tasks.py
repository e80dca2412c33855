"""Jobs of the core app: the outbox (e-mail and group-bot messages) sent with retries."""

from huey import crontab

from .jobs import beat, periodic
from .outbox import deliver as send_delivery  # the outbox's task, under its old name
from .outbox import stale_deliveries


@periodic(crontab(minute="*/5"))
def sweep_outbox() -> int:
    """Every five minutes: enqueue again what a lost task or a dead worker left unsent."""
    ids = stale_deliveries()
    for pk in ids:
        send_delivery(pk)
    return len(ids)


@periodic(crontab(minute="*"))
def heartbeat() -> None:
    """Every minute: the workers and the scheduler are alive (read by /healthz)."""
    beat()
