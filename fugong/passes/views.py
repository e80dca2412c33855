"""Pass pages: the enterprise applies and downloads; the transport department decides; a
checkpoint (or anyone) opens the QR's verification page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.forms import add_service_errors
from fugong.core.permissions import scoped
from fugong.core.security import rate_limit
from fugong.core.services import audit, timeline_of
from fugong.core.uploads import SANDBOX
from fugong.core.views import filtered, listing, run_action
from fugong.registry.models import enterprise_id_of, own_enterprise

from . import services
from .forms import DecisionForm, PassForm
from .models import Pass

STEP_LABELS = {
    "submit": gettext_lazy("申请"),
    "approve": gettext_lazy("签发"),
    "reject": gettext_lazy("驳回"),
    "withdraw": gettext_lazy("撤回"),
    "revoke": gettext_lazy("吊销"),
    "extend": gettext_lazy("延期"),
}


@login_required
def index(request):
    """The pass list; its filter is the API's and the export's (`PassFilter`)."""
    flt = services.PassFilter.from_params(request.GET)
    return listing(
        request,
        filtered(request, lambda: services.passes_for(request.user, flt), Pass),
        "passes/index.html",
        export=services.export_passes,
        filename="passes",
        view=flt.view,
        states=Pass.State.choices,
        cargos=Pass.Cargo.choices,
        own=enterprise_id_of(request.user),
        today=timezone.localdate(),
    )


@login_required
def apply(request):
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = PassForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            p = services.apply(request.user, enterprise, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("通行证申请已提交"))
            return redirect("passes:detail", pk=p.pk)
    return render(request, "passes/apply.html", {"form": form})


@login_required
@scoped(Pass, related=("enterprise__region", "campaign", "issuing_unit"))
def detail(request, p):
    if request.method == "POST":

        def decide(d):
            return services.decide(
                request.user,
                p,
                request.POST.get("action", ""),
                d["version"],
                comment=d["comment"],
                valid_until=d["valid_until"],
            )

        to = reverse("passes:detail", args=[p.pk])
        return run_action(request, DecisionForm(request.POST), decide, to)
    return render(
        request,
        "passes/detail.html",
        {
            "permit": p,
            "status": p.status(),
            "status_label": services.STATUS_LABELS.get(p.status(), p.get_state_display()),
            "actions": [
                (a, services.ACTIONS[a]) for a in services.allowed_actions(request.user, p)
            ],
            "form": DecisionForm(initial={"version": p.version, "valid_until": p.valid_until}),
            "steps": timeline_of(p, STEP_LABELS, Pass.State),
            "qr": services.verification_url(p) if p.code else "",
            "next_actor": services.next_actor(p),
        },
    )


@login_required
@scoped(Pass, related=("enterprise__region", "campaign", "issuing_unit"))
def document(request, p, fmt):
    """The printable PDF or the phone-screen image (SVG) of an issued pass."""
    if fmt not in ("pdf", "svg"):
        raise Http404
    try:
        data = services.pass_pdf(p) if fmt == "pdf" else services.pass_svg(p)
    except ValidationError as exc:
        raise Http404 from exc
    audit(request.user, "export", p, detail={"format": fmt})
    response = HttpResponse(
        data, content_type="application/pdf" if fmt == "pdf" else "image/svg+xml"
    )
    response["Content-Disposition"] = f'inline; filename="pass-{p.plate}.{fmt}"'
    response["Content-Security-Policy"] = SANDBOX  # an SVG with the applicant's texts runs nothing
    return response


@rate_limit("verify")
def verify(request, code):
    """Public: what the pass's QR opens on the checkpoint officer's phone."""
    result = services.verify(code)
    return render(
        request,
        "passes/verify.html",
        {"verdict": result, "invalid": services.STATUS_LABELS["invalid"]},
        status=200 if result else 404,
    )


@login_required
def check(request):
    """A checkpoint's page: paste or type a code (or the scanned URL) when the phone's camera
    app is not used."""
    text = request.GET.get("code", "").strip()
    code = text.rstrip("/").rsplit("/", 1)[-1] if text else ""
    result = services.verify(code) if code else None
    return render(
        request,
        "passes/check.html",
        {"verdict": result, "code": text, "invalid": services.STATUS_LABELS["invalid"]},
    )


def enterprise_panel(request, enterprise):
    passes = Pass.objects.visible_to(request.user).filter(enterprise=enterprise)
    return render_to_string(
        "passes/_enterprise_panel.html",
        {"passes": passes.select_related("issuing_unit")[:10]},
        request=request,
    )
