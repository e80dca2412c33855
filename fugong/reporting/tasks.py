"""Periodic jobs of the reporting app, run by the task queue (`fugong run_huey`)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from fugong.core.jobs import periodic

from . import services


@periodic(crontab(minute="*/15"))
def remind_missing_reports():
    return services.remind_due()


@db_task(retries=5, retry_delay=120)
def deliver_summary(campaign_id, day):
    return services.deliver_summary(campaign_id, day)


@periodic(crontab(minute="*/15"))
def send_summaries():
    for campaign_id, day in services.summaries_due():
        deliver_summary(campaign_id, day)


@periodic(crontab(hour="0", minute="5"))
def roll_status_forward():
    """Carry every running campaign's statuses into the new day before anyone reads it."""
    for campaign in services.running_campaigns(timezone.localdate()):
        services.roll_forward(campaign)
