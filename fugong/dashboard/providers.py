"""The status providers of the relief policies' rules (policies.rules): whether an enterprise
had resumed by a day, was in closed-loop production, or reported losses; and which
enterprises run a closed-loop site (registry.closed_loop: proxy purchasing and workers' buses
ask). They read the reporting and approvals apps, so they live here, on top, and are
connected at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef

from fugong.approvals.models import Application
from fugong.policies import rules
from fugong.registry import closed_loop
from fugong.reporting.models import DailyReport

if TYPE_CHECKING:
    from datetime import date

    from django.db.models import QuerySet


def resumed_on(day: date) -> QuerySet[DailyReport]:
    """Reports that are an enterprise's latest by `day` and say it resumed (status as of D)."""
    later = DailyReport.objects.filter(
        enterprise=OuterRef("enterprise"), date__gt=OuterRef("date"), date__lte=day
    )
    return DailyReport.objects.filter(date__lte=day, status__in=["full", "partial"]).exclude(
        Exists(later)
    )


def closed_loop_on(day: date) -> QuerySet[Application]:
    """Closed-loop applications approved and cleared by `day`."""
    return Application.objects.filter(kind="closed_loop", state="approved", cleared_from__lte=day)


def losses_between(since: date | None, until: date) -> QuerySet[DailyReport]:
    """Reports with a loss, in a campaign that asks for one (the extra report field
    `losses`, 万元)."""
    reports = DailyReport.objects.filter(date__lte=until, extra__losses__gt=0)
    return reports.filter(date__gte=since) if since else reports


def connect() -> None:
    rules.connect("resumed", resumed_on)
    rules.connect("closed_loop", closed_loop_on)
    rules.connect("losses", losses_between)
    closed_loop.connect(closed_loop_on)
