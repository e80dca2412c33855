"""Daily-report use-cases: validate, submit (one transaction each, audited, with history) and
keep the DayStatus rollup current."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.inputs import BadInput, parse_decimal, parse_int
from fugong.core.models import Role
from fugong.core.services import audit, campaign_for, campaigns_on
from fugong.registry.models import Enterprise, enterprise_id_of
from fugong.workorders import services as workorders

from .models import (
    REPORT_FIELDS,
    DailyReport,
    DailyReportVersion,
    DayStatus,
    Horizon,
    RegionDay,
    Status,
)

# --- which campaign, who may submit ------------------------------------------------------


def can_submit(user, enterprise) -> bool:
    if user is None:
        return True
    return user.may_report and Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()


def channel_for(user):
    if user is not None and user.role == Role.COMMISSIONER:
        return "commissioner"
    if user is not None and enterprise_id_of(user):
        return "h5"
    return "import"


# --- validation ---------------------------------------------------------------------------


def _int(value, field, errors, label):
    try:
        return parse_int(value, low=0)
    except BadInput:
        errors[field] = _("%(f)s应为非负整数") % {"f": label}
        return None


def _decimal(value, field, errors, label, high=None):
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


def validate_extra(campaign, extra):
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


def validate_report(campaign, enterprise, day, data, today=None):
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
    clean["capacity_utilisation"] = _decimal(
        data.get("capacity_utilisation"),
        "capacity_utilisation",
        errors,
        _("产能利用率"),
        Decimal(100),
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
    if errors:
        raise ValidationError(errors)
    return clean


# --- submission ---------------------------------------------------------------------------


def _snapshot(report):
    data = {f: getattr(report, f) for f in REPORT_FIELDS}
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}


def save_report(user, campaign, enterprise, day, clean, channel):
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
    else:
        DailyReportVersion.objects.create(
            report=report,
            version=report.version,
            data=_snapshot(report),
            channel=report.channel,
            submitted_by=report.submitted_by,
            submitted_at=report.submitted_at,
        )
        report.version += 1
    for field, value in clean.items():
        setattr(report, field, value)
    report.channel, report.submitted_by, report.submitted_at = channel, user, now
    report.save()
    refresh_status(report)
    # difficulties and needs become a work order (the workorders app's public service)
    workorders.intake_from_report(user, campaign, enterprise, day, report.pk, clean)
    return report


@transaction.atomic
def submit_report(user, enterprise, day, data, channel=None):
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


def previous_report(enterprise, before):
    return (
        DailyReport.objects.filter(enterprise=enterprise, date__lt=before).order_by("-date").first()
    )


# --- the DayStatus rollup -----------------------------------------------------------------


def _status_row(report, day):
    return DayStatus(
        campaign_id=report.campaign_id,
        day=day,
        enterprise_id=report.enterprise_id,
        report=report,
        status=report.status,
        staff_on_duty=report.staff_on_duty,
        staff_total=report.staff_total,
        output=report.output,
        capacity_utilisation=report.capacity_utilisation,
        reported_today=(day == report.date),
    )


def refresh_status(report):
    """Rewrite the enterprise's DayStatus rows from the report's day up to the day before its
    next report (or the horizon)."""
    through = roll_forward(report.campaign, report.date)
    nxt = DailyReport.objects.filter(
        campaign_id=report.campaign_id, enterprise_id=report.enterprise_id, date__gt=report.date
    ).aggregate(d=Min("date"))["d"]
    last = min(nxt - timedelta(days=1), through) if nxt else through
    DayStatus.objects.filter(
        campaign_id=report.campaign_id,
        enterprise_id=report.enterprise_id,
        day__gte=report.date,
        day__lte=last,
    ).delete()
    days = (last - report.date).days + 1
    DayStatus.objects.bulk_create(
        [_status_row(report, report.date + timedelta(days=i)) for i in range(days)], batch_size=1000
    )
    recompute_region_days(report.campaign_id, [report.enterprise.region_id], report.date, last)


_COPY_REGION_DAYS_SQL = """
INSERT INTO reporting_regionday (campaign_id, day, region_id, resumed_full, resumed_partial,
    reported, reported_today, staff_on_duty, staff_total_reported, registry_staff_reported,
    output, capacity_sum, capacity_n)
SELECT campaign_id, %s, region_id, resumed_full, resumed_partial, reported, 0, staff_on_duty,
    staff_total_reported, registry_staff_reported, output, capacity_sum, capacity_n
FROM reporting_regionday WHERE campaign_id = %s AND day = %s
"""

_REGION_DAYS_SQL = """
INSERT INTO reporting_regionday (campaign_id, day, region_id, resumed_full, resumed_partial,
    reported, reported_today, staff_on_duty, staff_total_reported, registry_staff_reported,
    output, capacity_sum, capacity_n)
SELECT s.campaign_id, s.day, e.region_id,
    SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
    SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END),
    COUNT(*), SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
    SUM(s.staff_on_duty), SUM(s.staff_total), SUM(e.total_staff),
    COALESCE(SUM(s.output), 0), COALESCE(SUM(s.capacity_utilisation), 0),
    COUNT(s.capacity_utilisation)
FROM reporting_daystatus s JOIN registry_enterprise e ON e.id = s.enterprise_id
WHERE s.campaign_id = %s AND s.day >= %s AND s.day <= %s {regions}
GROUP BY s.campaign_id, s.day, e.region_id
"""


def recompute_region_days(campaign_id, region_ids=None, start=None, end=None):
    """Recompute RegionDay rows from DayStatus for some leaf regions (all when None) over
    [start, end] (the whole campaign when None)."""
    start, end = start or date.min, end or date.max
    rows = RegionDay.objects.filter(campaign_id=campaign_id, day__gte=start, day__lte=end)
    regions, params = "", [campaign_id, start, end]
    if region_ids is not None:
        region_ids = sorted(set(region_ids))
        if not region_ids:
            return
        rows = rows.filter(region_id__in=region_ids)
        regions = "AND e.region_id IN (" + ", ".join(["%s"] * len(region_ids)) + ")"
        params += region_ids
    rows.delete()
    with connection.cursor() as cursor:
        cursor.execute(_REGION_DAYS_SQL.format(regions=regions), params)


def enterprises_changed(region_ids):
    """The registry changed enterprises of these leaf regions (moved, staff, deleted): bring
    every campaign's RegionDay rows for them back in step."""
    for campaign_id in Horizon.objects.values_list("campaign_id", flat=True):
        recompute_region_days(campaign_id, region_ids)


_COPY_SQL = """
INSERT INTO reporting_daystatus (campaign_id, day, enterprise_id, report_id, status,
    staff_on_duty, staff_total, output, capacity_utilisation, reported_today)
SELECT campaign_id, %s, enterprise_id, report_id, status, staff_on_duty, staff_total, output,
    capacity_utilisation, %s
FROM reporting_daystatus WHERE campaign_id = %s AND day = %s
"""


def horizon_day(campaign, day=None):
    """The last day whose statuses exist or can exist: not after today nor the campaign's end."""
    last = min(day or timezone.localdate(), timezone.localdate())
    return min(last, campaign.ends_on) if campaign.ends_on else last


def roll_forward(campaign, day=None) -> date:
    """Carry every enterprise's status forward, one day at a time, up to `day`; return the
    horizon. Idempotent and safe under concurrency (the campaign's Horizon row is locked)."""
    target = horizon_day(campaign, day)
    horizon = Horizon.objects.filter(campaign=campaign).first()
    if horizon is not None and horizon.through >= target:
        return horizon.through
    with transaction.atomic():
        Horizon.objects.get_or_create(
            campaign=campaign, defaults={"through": campaign.starts_on - timedelta(days=1)}
        )
        horizon = Horizon.objects.select_for_update().get(campaign=campaign)
        with connection.cursor() as cursor:
            d = horizon.through + timedelta(days=1)
            while d <= target:
                cursor.execute(_COPY_SQL, [d, False, campaign.pk, d - timedelta(days=1)])
                cursor.execute(_COPY_REGION_DAYS_SQL, [d, campaign.pk, d - timedelta(days=1)])
                d += timedelta(days=1)
        if target > horizon.through:
            horizon.through = target
            horizon.save(update_fields=["through"])
    return horizon.through


def rebuild_status(campaign):
    """Recompute a campaign's DayStatus from its reports (after a bulk load or a repair), up
    to the same horizon (today's, if it had none)."""
    with transaction.atomic():
        horizon = Horizon.objects.filter(campaign=campaign).first()
        DayStatus.objects.filter(campaign=campaign).delete()
        RegionDay.objects.filter(campaign=campaign).delete()
        Horizon.objects.filter(campaign=campaign).delete()
        # no rows yet: this only sets the horizon
        through = roll_forward(campaign, horizon.through if horizon else None)
        reports = DailyReport.objects.filter(campaign=campaign).order_by("enterprise_id", "date")
        batch, current = [], None
        for report in reports.iterator(chunk_size=5000):
            if current is not None and current.enterprise_id == report.enterprise_id:
                batch.extend(_days(current, report.date - timedelta(days=1)))
            elif current is not None:
                batch.extend(_days(current, through))
            current = report
            if len(batch) > 20000:
                DayStatus.objects.bulk_create(batch, batch_size=5000)
                batch = []
        if current is not None:
            batch.extend(_days(current, through))
        DayStatus.objects.bulk_create(batch, batch_size=5000)
        recompute_region_days(campaign.pk)
        if connection.vendor == "postgresql":  # fresh statistics for the planner after a bulk load
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE reporting_daystatus, reporting_dailyreport")


def _days(report, last):
    return [
        _status_row(report, report.date + timedelta(days=i))
        for i in range((last - report.date).days + 1)
    ]


def latest_report_day(campaign):
    return DailyReport.objects.filter(campaign=campaign).aggregate(d=Max("date"))["d"]


# --- chasing ------------------------------------------------------------------------------


def remind(by, campaign, enterprises, day=None):
    """Remind the accounts of enterprises that have not reported `day` (once per day each).
    Returns how many people were reminded."""
    from fugong.core.models import User
    from fugong.core.services import notify

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


def needs_on(user, query):
    """Totals of the needs reported dated the query's day, in scope (for the dashboard)."""
    from django.db.models import Count, Sum

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

REMIND_BEFORE = timedelta(hours=2)


def running_campaigns(day):
    return [c for c in campaigns_on(day) if not c.modules or "reports" in c.modules]


def remind_due(now=None):
    """In the two hours before a campaign's due time, remind enterprises that have not
    reported today (each person once a day). Returns the number reminded."""
    now = timezone.localtime(now)
    total = 0
    for campaign in running_campaigns(now.date()):
        due = timezone.make_aware(timezone.datetime.combine(now.date(), campaign.report_due_time))
        if due - REMIND_BEFORE <= now < due:
            enterprises = Enterprise.objects.filter(region__path__startswith=campaign.region.path)
            total += remind(None, campaign, enterprises, now.date())
    return total


def summary_text(campaign, day):
    from . import stats

    query = stats.StatsQuery(campaign=campaign, region=campaign.region, day=day)
    result = stats.resumption(None, query, by="region")
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


def summaries_due(now=None):
    """After a campaign's due time, the day's summary (once) for its command centres' group
    bots. Returns the (campaign, day) pairs whose summary was prepared."""
    from fugong.core.models import Unit

    from .models import Summary

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


def deliver_summary(campaign_id, day):
    """POST a prepared summary to each command centre's group bot (raises to be retried)."""
    from fugong.core.models import Unit
    from fugong.core.services import send_webhook

    from .models import Summary

    summary = Summary.objects.select_related("campaign").get(campaign_id=campaign_id, day=day)
    title = _("%(c)s 日报填报情况 %(d)s") % {"c": summary.campaign.name, "d": day}
    for unit in Unit.objects.filter(code__in=summary.sent_to).exclude(webhook_url=""):
        send_webhook(unit.webhook_kind, unit.webhook_url, title, summary.text)
    return len(summary.sent_to)
