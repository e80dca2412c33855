"""Periodic jobs of the reporting app, run by the task queue (`fugong run_huey`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from fugong.core.jobs import periodic

from . import services

if TYPE_CHECKING:
    from datetime import date


@periodic(crontab(minute="*/15"))
def remind_missing_reports() -> int:
    return services.remind_due()


@db_task(retries=5, retry_delay=120)
def deliver_summary(campaign_id: int, day: date) -> int:
    return services.deliver_summary(campaign_id, day)


@periodic(crontab(minute="*/15"))
def send_summaries() -> None:
    for campaign_id, day in services.summaries_due():
        deliver_summary(campaign_id, day)


@periodic(crontab(hour="0", minute="5"))
def roll_status_forward() -> None:
    """Carry every running campaign's statuses into the new day before anyone reads it."""
    for campaign in services.running_campaigns(timezone.localdate()):
        services.roll_forward(campaign)
