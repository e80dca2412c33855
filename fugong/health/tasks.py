"""Periodic jobs of the health app."""

import datetime

from django.utils import timezone
from huey import crontab

from fugong.core.jobs import periodic

from . import services


@periodic(crontab(hour="1", minute="20"))
def purge_personal_records() -> int:
    """Nightly: declarations and gate checks past their campaign's retention are removed (a
    whole day partition dropped on PostgreSQL)."""
    return services.purge()


@periodic(crontab(hour="0", minute="30"))
def create_partitions() -> int:
    """Nightly: day partitions for the coming week (PostgreSQL)."""
    today = timezone.localdate()
    return services.ensure_partitions(today, today + datetime.timedelta(days=7))
