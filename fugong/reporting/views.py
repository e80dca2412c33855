from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.approvals.services import counts as application_counts
from fugong.core.services import audit, campaigns_on
from fugong.core.views import xlsx_response
from fugong.health.services import counts as health_counts
from fugong.health.services import latest_round
from fugong.passes.services import counts as pass_counts
from fugong.registry.models import Enterprise, EnterpriseList, enterprise_id_of
from fugong.registry.services import can_manage, scope_regions
from fugong.workorders.services import order_figures

from . import brief as daily_brief
from . import exports, services, stats
from .forms import ReportForm, StatsForm
from .models import DailyReport


def _enterprise_for_report(user, pk):
    pk = pk or enterprise_id_of(user)
    enterprise = Enterprise.objects.visible_to(user).select_related("region").filter(pk=pk).first()
    if enterprise is None:
        raise Http404
    if not services.can_submit(user, enterprise):
        raise PermissionDenied
    return enterprise


@login_required
def report_form(request, pk=None):
    """The daily report, mobile-first: the enterprise's own, or on its behalf."""
    enterprise = _enterprise_for_report(request.user, pk)
    today = timezone.localdate()
    campaign = services.campaign_for(enterprise, today)
    last = services.previous_report(enterprise, today + timedelta(days=1))
    form = ReportForm(
        request.POST or None, campaign=campaign, initial=ReportForm.initial_from(last, enterprise)
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.submit_report(
                request.user, enterprise, form.cleaned_data["date"], form.data_for_service()
            )
        except ValidationError as exc:
            form.attach(exc.message_dict)
        else:
            messages.success(
                request,
                _("%(d)s 日报已提交（第 %(v)d 版）")
                % {"d": report.date.strftime("%Y年%-m月%-d日"), "v": report.version},
            )
            return redirect(request.path)
    notes = request.user.notifications.filter(read_at__isnull=True, kind="report_reminder")[:3]
    return render(
        request,
        "reporting/report_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "campaign": campaign,
            "last": last,
            "reminders": notes,
        },
    )


def _query(request):
    return stats.StatsQuery.parse(request.user, request.GET)


def _stats_form(request):
    return StatsForm(
        request.GET or None,
        regions=scope_regions(request.user),
        lists=EnterpriseList.objects.values_list("name", flat=True),
    )


def _government(user):
    if not user.is_government or user.role == "checkpoint":
        raise PermissionDenied


@login_required
def stats_page(request):
    _government(request.user)
    form, result, errors = _stats_form(request), None, {}
    try:
        query = _query(request)
        result = stats.resumption(request.user, query, by=request.GET.get("by") or None)
    except ValidationError as exc:
        errors = exc.message_dict
    if result and request.GET.get("format") == "xlsx":
        return xlsx_response(
            exports.resumption_xlsx(request.user, result),
            f"resumption-{result['region']}-{result['date']}.xlsx",
        )
    params = {k: v for k, v in request.GET.items() if k not in ("format", "by", "page")}
    if result:
        params.setdefault("date", result["date"])
        params.setdefault("region", result["region"])
    return render(
        request,
        "reporting/stats.html",
        {
            "form": form,
            "r": result,
            "errors": errors,
            "params": params,
            "drill": reverse("reporting:drill_down") + "?" + urlencode(params),
        },
    )


@login_required
def brief(request, fmt):
    """The one-page daily brief for leaders."""
    _government(request.user)
    try:
        query = _query(request)
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


@login_required
def drill_down(request):
    _government(request.user)
    figure = request.GET.get("figure", "enterprises")
    try:
        query = _query(request)
        enterprises = stats.drill_down(request.user, query, figure)
    except ValidationError as exc:
        raise Http404("; ".join(exc.messages)) from exc
    enterprises = enterprises.select_related("region").order_by("region__path", "name")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            exports.drill_down_xlsx(request.user, query, enterprises, figure),
            f"{figure}-{query.day}.xlsx",
        )
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    statuses = stats.status_map(query, [e.pk for e in page])
    rows = [(e, statuses.get(e.pk)) for e in page]
    params = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "reporting/drill_down.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "figure": figure,
            "figure_label": exports.FIGURE_LABELS.get(figure, figure),
            "params": params,
            "qs": urlencode(params),
        },
    )


@login_required
def completeness(request):
    """Who has not reported today, with phone numbers to call; remind one or all."""
    _government(request.user)
    try:
        query = _query(request)
    except ValidationError as exc:
        return render(
            request,
            "reporting/stats.html",
            {"form": _stats_form(request), "errors": exc.message_dict},
        )
    result = stats.resumption(request.user, query)
    audit(
        request.user,
        "view_personal",
        target_type="reporting.completeness",
        detail={
            "fields": ["contact_name", "contact_phone"],
            "region": query.region.code,
            "date": str(query.day),
        },
    )
    missing = (
        stats.drill_down(request.user, query, "missing_today")
        .select_related("region", "assignment__township")
        .order_by("region__path", "name")
    )
    return render(
        request,
        "reporting/completeness.html",
        {
            "r": result,
            "query": query,
            "missing": missing[:500],
            "more": missing.count() > 500,
            "can_remind": query.day == timezone.localdate(),
            "params": urlencode({k: v for k, v in request.GET.items()}),
        },
    )


@login_required
@require_POST
def remind(request):
    _government(request.user)
    query = _query(request)
    targets = stats.drill_down(request.user, query, "missing_today")
    if request.POST.get("enterprise"):
        targets = targets.filter(pk=request.POST["enterprise"])
    n = services.remind(request.user, query.campaign, targets)
    messages.success(request, _("已提醒 %(n)d 人") % {"n": n})
    return redirect(reverse("reporting:completeness") + "?" + request.GET.urlencode())


@login_required
def dashboard(request):
    """The command centre's first page (a township or park gets the same for its scope)."""
    if not request.user.is_government:
        return redirect("reporting:report_form")
    _government(request.user)
    try:
        query = _query(request)
    except ValidationError as exc:
        return render(request, "reporting/dashboard.html", {"errors": exc.message_dict})
    user = request.user
    main = stats.resumption(user, query, by="region")
    lists = stats.resumption(user, query, by="list")["breakdown"]
    industry = stats.resumption(user, query, by="industry")["breakdown"]
    trend = stats.series(user, query, query.day - timedelta(days=29), query.day)
    needs = services.needs_on(user, query)
    # work orders, applications and passes: the campaign running now in the region (it may be
    # another than the report campaign of the day shown), else the one shown
    live = next(iter(campaigns_on(timezone.localdate(), query.region.path)), query.campaign)
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
        "reporting/dashboard.html",
        {
            "r": main,
            "lists": lists,
            "needs": needs,
            "orders": orders,
            "live": live,
            "passes": passes,
            "applications": applications,
            "health": health,
            "test_round": test_round,
            "coverage": coverage,
            "charts": charts,
            "query": query,
            "qs": urlencode(base),
            "form": _stats_form(request),
            "drill": reverse("reporting:drill_down") + "?" + urlencode(base),
        },
    )


@login_required
def report_list(request, pk):
    """An enterprise's reports with their versions."""
    enterprise = Enterprise.objects.visible_to(request.user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404
    reports = (
        DailyReport.objects.filter(enterprise=enterprise)
        .select_related("submitted_by")
        .prefetch_related("versions")[:60]
    )
    return render(
        request,
        "reporting/report_list.html",
        {"enterprise": enterprise, "reports": reports, "can_manage": can_manage(request.user)},
    )
