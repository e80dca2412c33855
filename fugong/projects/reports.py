"""Key projects' daily reports (项目日报) where the campaign asks for it
(`Campaign.project_reports`): started or resumed, workers on site, problems (each a work
order). The window and timeliness are the enterprise reports' own, read from the campaign
(`core.campaigns`: `report_data_day_at`, `report_due_on`, `report_locks_at`, `report_on_time`,
`reminder_slot`), so the two never drift apart; this app does not import the reporting app (a
sibling in the middle layer).

A project's status as of day D is its latest report dated on or before D (it carries forward;
`ProjectQuerySet.as_of`); a project without one keeps the status set by hand, when that was set
on or before D."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.audit import audit
from fugong.core.models import Campaign, User
from fugong.core.outbox import announce, notify
from fugong.core.permissions import person
from fugong.core.services import as_date, campaigns_on, record_step
from fugong.registry.models import enterprise_id_of

from .models import Project, ProjectReminderRun, ProjectReport
from .services import MAX_TEXT, may_manage, open_problem

MAX_WORKERS = 100_000


def campaign_of(project: Project, day: date) -> Campaign | None:
    """The running campaign covering the project's region on `day` that asks projects to
    report daily, or None."""
    found = campaigns_on(day, project.region.path)
    return next((c for c in found if c.project_reports), None)


def may_report(user: Any, project: Project) -> bool:
    """The investor's own account, or a coordinating officer who sees the project."""
    if not user.is_authenticated:
        return False
    if enterprise_id_of(user) == project.investor_id:
        return True
    return may_manage(user) and Project.objects.visible_to(user).filter(pk=project.pk).exists()


def _clean(data: dict) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    status = data.get("status")
    if status not in Project.Status.values:
        errors["status"] = _("请选择开复工状态")
    raw = str(data.get("workers_on_site") if data.get("workers_on_site") is not None else "")
    workers = int(raw) if raw.strip().isdigit() else None
    if workers is None or workers > MAX_WORKERS:
        errors["workers_on_site"] = _("在场施工人数应为 0 到 %(n)d 的整数") % {"n": MAX_WORKERS}
    problems = (data.get("problems") or "").strip()
    if len(problems) > MAX_TEXT:
        errors["problems"] = _("存在问题最多 %(n)d 字") % {"n": MAX_TEXT}
    return {"status": status, "workers_on_site": workers, "problems": problems}, errors


def _day(campaign: Campaign, data: dict, now: datetime) -> tuple[date | None, str]:
    """The data day the report describes (by default the one due now) or the rule it breaks."""
    default = campaign.report_data_day_at(now)
    day = as_date(data.get("date")) if data.get("date") else default
    if day is None:
        return None, _("日期格式应为 YYYY-MM-DD")
    if day > default:
        return None, _("不能填报 %(d)s 以后的日报") % {"d": default.isoformat()}
    if not campaign.report_due_on(day):
        return None, _("%(d)s 不是“%(c)s”的应报日") % {"d": day.isoformat(), "c": campaign}
    locks_at = campaign.report_locks_at(day)
    if locks_at is not None and now >= locks_at:
        return None, _("%(d)s 的日报已于 %(t)s 锁定，不再接受填报或修改") % {
            "d": day.isoformat(),
            "t": timezone.localtime(locks_at).strftime("%Y-%m-%d %H:%M"),
        }
    return day, ""


@transaction.atomic
def submit_report(
    user: Any, project: Project, data: dict, now: datetime | None = None
) -> ProjectReport:
    """The project's report for a data day (by default the one due now); a second one for the
    same day is a new version that keeps the first one's arrival and timeliness. New problems
    written in it become a problem of the project (and a work order)."""
    if not may_report(user, project):
        raise PermissionError(_("只有投资企业或指挥部、街镇/园区可以填报项目日报"))
    now = now or timezone.now()
    local_day = timezone.localtime(now).date()
    campaign = campaign_of(project, local_day)
    if campaign is None:
        raise ValidationError({"date": _("项目所在地没有要求重点项目日报的应急事件")})
    values, errors = _clean(data)
    day, day_error = _day(campaign, data, now)
    if day_error:
        errors["date"] = day_error
    if errors:
        raise ValidationError(errors)
    report = (
        ProjectReport.objects.select_for_update()
        .filter(campaign=campaign, project=project, date=day)
        .first()
    )
    earlier_problems = report.problems if report else ""
    if report is None:
        report = ProjectReport(
            campaign=campaign,
            project=project,
            date=day,
            arrived_at=now,
            on_time=campaign.report_on_time(day, now),
            version=0,
        )
    for field, value in values.items():
        setattr(report, field, value)
    report.submitted_by, report.submitted_at = person(user), now
    report.version += 1
    if values["problems"] and values["problems"] != earlier_problems:
        report.problem = open_problem(user, project, campaign, values["problems"])
    report.save()
    record_step(project, "report", user, to_state=report.status, comment=day.isoformat())
    audit(user, "create" if report.version == 1 else "update", report)
    return report


def expected(campaign: Campaign, day: date, qs: QuerySet | None = None) -> QuerySet:
    """The projects expected to report `day` for the campaign (inside its region)."""
    qs = Project.objects.all() if qs is None else qs
    if not campaign.project_reports or not campaign.report_due_on(day):
        return qs.none()
    return qs.filter(campaign.region.subtree_q())


def completeness(user: Any, campaign: Campaign, day: date) -> dict[str, int]:
    """Of the projects in the user's scope expected `day`: reported, on time, late, missing."""
    projects = expected(campaign, day, Project.objects.visible_to(user))
    counts = ProjectReport.objects.filter(
        campaign=campaign, date=day, project__in=projects
    ).aggregate(all=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
    n, on_time = projects.count(), counts["on_time"]
    return {
        "expected": n,
        "reported": counts["all"] if campaign.late_reports_count else on_time,
        "on_time": on_time,
        "late": counts["all"] - on_time,
        "missing": n - counts["all"],
    }


def missing(campaign: Campaign, day: date) -> QuerySet:
    return expected(campaign, day).exclude(
        pk__in=ProjectReport.objects.filter(campaign=campaign, date=day).values("project_id")
    )


def send_reminders(campaign: Campaign, day: date, kind: str) -> int:
    """Remind the investors' accounts of the projects not reported `day` (in-app, or by e-mail
    when the campaign's channels include it); returns the people reached."""
    due = timezone.localtime(campaign.report_deadline(day)).strftime("%m-%d %H:%M")
    reached = 0
    for project in missing(campaign, day).select_related("investor"):
        users = User.objects.filter(
            enterprise_account__enterprise=project.investor_id, is_active=True
        )
        title = (
            _("请于 %(t)s 前填报项目日报：%(p)s") % {"t": due, "p": project.name}
            if kind == "pending"
            else _("项目日报已逾期，请尽快补报：%(p)s") % {"p": project.name}
        )
        body = _("“%(c)s”%(d)s 的项目日报尚未填报，截止时间 %(t)s。") % {
            "c": campaign,
            "d": day,
            "t": due,
        }
        url = f"/projects/{project.pk}/report/"
        if "email" in (campaign.reminder_channels or []):
            reached += len(announce(users, kind="project_report", title=title, body=body, url=url))
        else:
            reached += len(notify(users, "project_report", title, body, url=url, day=day))
    return reached


def reminders_due(now: datetime | None = None) -> list[dict]:
    """Each campaign asking for project reports: its reminder time come now (the same slots as
    the enterprise reports'), sent once. Returns what each one sent."""
    now = now or timezone.now()
    sent = []
    for campaign in Campaign.objects.filter(project_reports=True).select_related("region"):
        slot = campaign.reminder_slot(now)
        if slot is None:
            continue
        day, at, kind = slot
        try:
            with transaction.atomic():
                run = ProjectReminderRun.objects.create(
                    campaign=campaign, day=day, at=at, kind=kind
                )
                run.missing = missing(campaign, day).count()
                run.save(update_fields=["missing"])
                people = send_reminders(campaign, day, kind)
        except IntegrityError:  # sent already (or by another worker)
            continue
        sent.append({"campaign": campaign.pk, "day": day.isoformat(), "kind": kind,
                     "projects": run.missing, "people": people})  # fmt: skip
    return sent
