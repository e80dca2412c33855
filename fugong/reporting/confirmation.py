"""Confirmation up the chain (逐级审核, README "Confirmation").

A township or park officer confirms the day's reports of the enterprises in their scope,
correcting a figure where needed (the correction keeps the figures before and after and who
changed them, audited); the county's command centre then confirms each township whose reports
are all confirmed. A report submitted again after its confirmation waits for a new one."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.models import Campaign, Region, User
from fugong.core.permissions import person
from fugong.core.services import audit
from fugong.registry.services import region_in_scope, scope_regions

from . import checks, services
from .models import (
    FIGURE_FIELDS,
    REPORT_FIELDS,
    DailyReport,
    DayStatus,
    ReportCorrection,
    TownshipConfirmation,
)
from .rollups import refresh_status

TOWNSHIP_LEVELS = (Region.Level.TOWNSHIP, Region.Level.PARK)


def reports_of_day(user: User, campaign: Campaign, day: date) -> QuerySet:
    """The day's reports the user may confirm (their scope), unconfirmed first."""
    return (
        DailyReport.objects.visible_to(user)
        .filter(campaign=campaign, date=day)
        .select_related("enterprise__region", "confirmed_by")
        .order_by("confirmed_at", "enterprise__region__path", "enterprise__name")
    )


def _may_confirm(user: User) -> None:
    if not user.confirms_reports:
        raise PermissionDenied(_("只有街镇、园区或指挥部可以审核日报"))


@transaction.atomic
def confirm_reports(
    user: User, campaign: Campaign, day: date, report_ids: list[int] | None = None
) -> int:
    """Confirm the day's unconfirmed reports in the user's scope (or those of `report_ids`,
    each of which must be in scope: DailyReport.DoesNotExist otherwise). Returns how many."""
    _may_confirm(user)
    reports = reports_of_day(user, campaign, day)
    if report_ids is not None:
        found = set(reports.filter(pk__in=report_ids).values_list("pk", flat=True))
        if found != set(report_ids):
            raise DailyReport.DoesNotExist(_("日报不存在或不在您的管辖范围内"))
        reports = reports.filter(pk__in=report_ids)
    ids = list(reports.filter(confirmed_at__isnull=True).values_list("pk", flat=True))
    DailyReport.objects.filter(pk__in=ids).update(
        confirmed_at=timezone.now(), confirmed_by=person(user)
    )
    DayStatus.objects.filter(report_id__in=ids).update(confirmed=True)
    audit(
        user,
        "update",
        target_type="reporting.dailyreport",
        detail={"confirmed": ids, "day": day.isoformat(), "campaign": campaign.pk},
    )
    return len(ids)


def _values(report: DailyReport) -> dict:
    return {f: getattr(report, f) for f in REPORT_FIELDS}


def _plain(value: object) -> object:
    return None if value is None else str(value) if not isinstance(value, int) else value


@transaction.atomic
def correct_report(user: User, report: DailyReport, changes: dict, reason: str) -> DailyReport:
    """Correct some of a report's figures and confirm it: validated like a report (the window
    aside), the earlier values kept as a version, before/after/who recorded and audited."""
    _may_confirm(user)
    if not DailyReport.objects.visible_to(user).filter(pk=report.pk).exists():
        raise DailyReport.DoesNotExist(_("日报不存在或不在您的管辖范围内"))
    report = (
        DailyReport.objects.select_for_update()
        .select_related("enterprise__region")
        .get(pk=report.pk)
    )
    unknown = set(changes) - set(FIGURE_FIELDS)
    if unknown:
        raise ValidationError({k: _("该项不能在审核时更正") for k in sorted(unknown)})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写更正原因")})
    clean = services.validate_report(
        report.campaign,
        report.enterprise,
        report.date,
        {**_values(report), **changes},
        window=False,
    )
    before = {f: _plain(getattr(report, f)) for f in FIGURE_FIELDS}
    after = {f: _plain(clean[f]) for f in FIGURE_FIELDS}
    changed = [f for f in FIGURE_FIELDS if before[f] != after[f]]
    if not changed:
        raise ValidationError({"reason": _("没有更正任何数值")})
    services.keep_version(report)
    for field in (*changed, "flags", "flagged"):
        setattr(report, field, clean[field])
    report.confirmed_at, report.confirmed_by = timezone.now(), person(user)
    report.save()
    refresh_status(report)
    checks.reflag_outliers(report)
    ReportCorrection.objects.create(
        report=report,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
        reason=reason[:255],
        corrected_by=person(user),
        corrected_at=report.confirmed_at,
    )
    audit(
        user,
        "update",
        report,
        detail={
            "corrected": changed,
            "before": {f: before[f] for f in changed},
            "after": {f: after[f] for f in changed},
            "reason": reason,
        },
    )
    return report


def township_progress(user: User, campaign: Campaign, day: date) -> list[dict]:
    """Per township or park in the user's scope: the day's reports, how many the township
    confirmed, and the county's confirmation (or None)."""
    townships = list(scope_regions(user).filter(level__in=TOWNSHIP_LEVELS).order_by("path"))
    counts = (
        DailyReport.objects.visible_to(user)
        .filter(campaign=campaign, date=day)
        .values("enterprise__region__path")
        .annotate(n=Count("id"), confirmed=Count("id", filter=Q(confirmed_at__isnull=False)))
        .order_by()
    )
    done = {
        c.region_id: c
        for c in TownshipConfirmation.objects.filter(campaign=campaign, day=day).select_related(
            "confirmed_by"
        )
    }
    rows = []
    for township in townships:
        mine = [c for c in counts if c["enterprise__region__path"].startswith(township.path)]
        reports = sum(c["n"] for c in mine)
        confirmed = sum(c["confirmed"] for c in mine)
        rows.append(
            {
                "region": township,
                "reports": reports,
                "confirmed": confirmed,
                "unconfirmed": reports - confirmed,
                "county": done.get(township.pk),
            }
        )
    return rows


@transaction.atomic
def confirm_township(
    user: User, campaign: Campaign, day: date, region: Region
) -> TownshipConfirmation:
    """The county confirms one township's day once all its reports are confirmed."""
    if not user.confirms_townships:
        raise PermissionDenied(_("只有县级以上指挥部可以审核街镇"))
    if region.level not in TOWNSHIP_LEVELS or not region_in_scope(user, region):
        raise ValidationError({"region": _("请选择您辖区内的街镇或园区")})
    waiting = (
        DailyReport.objects.visible_to(user)
        .filter(
            region.subtree_q("enterprise__"),
            campaign=campaign,
            date=day,
            confirmed_at__isnull=True,
        )
        .count()
    )
    if waiting:
        raise ValidationError(
            {"region": _("%(r)s 还有 %(n)d 份日报未经街镇审核") % {"r": region.name, "n": waiting}}
        )
    confirmation, _created = TownshipConfirmation.objects.get_or_create(
        campaign=campaign,
        day=day,
        region=region,
        defaults={"confirmed_by": person(user), "confirmed_at": timezone.now()},
    )
    audit(
        user,
        "update",
        target_type="reporting.townshipconfirmation",
        detail={"township": region.code, "day": day.isoformat(), "campaign": campaign.pk},
    )
    return confirmation
