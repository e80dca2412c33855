from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.models import Region
from fugong.core.permissions import scoped
from fugong.core.services import audit
from fugong.core.views import xlsx_response
from fugong.registry.models import Enterprise, EnterpriseList, enterprise_id_of
from fugong.registry.services import can_manage, scope_regions

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
            for made in report.followups:  # e.g. the work order its difficulties became
                messages.info(
                    request,
                    format_html(
                        '{} <a href="{}" class="followup">{}</a>',
                        _("日报中的困难和需求已生成工单："),
                        made.get_absolute_url(),
                        made,
                    ),
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


def stats_query(request):
    return stats.StatsQuery.parse(request.user, request.GET)


def page_campaign(request):
    """The statistics pages' campaign and switcher: the `campaign` GET parameter among those
    covering the region asked about, else the one running today there, else the report
    campaign `StatsQuery.parse` picks (None)."""
    code = request.GET.get("region") or ""
    region = (
        Region.objects.filter(code=code).first() if code else stats.default_region(request.user)
    )
    choices = stats.campaigns_covering(region)
    wanted = request.GET.get("campaign") or ""
    chosen = next((c for c in choices if str(c.pk) == wanted), None)
    if chosen is None and not wanted:
        chosen = stats.campaign_running(region)
    return chosen, choices


def campaign_context(chosen, choices, query=None):
    shown = query.campaign if query is not None else chosen
    return {
        "campaigns": choices,
        "shown_campaign": shown,
        "reports_off": shown is not None and stats.reports_off(shown),
    }


def stats_form(request):
    return StatsForm(
        request.GET or None,
        regions=scope_regions(request.user),
        lists=EnterpriseList.objects.values_list("name", flat=True),
    )


def government_only(user):
    if not user.sees_figures:
        raise PermissionDenied


@login_required
def stats_page(request):
    government_only(request.user)
    form, result, errors, query = stats_form(request), None, {}, None
    chosen, choices = page_campaign(request)
    try:
        query = stats.StatsQuery.parse(request.user, request.GET, campaign=chosen)
        if not stats.reports_off(query.campaign):
            result = stats.resumption(request.user, query, by=request.GET.get("by") or None)
    except ValidationError as exc:
        errors = exc.message_dict
    if result and request.GET.get("format") == "xlsx":
        return xlsx_response(
            exports.resumption_xlsx(request.user, result),
            f"resumption-{result['region']}-{result['date']}.xlsx",
        )
    if query and request.GET.get("format") == "reports":  # the day's reports, re-importable
        return xlsx_response(
            exports.daily_reports_xlsx(
                request.user, exports.day_reports(request.user, query), query.campaign
            ),
            f"reports-{query.region.code}-{query.day}.xlsx",
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
            "figures": result,
            "errors": errors,
            "params": params,
            **campaign_context(chosen, choices, query),
            "drill": reverse("reporting:drill_down") + "?" + urlencode(params),
        },
    )


@login_required
def drill_down(request):
    government_only(request.user)
    figure = request.GET.get("figure", "enterprises")
    try:
        query = stats_query(request)
        enterprises = stats.drill_down(request.user, query, figure)
    except ValidationError as exc:
        raise Http404("; ".join(exc.messages)) from exc
    enterprises = enterprises.select_related("region").order_by("region__path", "name")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            exports.drill_down_xlsx(request.user, query, enterprises, figure),
            f"{figure}-{query.day}.xlsx",
        )
    page = Paginator(enterprises, settings.PAGE_SIZE).get_page(request.GET.get("page"))
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
    government_only(request.user)
    chosen, choices = page_campaign(request)
    try:
        query = stats.StatsQuery.parse(request.user, request.GET, campaign=chosen)
    except ValidationError as exc:
        return render(
            request,
            "reporting/stats.html",
            {
                "form": stats_form(request),
                "errors": exc.message_dict,
                **campaign_context(chosen, choices),
            },
        )
    if stats.reports_off(query.campaign):
        return render(
            request,
            "reporting/completeness.html",
            {"query": query, **campaign_context(chosen, choices, query)},
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
            "figures": result,
            "query": query,
            "missing": missing[:500],
            "more": missing.count() > 500,
            "can_remind": query.day == timezone.localdate(),
            "params": urlencode({k: v for k, v in request.GET.items()}),
            **campaign_context(chosen, choices, query),
        },
    )


@login_required
@require_POST
def remind(request):
    government_only(request.user)
    query = stats_query(request)
    targets = stats.drill_down(request.user, query, "missing_today")
    if request.POST.get("enterprise"):
        targets = targets.filter(pk=request.POST["enterprise"])
    n = services.remind(request.user, query.campaign, targets)
    messages.success(request, _("已提醒 %(n)d 人") % {"n": n})
    return redirect(reverse("reporting:completeness") + "?" + request.GET.urlencode())


@login_required
@scoped(Enterprise)
def report_list(request, enterprise):
    """An enterprise's reports with their versions."""
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
