"""Key-project use-cases, each one transaction: a project registered, its start and resumption
status set, a problem raised against it (the work-order app turns it into an order through a
signal), a problem solved; the list's figures ("16 个三早项目，解决问题 22 个") and its export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.audit import audit
from fugong.core.excel import write_xlsx
from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.models import Campaign, Region
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import Workflow, as_date, campaign_for, campaigns_on, record_step
from fugong.core.signals import project_problem_raised
from fugong.registry.models import Enterprise
from fugong.registry.services import region_in_scope

from .models import Project, ProjectProblem

PROBLEM_FLOW = Workflow(
    {
        "solve": ((ProjectProblem.State.OPEN,), ProjectProblem.State.SOLVED),
        "reopen": ((ProjectProblem.State.SOLVED,), ProjectProblem.State.OPEN),
    }
)
MAX_TEXT = 1800  # the work order adds the project name before it (its text holds 2,000)


def may_manage(user: Any) -> bool:
    """Registers projects and sets their status: the coordinating units."""
    return bool(user.is_authenticated and user.coordinates)


def clean_project(user: Any, data: dict) -> dict:
    """The project's fields from `data` (as posted), or ValidationError naming each bad one."""
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = _("请填写项目名称")
    investor = (
        Enterprise.objects.visible_to(user)
        .filter(Q(uscc=str(data.get("investor") or "").strip().upper()) | Q(pk=_pk(data)))
        .first()
    )
    if investor is None:
        errors["investor"] = _("投资企业应为您范围内企业的统一社会信用代码")
    region = Region.objects.filter(code=str(data.get("region") or "").strip()).first()
    if region is None or not region_in_scope(user, region):
        errors["region"] = _("所在区划不存在或不在您的范围内")
    try:
        investment = parse_decimal(data.get("investment"))
    except BadInput:
        investment = None
    if investment is None or investment <= 0 or investment >= Decimal("1e12"):
        errors["investment"] = _("总投资应为正数（万元）")
    planned = as_date(data.get("planned_start"))
    if planned is None:
        errors["planned_start"] = _("计划开工日期格式应为 YYYY-MM-DD")
    if data.get("stage") not in Project.Stage.values:
        errors["stage"] = _("建设性质应为续建或新开工")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:200],
        "investor": investor,
        "region": region,
        "investment": investment,
        "planned_start": planned,
        "stage": data["stage"],
        "project_list": (data.get("project_list") or "").strip()[:50],
    }


def _pk(data: dict) -> int:
    value = str(data.get("investor_id") or "")
    return int(value) if value.isdigit() else 0


@transaction.atomic
def create_project(user: Any, data: dict) -> Project:
    if not may_manage(user):
        raise PermissionError(_("只有指挥部或街镇/园区可以登记重点项目"))
    project = Project.objects.create(created_by=person(user), **clean_project(user, data))
    audit(user, "create", project)
    return project


@transaction.atomic
def set_status(user: Any, project: Project, status: str, on: Any = None) -> Project:
    """The project's start or resumption status as of a day (today by default)."""
    if not may_manage(user):
        raise PermissionError(_("只有指挥部或街镇/园区可以更新项目状态"))
    if status not in Project.Status.values:
        raise ValidationError({"status": _("未知的开复工状态")})
    day = as_date(on) if on else timezone.localdate()
    if day is None or day > timezone.localdate():
        raise ValidationError({"status_on": _("状态日期应为今天或以前（YYYY-MM-DD）")})
    reporting = [c for c in campaigns_on(day, project.region.path) if c.project_reports]
    if reporting:
        raise ValidationError(
            {"status": _("“%(c)s”要求重点项目日报，开复工状态以项目日报为准") % {"c": reporting[0]}}
        )
    before = project.status
    Project.objects.filter(pk=project.pk).update(status=status, status_on=day)
    project.refresh_from_db()
    record_step(project, "status", user, from_state=before, to_state=status)
    audit(user, "update", project, detail={"status": status, "on": day.isoformat()})
    return project


@transaction.atomic
def raise_problem(user: Any, project: Project, text: str) -> ProjectProblem:
    """A problem raised against the project: kept here and sent to the work-order app, which
    makes an order on the investor's behalf (its number is kept on the problem)."""
    if not user.is_government:
        raise PermissionError(_("只有政府用户可以为项目反映问题"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请写明问题")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("问题最多 %(n)d 字") % {"n": MAX_TEXT}})
    campaign = campaign_for(project.investor, timezone.localdate())
    if campaign is None:
        raise ValidationError({"text": _("该项目所在地没有正在进行的应急事件，无法派单")})
    return open_problem(user, project, campaign, text)


def open_problem(user: Any, project: Project, campaign: Campaign, text: str) -> ProjectProblem:
    """The problem kept on the project and sent to the work-order app (inside the caller's
    transaction): from the project page, the API or the project's daily report."""
    problem = ProjectProblem.objects.create(
        project=project, campaign=campaign, text=text, raised_by=person(user)
    )
    answers = project_problem_raised.send(
        sender=ProjectProblem,
        user=user,
        campaign=campaign,
        enterprise=project.investor,
        text=_("【重点项目：%(p)s】%(t)s") % {"p": project.name, "t": text},
        source=f"project-problem:{problem.pk}",
    )
    orders = [order for _receiver, order in answers if order is not None]
    if orders:
        ProjectProblem.objects.filter(pk=problem.pk).update(order_id=orders[0].pk)
        problem.order_id = orders[0].pk
    audit(user, "create", problem, detail={"order": problem.order_id})
    return problem


@transaction.atomic
def solve_problem(
    user: Any, problem: ProjectProblem, version: int, solution: str
) -> ProjectProblem:
    if not may_manage(user):
        raise PermissionError(_("只有指挥部或街镇/园区可以确认问题解决"))
    if problem.order_id:
        raise ValidationError(
            {"solution": _("该问题已转为工单 #%(n)d，随工单办结而解决") % {"n": problem.order_id}}
        )
    solution = (solution or "").strip()
    if not solution:
        raise ValidationError({"solution": _("请写明解决情况")})
    return PROBLEM_FLOW.move(
        problem,
        version,
        "solve",
        user=user,
        comment=solution,
        solution=solution[:MAX_TEXT],
        solved_on=timezone.localdate(),
    )


@transaction.atomic
def settle_from_order(
    source: str, settled: bool, comment: str, order_id: int, user: Any = SYSTEM
) -> int:
    """The problem behind a work order (`source` "project-problem:<id>") follows it: solved when
    the order is resolved or closed, open again when it is reopened or sent back (重办).
    Returns how many problems moved (0 when the order is not a project problem's)."""
    kind, _sep, pk = (source or "").partition(":")
    if kind != "project-problem" or not pk.isdigit():
        return 0
    problem = ProjectProblem.objects.filter(pk=int(pk)).first()
    if problem is None:
        return 0
    if settled and problem.state == ProjectProblem.State.OPEN:
        text = comment or _("工单 #%(n)d 已办结") % {"n": order_id}
        PROBLEM_FLOW.move(problem, problem.version, "solve", user=user, comment=text,
                          solution=text[:MAX_TEXT], solved_on=timezone.localdate())  # fmt: skip
        return 1
    if not settled and problem.state == ProjectProblem.State.SOLVED:
        text = comment or _("工单 #%(n)d 重新办理") % {"n": order_id}
        PROBLEM_FLOW.move(problem, problem.version, "reopen", user=user, comment=text, solution="",
                          solved_on=None)  # fmt: skip
        return 1
    return 0


def projects_for(user: Any, params: dict | None = None, day: date | None = None) -> QuerySet:
    """The projects in scope with their status as of `day` (today by default) and their
    problems raised and solved (solved: their work order resolved or closed)."""
    params = params or {}
    qs = (
        Project.objects.visible_to(user)
        .select_related("investor", "region")
        .as_of(day or timezone.localdate())
    )
    for field in ("project_list", "stage"):
        if params.get(field):
            qs = qs.filter(**{field: params[field]})
    if params.get("status"):
        qs = qs.filter(status_as_of=params["status"])
    return qs.annotate(
        problem_count=Count("problems", distinct=True),
        solved_count=Count("problems", filter=Q(problems__state="solved"), distinct=True),
    ).order_by(*Project._meta.ordering)


def figures(user: Any, params: dict | None = None, day: date | None = None) -> list[dict]:
    """Per project list, as of `day`: projects, started or resumed, investment, problems raised
    and solved."""
    rows: dict[str, dict] = {}
    for project in projects_for(user, params, day):
        row = rows.setdefault(
            project.project_list,
            {"list": project.project_list, "projects": 0, "going": 0, "investment": Decimal(0),
             "problems": 0, "solved": 0},
        )  # fmt: skip
        row["projects"] += 1
        row["going"] += project.status_as_of in (Project.Status.STARTED, Project.Status.RESUMED)
        row["investment"] += project.investment
        row["problems"] += project.problem_count
        row["solved"] += project.solved_count
    return sorted(rows.values(), key=lambda r: (r["list"] == "", r["list"]))


def export_projects(qs: QuerySet, today: date | None = None) -> bytes:
    headers = [
        _("项目名称"),
        _("所属名单"),
        _("投资企业"),
        _("统一社会信用代码"),
        _("所在区划"),
        _("总投资（万元）"),
        _("建设性质"),
        _("计划开(复)工日期"),
        _("开复工状态"),
        _("状态日期"),
        _("反映问题"),
        _("已解决"),
    ]
    rows = (
        [
            p.name,
            p.project_list,
            p.investor.name,
            p.investor.uscc,
            p.region.name,
            p.investment,
            p.get_stage_display(),
            p.planned_start,
            p.status_as_of_label,
            p.status_date or "",
            p.problem_count,
            p.solved_count,
        ]
        for p in qs
    )
    return write_xlsx(_("重点项目"), headers, rows, widths=[30, 10, 30, 22, 14, 12, 8, 14, 10, 12])
