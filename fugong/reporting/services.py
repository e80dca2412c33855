"""Daily-report use-cases: validate, submit (one transaction each, audited, with history) and
keep the DayStatus rollup current."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.inputs import BadInput, parse_decimal, parse_int
from fugong.core.models import Campaign, Unit, User
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import audit, campaign_for, campaigns_on, notify, send_webhook
from fugong.core.signals import report_submitted
from fugong.registry.models import Enterprise, enterprise_id_of

from . import checks, reminders, stats, windows
from .models import (
    REPORT_FIELDS,
    DailyReport,
    DailyReportVersion,
    Status,
    Summary,
)
from .rollups import (  # noqa: F401  (re-exported: callers use services.roll_forward …)
    enterprises_changed,
    horizon_day,
    latest_report_day,
    rebuild_status,
    recompute_region_days,
    refresh_status,
    roll_forward,
    settle_list_days,
)

if TYPE_CHECKING:
    from typing import Any

    from django.db.models import QuerySet

# --- which campaign, who may submit ------------------------------------------------------


def can_submit(user: User, enterprise: Enterprise) -> bool:
    if user.is_system:
        return True
    return user.may_report and Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()


def channel_for(user: User) -> str:
    if user.is_commissioner:
        return "commissioner"
    if enterprise_id_of(user):
        return "h5"
    return "import"


# --- validation ---------------------------------------------------------------------------


def _int(value: Any, field: str, errors: dict, label: str) -> int | None:
    try:
        return parse_int(value, low=0)
    except BadInput:
        errors[field] = _("%(f)s应为非负整数") % {"f": label}
        return None


def _decimal(
    value: Any, field: str, errors: dict, label: str, high: Decimal | int | None = None
) -> Decimal | None:
    try:
        number = parse_decimal(value, percent=True)
    except BadInput:
        errors[field] = _("%(f)s应为数字") % {"f": label}
        return None
    if number is not None and (number < 0 or (high is not None and number > high)):
        errors[field] = (
            _("%(f)s应在 0 到 %(h)s 之间") % {"f": label, "h": high}
            if high
            else _("%(f)s不能为负数") % {"f": label}
        )
        return None
    return number


def validate_extra(campaign: Campaign, extra: dict | None) -> tuple[dict, dict]:
    """Check the campaign's extra daily-report fields; return (clean values, errors)."""
    clean, errors = {}, {}
    extra = extra or {}
    known = {f["key"]: f for f in campaign.report_fields}
    for key in extra:
        if key not in known:
            errors[f"extra.{key}"] = _("“%(k)s”不是本次应急事件的日报字段") % {"k": key}
    for key, spec in known.items():
        value = extra.get(key)
        label = spec["label"]
        if value in (None, ""):
            if spec.get("required"):
                errors[f"extra.{key}"] = _("%(f)s为必填项") % {"f": label}
            continue
        if spec["type"] in ("number", "percent"):
            high = Decimal(100) if spec["type"] == "percent" else None
            field_errors = {}
            number = _decimal(value, key, field_errors, label, high)
            if field_errors:
                errors[f"extra.{key}"] = field_errors[key]
            else:
                clean[key] = float(number)
        elif spec["type"] == "choice":
            if str(value) not in [str(c) for c in spec["choices"]]:
                errors[f"extra.{key}"] = _("%(f)s应为：%(c)s") % {
                    "f": label,
                    "c": "、".join(map(str, spec["choices"])),
                }
            else:
                clean[key] = str(value)
        else:
            clean[key] = str(value)[:500]
    return clean, errors


def validate_report(
    campaign: Campaign | None,
    enterprise: Enterprise,
    day: date,
    data: dict,
    today: date | None = None,
    at: datetime | None = None,
    window: bool = True,
) -> dict:
    """Return the clean field values of one report or raise ValidationError naming each field.

    `data` may carry strings (forms, sheets) or numbers (API)."""
    today = today or timezone.localdate()
    errors = {}
    if day > today:
        errors["date"] = _("日期不能晚于今天")
    elif campaign is None:
        errors["date"] = _("该日期不在任何应急事件期间")
    elif day < campaign.starts_on or (campaign.ends_on and day > campaign.ends_on):
        errors["date"] = _("日期不在应急事件“%(c)s”期间（%(s)s 至 %(e)s）") % {
            "c": campaign,
            "s": campaign.starts_on,
            "e": campaign.ends_on or "—",
        }
    elif not enterprise.region.path.startswith(campaign.region.path):
        errors["enterprise"] = _("该企业不在应急事件“%(c)s”的范围内") % {"c": campaign}
    elif not enterprise.is_active_on(day):
        errors["date"] = (
            _("该企业 %(d)s 才登记，此前无需填报") % {"d": enterprise.active_from}
            if enterprise.active_from and day < enterprise.active_from
            else _("该企业已于 %(d)s %(r)s，此后无需填报")
            % {"d": enterprise.active_to, "r": enterprise.get_closure_reason_display()}
        )
    elif window:  # a township's correction while confirming is not held by the window
        errors.update(windows.window_errors(campaign, enterprise, day, at or timezone.now()))
    clean = {}
    status = data.get("status")
    if status not in Status.values:
        errors["status"] = _("复工状态应为 复工、部分复工 或 未复工")
    clean["status"] = status
    mode = data.get("mode") or "normal"
    if mode not in ("normal", "closed_loop"):
        errors["mode"] = _("生产模式应为 正常生产 或 闭环生产")
    clean["mode"] = mode
    clean["staff_total"] = _int(data.get("staff_total"), "staff_total", errors, _("职工总数"))
    if clean["staff_total"] is None and "staff_total" not in errors:
        clean["staff_total"] = enterprise.total_staff
    clean["staff_on_duty"] = (
        _int(data.get("staff_on_duty"), "staff_on_duty", errors, _("在岗人数")) or 0
    )
    if (
        "staff_on_duty" not in errors
        and clean["staff_total"] is not None
        and (clean["staff_on_duty"] > clean["staff_total"])
    ):
        errors["staff_on_duty"] = _("在岗人数（%(a)d）不能大于职工总数（%(b)d）") % {
            "a": clean["staff_on_duty"],
            "b": clean["staff_total"],
        }
    clean["output"] = _decimal(data.get("output"), "output", errors, _("当日产值"))
    clean["output_unit"] = (data.get("output_unit") or "万元")[:20]
    clean["capacity_utilisation"] = _decimal(  # its 0–100 range is a campaign rule (checks)
        data.get("capacity_utilisation"), "capacity_utilisation", errors, _("产能利用率")
    )
    clean["material_days"] = _int(
        data.get("material_days"), "material_days", errors, _("原材料可用天数")
    )
    for field, label in (
        ("masks_needed", _("口罩需求")),
        ("thermometers_needed", _("体温计需求")),
        ("workers_short", _("用工缺口")),
    ):
        clean[field] = _int(data.get(field), field, errors, label) or 0
    for field, label in (
        ("disinfectant_needed", _("消毒液需求")),
        ("funding_needed", _("资金需求")),
    ):
        clean[field] = _decimal(data.get(field), field, errors, label) or Decimal(0)
    clean["difficulties"] = (data.get("difficulties") or "").strip()[:2000]
    if campaign is not None:
        clean["extra"], extra_errors = validate_extra(campaign, data.get("extra"))
        errors.update(extra_errors)
        hard, flags = checks.rule_checks(campaign, enterprise, day, clean)
        for field, message in hard.items():
            errors.setdefault(field, message)
        clean["flags"], clean["flagged"] = flags, bool(flags)
    if errors:
        raise ValidationError(errors)
    return clean


# --- submission ---------------------------------------------------------------------------


def _snapshot(report: DailyReport) -> dict:
    data = {f: getattr(report, f) for f in REPORT_FIELDS}
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}


def keep_version(report: DailyReport) -> None:
    """Keep the report's current values as an earlier version; the report's next one follows."""
    DailyReportVersion.objects.create(
        report=report,
        version=report.version,
        data=_snapshot(report),
        channel=report.channel,
        submitted_by=report.submitted_by,
        submitted_at=report.submitted_at,
    )
    report.version += 1


def save_report(
    user: User, campaign: Campaign, enterprise: Enterprise, day: date, clean: dict, channel: str
) -> DailyReport:
    """Create or update the day's report (keeping the earlier version) and its DayStatus rows.
    Call inside a transaction with validated values."""
    now = timezone.now()
    report = (
        DailyReport.objects.select_for_update()
        .filter(campaign=campaign, enterprise=enterprise, date=day)
        .first()
    )
    if report is None:
        report = DailyReport(campaign=campaign, enterprise=enterprise, date=day)
        report.arrived_at, report.on_time = now, campaign.report_on_time(day, now)
    else:
        keep_version(report)
    for field, value in clean.items():
        setattr(report, field, value)
    report.channel, report.submitted_by, report.submitted_at = channel, person(user), now
    report.confirmed_at = report.confirmed_by = None  # new figures wait for confirmation
    report.save()
    refresh_status(report)
    checks.reflag_outliers(report)
    # whoever reacts to a report (the work-order app: difficulties become an order) listens
    # receivers return what they made (an order with get_absolute_url) so the user is told
    responses = report_submitted.send(
        sender=DailyReport,
        user=user,
        campaign=campaign,
        enterprise=enterprise,
        day=day,
        report=report,
        values=clean,
    )
    report.followups = [made for _receiver, made in responses if made is not None]
    return report


@transaction.atomic
def submit_report(
    user: User, enterprise: Enterprise, day: date, data: dict, channel: str | None = None
) -> DailyReport:
    """One report from a form or the API: checks rights, validates, saves, audits."""
    if not can_submit(user, enterprise):
        raise PermissionError(_("您不能为该企业填报日报"))
    campaign = campaign_for(enterprise, day)
    clean = validate_report(campaign, enterprise, day, data)
    report = save_report(user, campaign, enterprise, day, clean, channel or channel_for(user))
    audit(
        user,
        "update" if report.version > 1 else "create",
        report,
        detail={"channel": report.channel, "version": report.version},
    )
    return report


def previous_report(enterprise: Enterprise, before: date) -> DailyReport | None:
    return (
        DailyReport.objects.filter(enterprise=enterprise, date__lt=before).order_by("-date").first()
    )


# --- chasing ------------------------------------------------------------------------------


def remind(
    by: User | None, campaign: Campaign, enterprises: QuerySet[Enterprise], day: date | None = None
) -> int:
    """Remind the accounts of enterprises that have not reported `day` (once per day each).
    Returns how many people were reminded."""

    day = day or timezone.localdate()
    missing = enterprises.exclude(
        pk__in=DailyReport.objects.filter(campaign=campaign, date=day).values("enterprise_id")
    )
    users = User.objects.filter(enterprise_account__enterprise__in=missing, is_active=True)
    due = campaign.report_due_time.strftime("%H:%M")
    notified = notify(
        users,
        "report_reminder",
        _("请于今天 %(t)s 前填报企业日报") % {"t": due},
        _("“%(c)s”的企业日报尚未填报。") % {"c": campaign},
        url="/report/",
        day=day,
        once_per_day=True,
    )
    if by is not None:
        audit(by, "update", campaign, detail={"reminded": len(notified), "day": str(day)})
    return len(notified)


def needs_on(user: User, query: stats.StatsQuery) -> dict:
    """Totals of the needs reported dated the query's day, in scope (for the dashboard)."""

    qs = DailyReport.objects.filter(
        campaign=query.campaign, date=query.day, enterprise__in=query.enterprises(user).values("pk")
    )
    totals = qs.aggregate(
        masks=Sum("masks_needed"),
        disinfectant=Sum("disinfectant_needed"),
        thermometers=Sum("thermometers_needed"),
        workers=Sum("workers_short"),
        funding=Sum("funding_needed"),
        funding_enterprises=Count("id", filter=Q(funding_needed__gt=0)),
        difficulties=Count("id", filter=~Q(difficulties="")),
    )
    return {k: v or 0 for k, v in totals.items()}


# --- the periodic jobs' logic (reporting/tasks.py schedules them) ---------------------------


def running_campaigns(day: date) -> list[Campaign]:
    return [c for c in campaigns_on(day) if not c.modules or "reports" in c.modules]


def remind_due(now: datetime | None = None) -> int:
    """Send the reminder times that have come (reminders.reminders_due); the number of
    enterprise accounts reminded."""
    return sum(run["people"] for run in reminders.reminders_due(now))


def summary_text(campaign: Campaign, day: date) -> str:

    query = stats.StatsQuery(campaign=campaign, region=campaign.region, day=day)
    result = stats.resumption(SYSTEM, query, by="region")
    lines = [
        _(
            "截至 %(t)s，%(r)s 应报 %(n)d 家，已报 %(a)d 家（%(c)s%%），未报 %(m)d 家；"
            "复工 %(x)d 家，复工率 %(rate)s%%，到岗率 %(s)s%%。"
        )
        % {
            "t": campaign.report_due_time.strftime("%H:%M"),
            "r": result["region_name"],
            "n": result["enterprises"],
            "a": result["reported_today"],
            "c": result["completeness"],
            "m": result["missing_today"],
            "x": result["resumed"],
            "rate": result["rate"],
            "s": result["staff_rate"],
        }
    ]
    for b in result["breakdown"]:
        if b["missing_today"]:
            lines.append(_("- %(l)s：未报 %(m)d 家") % {"l": b["label"], "m": b["missing_today"]})
    return "\n".join(lines)


def summaries_due(now: datetime | None = None) -> list[tuple[int, date]]:
    """After a campaign's due time, the day's summary (once) for its command centres' group
    bots. Returns the (campaign, day) pairs whose summary was prepared."""

    now = timezone.localtime(now)
    prepared = []
    for campaign in running_campaigns(now.date()):
        due = timezone.make_aware(timezone.datetime.combine(now.date(), campaign.report_due_time))
        if now < due or Summary.objects.filter(campaign=campaign, day=now.date()).exists():
            continue
        units = Unit.objects.filter(kind=Unit.Kind.COMMAND_CENTRE, region=campaign.region)
        Summary.objects.create(
            campaign=campaign,
            day=now.date(),
            text=summary_text(campaign, now.date()),
            sent_to=[u.code for u in units if u.webhook_url],
        )
        prepared.append((campaign.pk, now.date()))
    return prepared


def deliver_summary(campaign_id: int, day: date) -> int:
    """POST a prepared summary to each command centre's group bot (raises to be retried)."""

    summary = Summary.objects.select_related("campaign").get(campaign_id=campaign_id, day=day)
    title = _("%(c)s 日报填报情况 %(d)s") % {"c": summary.campaign.name, "d": day}
    for unit in Unit.objects.filter(code__in=summary.sent_to).exclude(webhook_url=""):
        send_webhook(unit.webhook_kind, unit.webhook_url, title, summary.text)
    return len(summary.sent_to)
