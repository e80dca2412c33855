"""Key projects and supply-chain pages (thin: parse, call a service, render)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.forms import add_service_errors
from fugong.core.models import Unit
from fugong.core.permissions import get_scoped, scoped
from fugong.core.services import as_date, campaigns_on, timeline_of
from fugong.core.views import REFUSED, run_action, xlsx_response
from fugong.registry.models import Enterprise

from . import chains, reports, services
from .forms import ProjectReportForm
from .models import CoordinationRequest, LinkIssue, Project, ProjectProblem, SupplyLink

PARAMS = ("project_list", "stage", "status", "date")


def _government(user) -> None:
    if not user.is_government or user.is_checkpoint:
        raise PermissionDenied


def _version(request) -> int:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else 0


@login_required
def project_list(request):
    _government(request.user)
    params = {k: request.GET.get(k, "") for k in PARAMS}
    day = as_date(params["date"]) or timezone.localdate()
    qs = services.projects_for(request.user, params, day)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(services.export_projects(qs), "projects.xlsx")
    reporting = [c for c in campaigns_on(day, None) if c.project_reports]
    return render(
        request,
        "projects/list.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "figures": services.figures(request.user, params, day),
            "day": day,
            "completeness": [
                (c, reports.completeness(request.user, c, day)) for c in reporting[:3]
            ],
            "params": params,
            "stages": Project.Stage.choices,
            "statuses": Project.Status.choices,
            "may_manage": services.may_manage(request.user),
        },
    )


@login_required
@scoped(Project, related=("investor", "region"))
def project_report(request, project):
    """The project's daily report, mobile-first: by the investor's account or on its behalf."""
    if not reports.may_report(request.user, project):
        raise PermissionDenied
    now = timezone.now()
    campaign = reports.campaign_of(project, timezone.localtime(now).date())
    last = project.reports.order_by("-date", "-id").first()
    initial = {"date": campaign.report_data_day_at(now) if campaign else None}
    if last is not None:  # pre-filled from the latest report, like the enterprise report
        initial.update(status=last.status, workers_on_site=last.workers_on_site)
    form = ProjectReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report = reports.submit_report(request.user, project, form.cleaned_data, now)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(d)s 项目日报已提交（第 %(v)d 版%(late)s）")
                % {"d": report.date.isoformat(), "v": report.version,
                   "late": "" if report.on_time else _("，迟报")},
            )  # fmt: skip
            return redirect(request.path)
    return render(
        request,
        "projects/report_form.html",
        {"project": project, "campaign": campaign, "form": form, "last": last},
        status=422 if form.errors else 200,
    )


@login_required
def project_create(request):
    if not services.may_manage(request.user):
        raise PermissionDenied
    errors = {}
    if request.method == "POST":
        try:
            project = services.create_project(request.user, request.POST)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return redirect("projects:detail", project.pk)
    return render(
        request,
        "projects/form.html",
        {"errors": errors, "post": request.POST, "stages": Project.Stage.choices},
        status=422 if errors else 200,
    )


@login_required
@scoped(Project, related=("investor", "region"))
def project_detail(request, project):
    _government(request.user)
    if request.method == "POST":
        action = request.POST.get("action")

        def step(_data):
            if action == "status":
                services.set_status(
                    request.user, project, request.POST.get("status"), request.POST.get("on")
                )
            elif action == "problem":
                services.raise_problem(request.user, project, request.POST.get("text"))
            elif action == "solve":
                problem = get_object_or_404(
                    ProjectProblem, pk=request.POST.get("problem") or 0, project=project
                )
                services.solve_problem(
                    request.user, problem, _version(request), request.POST.get("solution")
                )

        to = reverse("projects:detail", args=[project.pk])
        return run_action(request, None, step, to, done="", errors=REFUSED)
    today = timezone.localdate()
    return render(
        request,
        "projects/detail.html",
        {
            "project": Project.objects.as_of(today)
            .select_related("investor", "region")
            .get(pk=project.pk),
            "reports": project.reports.select_related("problem")[:30],
            "reporting": reports.campaign_of(project, today),
            "may_report": reports.may_report(request.user, project),
            "problems": project.problems.all(),
            "statuses": Project.Status.choices,
            "steps": timeline_of(project),
            "may_manage": services.may_manage(request.user),
        },
    )


@login_required
def chain_list(request):
    _government(request.user)
    blocked = request.GET.get("blocked") == "1"
    if request.GET.get("format") == "xlsx":
        links = SupplyLink.objects.visible_to(request.user)
        if blocked:
            links = links.filter(state=SupplyLink.State.BLOCKED)
        return xlsx_response(chains.export_links(links), "supply-chains.xlsx")
    qs = chains.chains_for(request.user, blocked_only=blocked)
    return render(
        request,
        "projects/chains.html",
        {"page": Paginator(qs, 50).get_page(request.GET.get("page")), "blocked": blocked},
    )


@login_required
def chain_detail(request, enterprise_pk):
    enterprise = get_scoped(Enterprise, request.user, enterprise_pk, related=("region",))
    if request.method == "POST":

        def step(_data):
            if request.POST.get("action") == "block":
                link = get_object_or_404(
                    SupplyLink, pk=request.POST.get("link") or 0, enterprise=enterprise
                )
                unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first()
                issue = chains.block_link(
                    request.user,
                    link,
                    _version(request),
                    request.POST.get("text"),
                    unit,
                    city=request.POST.get("city", ""),
                    centre=request.POST.get("centre", ""),
                    request=request.POST.get("request", ""),
                )
                return redirect("projects:issue", issue.pk)
            chains.add_link(request.user, enterprise, request.POST)

        to = reverse("projects:chain", args=[enterprise.pk])
        return run_action(request, None, step, to, done="", errors=REFUSED)
    links = SupplyLink.objects.filter(enterprise=enterprise).select_related("partner")
    return render(
        request,
        "projects/chain.html",
        {
            "enterprise": enterprise,
            "links": [(link, chains.unit_that_can_act(link)) for link in links],
            "customers_of": SupplyLink.objects.visible_to(request.user)
            .filter(partner=enterprise)
            .select_related("enterprise"),
            "directions": SupplyLink.Direction.choices,
            "may_edit": chains.may_edit(request.user, enterprise),
        },
    )


@login_required
@scoped(LinkIssue, related=("link__enterprise", "link__partner", "unit"))
def issue_detail(request, issue):
    if request.method == "POST":
        _government(request.user)
        action = request.POST.get("action")

        def step(_data):
            if action == "request":
                chains.request_coordination(
                    request.user,
                    issue,
                    request.POST.get("city", ""),
                    request.POST.get("centre", ""),
                    request.POST.get("request", ""),
                )
            elif action == "answer":
                asked = get_object_or_404(
                    CoordinationRequest, pk=request.POST.get("request_id") or 0, issue=issue
                )
                chains.record_answer(
                    request.user,
                    asked,
                    _version(request),
                    request.POST.get("answer"),
                    request.POST.get("answered_by", ""),
                )
            elif action == "resolve":
                chains.resolve_issue(
                    request.user, issue, _version(request), request.POST.get("resolution")
                )

        to = reverse("projects:issue", args=[issue.pk])
        return run_action(request, None, step, to, done="", errors=REFUSED)
    return render(
        request,
        "projects/issue.html",
        {"issue": issue, "requests": issue.requests.all(), "steps": timeline_of(issue)},
    )
