"""Application pages: the enterprise applies on its phone and follows its applications;
reviewers work a queue; anyone verifies a certificate by its QR."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.forms import add_service_errors
from fugong.core.inputs import parse_int_or_zero
from fugong.core.models import Region
from fugong.core.permissions import scoped
from fugong.core.security import rate_limit
from fugong.core.services import Conflict, audit, campaign_for, campaigns_on, timeline_of
from fugong.core.uploads import attachments_of
from fugong.core.views import (
    filtered,
    listing,
    run_action,
    xlsx_response,
)
from fugong.registry.models import enterprise_id_of, own_enterprise

from . import services
from .forms import ClosedLoopForm, ResumptionForm, ReviewForm
from .models import Application

STEP_LABELS = {
    "submit": gettext_lazy("提交申请"),
    "resubmit": gettext_lazy("修改后重新提交"),
    "approve_first": gettext_lazy("初审通过"),
    "approve": gettext_lazy("批准"),
    "return": gettext_lazy("退回修改"),
    "reject": gettext_lazy("驳回"),
    "withdraw": gettext_lazy("撤回"),
    "revoke": gettext_lazy("取缔"),
}
FORMS = {Application.Kind.RESUMPTION: ResumptionForm, Application.Kind.CLOSED_LOOP: ClosedLoopForm}


def _form(kind, campaign, *args, **kwargs):
    if kind == Application.Kind.RESUMPTION:
        return ResumptionForm(*args, campaign=campaign, **kwargs)
    return ClosedLoopForm(*args, **kwargs)


@login_required
def index(request):
    """Reviewers: the queue (to me, all, by kind and state). Enterprises: their own. The
    filter is the API's and the export's (`ApplicationFilter`)."""
    flt = services.ApplicationFilter.from_params(request.GET)
    return listing(
        request,
        filtered(request, lambda: services.applications_for(request.user, flt), Application),
        "approvals/index.html",
        export=services.export_applications,
        filename="applications",
        view=flt.view,
        kinds=Application.Kind.choices,
        states=Application.State.choices,
        now=timezone.now(),
        own=enterprise_id_of(request.user),
    )


@login_required
def apply(request, kind):
    """The enterprise's application form (phone first)."""
    if kind not in Application.Kind.values:
        raise Http404
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    campaign = campaign_for(enterprise, timezone.localdate())
    if campaign is None:
        messages.error(request, _("当前没有覆盖本企业的应急事件"))
        return redirect("approvals:index")
    form = _form(kind, campaign, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.submit(
                request.user,
                enterprise,
                kind,
                form.data_for_service(),
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:  # a suspended qualification of the same kind
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("申请已提交，等待审核"))
            return redirect("approvals:detail", pk=app.pk)
    return render(
        request,
        "approvals/apply.html",
        {"form": form, "kind": Application.Kind(kind), "campaign": campaign},
    )


@login_required
@scoped(Application, related=("enterprise__region", "campaign", "approving_unit"))
def edit(request, app):
    """The applicant corrects a returned application."""
    if (
        app.state != Application.State.RETURNED
        or enterprise_id_of(request.user) != app.enterprise_id
    ):
        raise PermissionDenied
    form = _form(
        app.kind,
        app.campaign,
        request.POST or None,
        request.FILES or None,
        initial=FORMS[app.kind].initial_from(app),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resubmit(
                request.user,
                app,
                parse_int_or_zero(request.POST.get("version")),
                form.data_for_service(),
                files=form.cleaned_data["files"],
            )
        except Conflict as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已重新提交"))
            return redirect("approvals:detail", pk=app.pk)
    return render(
        request,
        "approvals/apply.html",
        {
            "form": form,
            "kind": Application.Kind(app.kind),
            "campaign": app.campaign,
            "application": app,
        },
    )


@login_required
@scoped(Application, related=("enterprise__region", "campaign", "approving_unit"))
def detail(request, app):
    actions = services.allowed_actions(request.user, app)
    if request.method == "POST":
        action = request.POST.get("action", "")

        def decide(d):
            if action == "withdraw":
                return services.withdraw(request.user, app, d["version"])
            return services.review(
                request.user,
                app,
                action,
                d["version"],
                comment=d["comment"],
                cleared_from=d["cleared_from"],
            )

        to = reverse("approvals:detail", args=[app.pk])
        return run_action(request, ReviewForm(request.POST), decide, to)
    own = enterprise_id_of(request.user) == app.enterprise_id
    return render(
        request,
        "approvals/detail.html",
        {
            "application": app,
            "actions": [(a, services.REVIEW_ACTIONS[a]) for a in actions],
            "may_withdraw": own and app.state in Application.OPEN,
            "may_edit": own and app.state == Application.State.RETURNED,
            "form": ReviewForm(initial={"version": app.version, "cleared_from": app.planned_date}),
            "steps": timeline_of(app, STEP_LABELS, Application.State),
            "attachments": attachments_of(app),
            "step_count": services.steps_of(app.campaign),
            "next_actor": services.next_actor(app),
        },
    )


@login_required
@scoped(Application, related=("enterprise__region", "campaign", "approving_unit"))
def certificate(request, app):
    try:
        data = services.certificate_pdf(app)
    except ValidationError as exc:
        raise Http404 from exc
    audit(request.user, "export", app, detail={"certificate": True})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{app.pk}.pdf"'
    return response


@login_required
def closed_loop(request):
    """The closed-loop roster by region: qualified enterprises, share of above-scale ones, and
    the list; Excel export."""
    if not request.user.is_government:
        raise PermissionDenied
    scope = request.user.scope_region or Region.objects.filter(parent__isnull=True).first()
    region = scope
    if request.GET.get("region"):
        region = Region.objects.filter(code=request.GET["region"]).first()
        if region is None or (scope and not region.path.startswith(scope.path)):
            raise Http404
    campaign = next(iter(_campaigns(region)), None)
    rows, total = (
        services.closed_loop_by_region(request.user, campaign, region) if campaign else ([], {})
    )
    qs = (
        services.applications_for(
            request.user, services.ApplicationFilter(kind=Application.Kind.CLOSED_LOOP)
        )
        # no region at all (a fresh installation with no root region): no limit, as before
        .filter(region.subtree_q("enterprise__") if region else Q(), campaign=campaign)
        .filter(state__in=(Application.State.APPROVED, Application.State.REVOKED))
    )
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            services.export_applications(request.user, qs),
            f"closed-loop-{timezone.localdate():%Y%m%d}.xlsx",
        )
    return render(
        request,
        "approvals/closed_loop.html",
        {
            "rows": rows,
            "total": total,
            "region": region,
            "campaign": campaign,
            "applications": qs[:500],
        },
    )


def _campaigns(region):

    return campaigns_on(timezone.localdate(), region.path if region else None)


@rate_limit("verify")
def verify(request, code):
    """Public: what the certificate's QR opens."""
    result = services.verify_certificate(code)
    return render(
        request,
        "approvals/verify.html",
        {"certificate": result},
        status=200 if result else 404,
    )


def enterprise_panel(request, enterprise):
    applications = Application.objects.visible_to(request.user).filter(enterprise=enterprise)
    return render_to_string(
        "approvals/_enterprise_panel.html",
        {"applications": applications.select_related("approving_unit")[:10]},
        request=request,
    )
