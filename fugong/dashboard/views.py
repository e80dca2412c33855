"""The command centre's first page and the leaders' brief: figures gathered from every domain
app's public services (the dashboard is the only place that reads them all)."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fugong.approvals.services import counts as application_counts
from fugong.core.models import Region
from fugong.core.views import xlsx_response
from fugong.health.services import counts as health_counts
from fugong.health.services import latest_round
from fugong.inspections.figures import figures as inspection_figures
from fugong.passes.services import counts as pass_counts
from fugong.projects.chains import chains_for
from fugong.reporting import campaigns, services, stats
from fugong.reporting.views import (
    campaign_context,
    government_only,
    page_campaign,
    stats_form,
    stats_query,
)
from fugong.workorders.services import order_figures

from . import brief as daily_brief
from . import homes, push
from .hot import hot_spots
from .models import BriefSubscription


@login_required
def home(request):
    """`/`: each role opens on its own work (see homes.py)."""
    user = request.user
    target = homes.page_for(user)
    if target:
        return redirect(target)
    if not user.is_government:
        return render(request, "dashboard/home_enterprise.html", homes.enterprise_home(user))
    if user.reviews_first_step:  # a township or park
        return render(request, "dashboard/home_township.html", homes.township_home(user))
    return dashboard(request)


def query_form(request, query):
    """The region and date form of the figure pages, showing the region and day shown."""
    form = stats_form(request)
    if not form.is_bound:
        form.initial = {"region": query.region.code, "date": query.day}
    return form


def dashboard_campaign(request):
    """The statistics pages' switcher (`reporting.views.page_campaign`): the `campaign` asked
    for, else the one running today in the region; a `date` asked for without a campaign picks
    the campaign that was running on that day (2020-02-14 opens the 2020 campaign)."""
    chosen, choices = page_campaign(request)
    asked = request.GET.get("date") or ""
    if not request.GET.get("campaign") and asked:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            return chosen, choices  # StatsQuery.parse names the bad date
        code = request.GET.get("region") or ""
        region = (
            Region.objects.filter(code=code).first() if code else stats.default_region(request.user)
        )
        chosen = stats.campaign_running(region, day) or chosen
    return chosen, choices


@login_required
def dashboard(request):
    """The command centre's first page (a township or park gets the same for its scope): every
    figure of one campaign, the one running today in the region unless another is chosen; a
    campaign whose daily-report module is off says so where the resumption figures would be."""
    if not request.user.is_government:
        return redirect("reporting:report_form")
    government_only(request.user)
    chosen, choices = dashboard_campaign(request)
    try:
        query = stats.StatsQuery.parse(request.user, request.GET, campaign=chosen)
    except ValidationError as exc:
        return render(
            request,
            "dashboard/dashboard.html",
            {"errors": exc.message_dict, **campaign_context(chosen, choices)},
        )
    user = request.user
    campaign = query.campaign
    reports_off = campaigns.reports_off(campaign)
    empty = {"breakdown": []}
    main = empty if reports_off else stats.resumption(user, query, by="region")
    lists = [] if reports_off else stats.resumption(user, query, by="list")["breakdown"]
    industry = [] if reports_off else stats.resumption(user, query, by="industry")["breakdown"]
    trend = (
        [] if reports_off else stats.series(user, query, query.day - timedelta(days=29), query.day)
    )
    needs = None if reports_off else services.needs_on(user, query)
    orders = order_figures(user, campaign)
    passes = pass_counts(user, campaign)
    applications = application_counts(user, campaign)
    _rows, health = health_counts(user)
    test_round, coverage = latest_round(user)
    base = {"region": query.region.code, "date": query.day.isoformat(), "campaign": campaign.pk}
    charts = {
        "drill": reverse("reporting:drill_down"),
        "base": base,
        "regions": [
            {
                "key": bar["key"],
                "label": bar["label"],
                "resumed": bar["resumed"],
                "not_resumed": bar["not_resumed"],
                "rate": bar["rate"],
            }
            for bar in main.get("breakdown", [])
        ],
        "trend": [
            {
                "date": day["date"],
                "rate": day["rate"],
                "staff_rate": day["staff_rate"],
                "completeness": day["completeness"],
            }
            for day in trend
        ],
        "industry": [
            {
                "key": bar["key"],
                "label": bar["label"],
                "resumed": bar["resumed"],
                "enterprises": bar["enterprises"],
            }
            for bar in sorted(industry, key=lambda bar: -bar["enterprises"])[:12]
        ],
        "queue": reverse("workorders:queue"),
        "orders": [
            {
                "key": category["key"],
                "label": category["label"],
                "open": category["open"],
                "overdue": category["overdue"],
            }
            for category in orders["categories"]
        ],
    }
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "figures": None if reports_off else main,
            "lists": lists,
            "needs": needs,
            "orders": orders,
            "passes": passes,
            "applications": applications,
            "health": health,
            "test_round": test_round,
            "coverage": coverage,
            "inspections": inspection_figures(user, campaign=campaign),
            "blocked_chains": chains_for(user, blocked_only=True),
            "hot_spots": hot_spots(user, campaign, query.region),
            **campaign_context(chosen, choices, query),
            "charts": charts,
            "query": query,
            "qs": urlencode(base),
            "form": query_form(request, query),
            "drill": reverse("reporting:drill_down") + "?" + urlencode(base),
        },
    )


@login_required
def brief(request, fmt):
    """The one-page daily brief for leaders."""
    government_only(request.user)
    try:
        query = stats_query(request)
    except ValidationError as exc:
        raise Http404("; ".join(exc.messages)) from exc
    name = f"brief-{query.region.code}-{query.day}"
    if fmt == "pdf":
        response = HttpResponse(
            daily_brief.pdf(request.user, query), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response
    return xlsx_response(daily_brief.xlsx(request.user, query), f"{name}.xlsx")


class BriefSubscriptionForm(forms.ModelForm):
    class Meta:
        model = BriefSubscription
        fields = ("send_at", "by_bot", "by_email")
        widgets = {
            "send_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "by_bot": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "by_email": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }


@login_required
def brief_subscription(request):
    """A leader opts in to (or out of) the daily brief pushed at their time."""
    if not push.may_subscribe(request.user):
        raise PermissionDenied
    current = BriefSubscription.objects.filter(user=request.user).first()
    form = BriefSubscriptionForm(
        request.POST or None, instance=current or BriefSubscription(user=request.user)
    )
    if request.method == "POST":
        if request.POST.get("stop") and current is not None:
            current.delete()
            messages.success(request, _("已取消日报推送"))
            return redirect(request.path)
        if form.is_valid():
            form.save()
            messages.success(request, _("已订阅日报推送"))
            return redirect(request.path)
    return render(
        request, "dashboard/brief_subscription.html", {"form": form, "subscribed": current}
    )
