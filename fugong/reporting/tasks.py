"""Periodic jobs of the reporting app, run by the task queue (`fugong run_huey`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from fugong.core.jobs import periodic
from fugong.core.models import Campaign

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


# Reads never write (README "Reads never write"): the statuses are carried into a new day here,
# a few minutes after midnight and again every quarter of an hour (a no-op once done, a catch-up
# if the worker was down), and after a report dated beyond the horizon arrives.
@periodic(crontab(minute="5,20,35,50"))
def roll_status_forward() -> None:
    """Carry every running campaign's statuses into the new day before anyone reads it (the
    list sums pending first, should their own job have been lost)."""
    services.settle_list_days()
    for campaign in services.running_campaigns(timezone.localdate()):
        services.roll_forward(campaign)


@db_task(retries=3, retry_delay=30)
def roll_campaign_forward(campaign_id: int) -> None:
    """Carry one campaign's statuses up to today (enqueued after a report dated beyond its
    horizon)."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        services.roll_forward(campaign)


@db_task(retries=3, retry_delay=30)
def settle_list_days() -> int:
    """Recompute the list sums a membership change left pending (enqueued after its commit)."""
    return services.settle_list_days()
