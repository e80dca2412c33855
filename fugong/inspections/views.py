"""Inspection pages (thin: parse, call a service, render): plans, the phone's checklist (which
a service worker keeps available offline, see static/inspections/), inspections, the
rectification ledger and the figures."""

from datetime import timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.permissions import scoped
from fugong.core.services import Conflict, timeline_of
from fugong.core.uploads import attachments_of
from fugong.core.views import REFUSED, run_action, xlsx_response

from . import figures as F
from . import plans, services
from .forms import PlanForm, checklist_answers
from .models import Inspection, InspectionPlan, ItemResult, Rectification

SERVICE_WORKER = Path(__file__).parent / "static" / "inspections" / "sw.js"
STEP_LABELS = {
    "submit": _("提交检查结果"),
    "cancel": _("取消"),
    "reinspect": _("安排复查"),
    "report": _("企业报整改"),
    "reopen": _("复查仍不合格"),
    "close": _("复查通过"),
    "reinspect_failed": _("复查仍不合格"),
}


def _government(user) -> None:
    if not user.is_government or user.is_checkpoint:
        raise PermissionDenied


def _page(request, qs, size=50):
    return Paginator(qs, size).get_page(request.GET.get("page"))


@login_required
def plan_list(request):
    _government(request.user)
    qs = (
        InspectionPlan.objects.visible_to(request.user)
        .select_related("campaign", "region")
        .annotate(
            planned=Count("inspections", filter=~Q(inspections__state="cancelled")),
            done=Count("inspections", filter=Q(inspections__state="done")),
        )
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "inspections/plans.html",
        {"page": _page(request, qs), "may_plan": plans.may_plan(request.user)},
    )


@login_required
def plan_create(request):
    if not plans.may_plan(request.user):
        raise PermissionDenied
    form = PlanForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = plans.create_plan(
                request.user,
                data["campaign"],
                name=data["name"],
                region=data["region"],
                criteria=form.criteria(),
                share=data.get("share"),
                seed=data.get("seed") or "",
                due_on=data["due_on"],
                teams=form.teams(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("已制定检查计划，共 %(n)d 家企业") % {"n": plan.inspections.count()}
            )
            return redirect("inspections:plan", plan.pk)
    return render(request, "inspections/plan_form.html", {"form": form})


def _form_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form (a field it has, else the form itself)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@scoped(InspectionPlan, related=("campaign", "region"))
def plan_detail(request, plan):
    _government(request.user)
    inspections = (
        F.inspections_for(request.user, plan=plan)
        .select_related("enterprise__region", "team", "inspector")
        .order_by("enterprise__region__code", "enterprise__name", "id")
    )
    if request.GET.get("format") == "xlsx":
        return xlsx_response(F.export_inspections(inspections), f"inspections-{plan.pk}.xlsx")
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "teams": plan.teams.prefetch_related("members"),
            "figures": F.figures(request.user, plan=plan),
            "page": _page(request, inspections, 100),
        },
    )


@login_required
def mine(request):
    """The inspector's task list (phone): the planned inspections of their teams first."""
    _government(request.user)
    qs = (
        Inspection.objects.visible_to(request.user)
        .filter(team__members=request.user)
        .select_related("enterprise__region", "plan")
        .order_by("-state", "due_on", "id")
    )
    return render(request, "inspections/mine.html", {"page": _page(request, qs)})


@login_required
@scoped(Inspection, related=("plan__campaign", "enterprise__region", "team", "inspector"))
def inspection_detail(request, inspection):
    items = [
        (item, list(attachments_of(item)))
        for item in ItemResult.objects.filter(inspection=inspection)
    ]
    return render(
        request,
        "inspections/inspection.html",
        {
            "inspection": inspection,
            "items": items,
            "rectifications": inspection.rectifications.all(),
            "earlier": inspection.closed_rectifications.all(),
            "steps": timeline_of(inspection, STEP_LABELS, Inspection.State),
            "may_inspect": services.may_inspect(request.user, inspection),
            "may_reinspect": request.user.is_government
            and inspection.state == Inspection.State.DONE
            and Rectification.objects.filter(
                enterprise=inspection.enterprise, state__in=Rectification.OPEN_STATES
            ).exists()
            and not inspection.reinspections.filter(state="planned").exists(),
            "reinspections": inspection.reinspections.all(),
        },
    )


@login_required
@scoped(Inspection, related=("plan__campaign", "enterprise__region", "team"))
def inspect(request, inspection):
    """The on-site checklist. Its script keeps the draft (photos included) in the browser and
    posts it with `Accept: application/json` when the network allows; without the script the
    form posts as it is."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    checklist = services.checklist_for(inspection.plan.campaign)
    errors = {}
    if request.method == "POST":
        answers, photos = checklist_answers(request.POST, request.FILES, checklist)
        try:
            done = services.submit_inspection(
                request.user,
                inspection,
                _int(request.POST.get("version")),
                answers=answers,
                photos=photos,
                representative=request.POST.get("representative", ""),
                acknowledged=request.POST.get("acknowledged") in ("1", "on", "true"),
                summary=request.POST.get("summary", ""),
                deadline=request.POST.get("deadline", ""),
                qualification_action=request.POST.get("qualification_action", ""),
                client_key=request.POST.get("client_key", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
            if wants_json:
                return JsonResponse({"ok": False, "errors": errors}, status=422)
        except (PermissionError, Conflict) as exc:
            if wants_json:
                return JsonResponse({"ok": False, "message": str(exc)}, status=409)
            messages.error(request, str(exc))
            return redirect("inspections:inspection", inspection.pk)
        else:
            url = f"/inspections/{done.pk}/"
            if wants_json:
                return JsonResponse({"ok": True, "url": url})
            messages.success(request, _("检查结果已提交"))
            return redirect(url)
    elif not services.may_inspect(request.user, inspection):
        return redirect("inspections:inspection", inspection.pk)
    default_deadline = timezone.localdate() + timedelta(days=services.DEFAULT_DEADLINE_DAYS)
    return render(
        request,
        "inspections/inspect.html",
        {
            "inspection": inspection,
            "checklist": checklist,
            "outcomes": ItemResult.Outcome.choices,
            "errors": errors,
            "post": request.POST,
            "deadline": default_deadline,
        },
        status=422 if errors else 200,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_POST
@scoped(Inspection, related=("plan", "enterprise", "team"))
def reinspect(request, inspection):
    _government(request.user)
    try:
        again = services.schedule_reinspection(
            request.user, inspection, request.POST.get("due_on") or None
        )
    except (ValidationError, PermissionError) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("inspections:inspection", inspection.pk)
    messages.success(request, _("已安排复查"))
    return redirect("inspections:inspection", again.pk)


@login_required
def rectification_list(request):
    qs = F.rectifications_for(request.user).select_related("enterprise__region", "inspection")
    state = request.GET.get("state", "")
    if state == "overdue":
        qs = qs.filter(state__in=Rectification.OPEN_STATES, deadline__lt=timezone.localdate())
    elif state in Rectification.State.values:
        qs = qs.filter(state=state)
    if request.GET.get("format") == "xlsx" and request.user.is_government:
        return xlsx_response(F.export_rectifications(qs), "rectifications.xlsx")
    return render(
        request,
        "inspections/rectifications.html",
        {
            "page": _page(request, qs),
            "states": Rectification.State.choices,
            "state": state,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
@scoped(Rectification, related=("enterprise", "inspection__team"))
def rectification_report(request, rectification):
    def report(_data):
        return services.report_rectification(
            request.user,
            rectification,
            _int(request.POST.get("version")),
            request.POST.get("response", ""),
        )

    done = _("已报整改情况")
    to = reverse("inspections:rectifications")
    return run_action(request, None, report, to, done=done, errors=REFUSED)


@login_required
def figures_page(request):
    _government(request.user)
    plan = None
    if request.GET.get("plan"):
        plan = (
            InspectionPlan.objects.visible_to(request.user)
            .filter(pk=_int(request.GET["plan"]))
            .first()
        )
    return render(
        request,
        "inspections/figures.html",
        {
            "figures": F.figures(request.user, plan=plan),
            "plan": plan,
            "plans": InspectionPlan.objects.visible_to(request.user)[:50],
        },
    )


def service_worker(request):
    """The service worker, served from /inspections/ so that its scope covers the checklist
    pages (a worker's scope is the folder it is served from)."""
    response = HttpResponse(SERVICE_WORKER.read_text(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
