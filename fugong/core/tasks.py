"""Jobs of the core app: the outbox (e-mail and group-bot messages) sent with retries."""

from huey import crontab
from huey.contrib.djhuey import db_task

from . import services
from .jobs import beat, periodic


@db_task(retries=5, retry_delay=60)
def send_delivery(pk):
    return services.send_delivery(pk)


@periodic(crontab(minute="*/5"))
def sweep_outbox():
    """Every five minutes: enqueue again what a lost task or a dead worker left unsent."""
    ids = services.stale_deliveries()
    for pk in ids:
        send_delivery(pk)
    return len(ids)


@periodic(crontab(minute="*"))
def heartbeat():
    """Every minute: the workers and the scheduler are alive (read by /healthz)."""
    beat()
