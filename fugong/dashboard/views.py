"""The command centre's first page and the leaders' brief: figures gathered from every domain
app's public services (the dashboard is the only place that reads them all)."""

from datetime import timedelta

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
from fugong.core.models import Campaign
from fugong.core.views import xlsx_response
from fugong.health.services import counts as health_counts
from fugong.health.services import latest_round
from fugong.passes.services import counts as pass_counts
from fugong.reporting import services, stats
from fugong.reporting.views import government_only, stats_form, stats_query
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


@login_required
def dashboard(request):
    """The command centre's first page (a township or park gets the same for its scope)."""
    if not request.user.is_government:
        return redirect("reporting:report_form")
    government_only(request.user)
    try:
        query = stats_query(request)
    except ValidationError as exc:
        return render(request, "dashboard/dashboard.html", {"errors": exc.message_dict})
    user = request.user
    main = stats.resumption(user, query, by="region")
    lists = stats.resumption(user, query, by="list")["breakdown"]
    industry = stats.resumption(user, query, by="industry")["breakdown"]
    trend = stats.series(user, query, query.day - timedelta(days=29), query.day)
    needs = services.needs_on(user, query)
    # work orders, applications and passes: the campaign running now in the region (it may be
    # another than the report campaign of the day shown), else the one shown
    live = stats.campaign_running(query.region) or query.campaign
    orders = order_figures(user, live)
    passes = pass_counts(user, live)
    applications = application_counts(user, live)
    _rows, health = health_counts(user)
    test_round, coverage = latest_round(user)
    base = {"region": query.region.code, "date": query.day.isoformat()}
    charts = {
        "drill": reverse("reporting:drill_down"),
        "base": base,
        "regions": [
            {
                "key": b["key"],
                "label": b["label"],
                "resumed": b["resumed"],
                "not_resumed": b["not_resumed"],
                "rate": b["rate"],
            }
            for b in main.get("breakdown", [])
        ],
        "trend": [
            {
                "date": d["date"],
                "rate": d["rate"],
                "staff_rate": d["staff_rate"],
                "completeness": d["completeness"],
            }
            for d in trend
        ],
        "industry": [
            {
                "key": b["key"],
                "label": b["label"],
                "resumed": b["resumed"],
                "enterprises": b["enterprises"],
            }
            for b in sorted(industry, key=lambda b: -b["enterprises"])[:12]
        ],
        "queue": reverse("workorders:queue"),
        "orders": [
            {"key": c["key"], "label": c["label"], "open": c["open"], "overdue": c["overdue"]}
            for c in orders["categories"]
        ],
    }
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "figures": main,
            "lists": lists,
            "needs": needs,
            "orders": orders,
            "live": live,
            "passes": passes,
            "applications": applications,
            "health": health,
            "test_round": test_round,
            "coverage": coverage,
            "hot_spots": hot_spots(user, live, query.region),
            "reports_off": bool(live.modules) and Campaign.Module.REPORTS not in live.modules,
            "charts": charts,
            "query": query,
            "qs": urlencode(base),
            "form": stats_form(request),
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
        widgets = {"send_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


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
