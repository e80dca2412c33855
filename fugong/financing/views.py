"""Financing pages: the needs (an enterprise's own, a bank's shared ones, the officers' in
scope), a need with its shares and the bank's answer forms, the totals by county and bank."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.core.forms import add_service_errors
from fugong.core.inputs import parse_int_or_zero
from fugong.core.permissions import scoped
from fugong.core.services import timeline_of
from fugong.core.views import SERVICE_ERRORS, listing, run_action, service_error_text, xlsx_response
from fugong.registry.models import own_enterprise

from . import services
from . import totals as T
from .forms import AnswerForm, NeedForm, ShareForm
from .models import FinancingNeed, NeedShare

STEP_LABELS = {
    "state": gettext_lazy("提出需求"),
    "share": gettext_lazy("推送银行"),
    "withdraw": gettext_lazy("撤回"),
    "grant": gettext_lazy("放款"),
}


def _sees_financing(user) -> bool:
    return user.is_government or user.is_bank or bool(own_enterprise(user))


@login_required
def index(request):
    if not _sees_financing(request.user):
        raise PermissionDenied
    return listing(
        request,
        services.needs_for(request.user, request.GET),
        "financing/index.html",
        export=T.export_needs,
        filename="financing-needs",
        states=FinancingNeed.State.choices,
        enterprise=own_enterprise(request.user),
    )


@login_required
def new_need(request):
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.state_need(request.user, enterprise, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("融资需求已提交，金融办将推送给银行"))
            return redirect("financing:detail", pk=need.pk)
    return render(request, "financing/new.html", {"form": form})


@login_required
@scoped(FinancingNeed, related=("enterprise__region",))
def detail(request, need):
    shares = [
        (item, [(a, services.ACTIONS[a]) for a in services.allowed_actions(request.user, item)])
        for item in services.shares_of(request.user, need)
    ]
    context = {
        "need": need,
        "shares": shares,
        "answer_form": AnswerForm(),
        "steps": timeline_of(need, STEP_LABELS, FinancingNeed.State),
        "may_withdraw": own_enterprise(request.user) is not None
        and need.state in (FinancingNeed.State.OPEN, FinancingNeed.State.SHARED),
    }
    if services.may_share(request.user, need):
        context["share_form"] = ShareForm(
            initial={"version": need.version}, banks=services.banks_for(need)
        )
    return render(request, "financing/detail.html", context)


@login_required
@require_POST
@scoped(FinancingNeed, related=("enterprise__region",))
def share(request, need):
    form = ShareForm(request.POST, banks=services.banks_for(need))
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("financing:detail", pk=need.pk)
    try:
        made = services.share(
            request.user, need, form.cleaned_data["version"], form.cleaned_data["banks"]
        )
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, _("已推送至 %(n)d 家银行") % {"n": len(made)})
    return redirect("financing:detail", pk=need.pk)


@login_required
@require_POST
@scoped(FinancingNeed)
def withdraw(request, need):
    try:
        services.withdraw_need(request.user, need, parse_int_or_zero(request.POST.get("version")))
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, _("融资需求已撤回"))
    return redirect("financing:detail", pk=need.pk)


@login_required
@require_POST
@scoped(NeedShare, related=("need__enterprise", "bank"))
def answer(request, item, action):
    return run_action(
        request,
        AnswerForm(request.POST),
        lambda d: services.answer(request.user, item, action, d["version"], d),
        reverse("financing:detail", args=[item.need_id]),
    )


@login_required
def totals(request):
    if not (request.user.is_government or request.user.is_bank):
        raise PermissionDenied
    by = request.GET.get("by") if request.GET.get("by") in ("region", "bank") else "region"
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            T.export_totals(request.user, by),
            f"financing-totals-{by}-{timezone.localdate():%Y%m%d}.xlsx",
        )
    overall = T.overall(request.user)
    return render(
        request,
        "financing/totals.html",
        {
            "by": by,
            "rows": T.totals(request.user, by),
            "overall": overall,
            "headline": T.headline(overall),
        },
    )
