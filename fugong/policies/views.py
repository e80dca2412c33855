"""Policy pages: the library, the policy form with its rules, the matches with why, the
applications queue and review (government); my policies, apply, my applications (enterprise,
phone first)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.forms import add_service_errors
from fugong.core.permissions import SYSTEM, scoped
from fugong.core.services import timeline_of
from fugong.core.uploads import attachments_of
from fugong.core.views import listing, run_action, xlsx_response
from fugong.registry.models import enterprise_id_of, own_enterprise

from . import applications, services
from . import rules as R
from .forms import ActForm, ApplyForm, PolicyForm, RulesForm
from .models import Policy, PolicyApplication

STEP_LABELS = {
    "publish": gettext_lazy("发布"),
    "push": gettext_lazy("推送"),
    "withdraw": gettext_lazy("撤回/废止"),
    "submit": gettext_lazy("提交申报"),
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("驳回"),
    "grant": gettext_lazy("兑现"),
}


@login_required
def library(request):
    enterprise = own_enterprise(request.user)
    if enterprise is not None:
        fits = services.policies_for(enterprise)
        others = (
            Policy.objects.visible_to(request.user)
            .in_force(timezone.localdate())
            .exclude(pk__in=[p.pk for p in fits])
        )
        return render(request, "policies/mine.html", {"fits": fits, "others": others})
    return listing(
        request,
        services.library(request.user, request.GET),
        "policies/library.html",
        export=services.export_policies,
        filename="policies",
        states=Policy.State.choices,
        supports=Policy.Support.choices,
        may_create=services.may_edit(request.user),
    )


@login_required
def new_policy(request):
    return _policy_form(request, Policy())


@login_required
@scoped(Policy, related=("region",))
def edit_policy(request, policy):
    return _policy_form(request, policy)


def _policy_form(request, policy):
    if not services.may_edit(request.user, policy if policy.pk else None):
        raise PermissionDenied
    form = PolicyForm(
        request.POST or None, request.FILES or None, instance=policy, user=request.user
    )
    rules_form = RulesForm(
        request.POST or None, initial=RulesForm.initial_from(policy) if policy.pk else None
    )
    if request.method == "POST" and form.is_valid() and rules_form.is_valid():
        try:
            saved = services.save_policy(
                request.user,
                form.save(commit=False),
                rules_form.rules(),
                form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("政策已保存"))
            return redirect("policies:detail", pk=saved.pk)
    return render(
        request, "policies/form.html", {"form": form, "rules_form": rules_form, "policy": policy}
    )


@login_required
@scoped(Policy, related=("region",))
def detail(request, policy):
    if request.method == "POST":

        def decide(d):
            if request.POST.get("action") == "publish":
                told = services.publish(request.user, policy, d["version"])
                messages.info(request, _("已推送至 %(n)d 户符合条件的企业") % {"n": told})
                return policy
            return services.withdraw(request.user, policy, d["version"], d["comment"])

        to = reverse("policies:detail", args=[policy.pk])
        return run_action(request, ActForm(request.POST), decide, to)
    enterprise = own_enterprise(request.user)
    context = {
        "policy": policy,
        "rules": [R.describe(r) for r in services.rules_of(policy)],
        "attachments": attachments_of(policy),
        "steps": timeline_of(policy, STEP_LABELS, Policy.State),
        "may_edit": services.may_edit(request.user, policy),
        "form": ActForm(initial={"version": policy.version}),
    }
    if enterprise is not None:
        context["fits"] = policy in services.policies_for(enterprise)
        context["mine"] = PolicyApplication.objects.filter(policy=policy, enterprise=enterprise)
    else:
        context["match_count"] = services.qualifying(policy, request.user).count()
        context["totals"] = applications.totals(request.user, "policy", policy)
    return render(request, "policies/detail.html", context)


@login_required
@scoped(Policy, related=("region",))
def matches(request, policy):
    if not request.user.is_government:
        raise PermissionDenied
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            services.export_matches(request.user, policy),
            f"policy-{policy.pk}-matches-{timezone.localdate():%Y%m%d}.xlsx",
        )
    found = services.matches(policy, request.user, limit=500)
    return render(
        request,
        "policies/matches.html",
        {
            "policy": policy,
            "matches": found,
            "total": services.qualifying(policy, request.user).count(),
            "near": services.near_misses(policy, request.user, limit=100),
        },
    )


@login_required
@scoped(Policy, related=("region",))
def apply(request, policy):
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            app = applications.apply(
                request.user, policy, enterprise, form.cleaned_data, form.cleaned_data["files"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"amount": "amount_requested"})
        else:
            messages.success(request, _("已提交申报，等待审核"))
            return redirect("policies:application", pk=app.pk)
    return render(request, "policies/apply.html", {"policy": policy, "form": form})


@login_required
def application_list(request):
    return listing(
        request,
        applications.queue_for(request.user, request.GET),
        "policies/applications.html",
        export=applications.export_applications,
        filename="policy-applications",
        states=PolicyApplication.State.choices,
        own=enterprise_id_of(request.user),
    )


@login_required
@scoped(PolicyApplication, related=("policy__region", "enterprise__region"))
def application(request, app):
    if request.method == "POST":

        def decide(d):
            return applications.act(
                request.user,
                app,
                request.POST.get("action", ""),
                d["version"],
                amount=d["amount"],
                comment=d["comment"],
                granted_on=d["granted_on"],
            )

        to = reverse("policies:application", args=[app.pk])
        return run_action(request, ActForm(request.POST), decide, to)
    policy = app.policy
    check = services.flagged(policy, SYSTEM).filter(pk=app.enterprise_id).first()
    return render(
        request,
        "policies/application.html",
        {
            "application": app,
            "actions": [
                (a, applications.ACTIONS[a])
                for a in applications.allowed_actions(request.user, app)
            ],
            "form": ActForm(initial={"version": app.version}),
            "steps": timeline_of(app, STEP_LABELS, PolicyApplication.State),
            "attachments": attachments_of(app),
            "grants": app.grants.all(),
            "granted": applications.granted_total(app),
            "check": services.explain_matches(policy, [check], qualified=False)[0]
            if check
            else None,
        },
    )


def enterprise_panel(request, enterprise):
    """The enterprise page's section: the policies it may qualify for, its applications."""
    apps = PolicyApplication.objects.visible_to(request.user).filter(enterprise=enterprise)
    return render_to_string(
        "policies/_enterprise_panel.html",
        {
            "fits": services.policies_for(enterprise),
            "apps": apps.select_related("policy")[:10],
        },
        request=request,
    )
