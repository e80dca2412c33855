"""Periodic jobs of the inspections app, run by the task queue (`fugong run_huey`)."""

from __future__ import annotations

from huey import crontab

from fugong.core.jobs import periodic

from . import services


@periodic(crontab(hour="8", minute="30"))
def remind_overdue_rectifications() -> int:
    return services.remind_overdue()
