"""Periodic jobs of the dashboard, run by the task queue (`fugong run_huey`)."""

from huey import crontab

from fugong.core.jobs import periodic

from . import push


@periodic(crontab(minute="*/15"))
def push_daily_briefs():
    return push.briefs_due()
