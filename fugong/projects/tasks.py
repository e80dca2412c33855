"""Periodic jobs of the projects app, run by the task queue (`fugong run_huey`)."""

from __future__ import annotations

from huey import crontab

from fugong.core.jobs import periodic

from . import reports


@periodic(crontab(minute="*/15"))
def remind_missing_project_reports() -> int:
    """The key projects' daily-report reminders, at the enterprise reports' times."""
    return sum(run["people"] for run in reports.reminders_due())
