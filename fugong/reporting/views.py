from datetime import date, timedelta

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

from . import campaigns, confirmation, exports, services, stats, windows
from .completeness import completeness as completeness_of
from .forms import CorrectionForm, ReportForm, StatsForm
from .models import DailyReport, DayReopening
from .shares import resumption_with_shares


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
    initial = ReportForm.initial_from(last, enterprise)
    if campaign is not None:  # the data day the campaign asks about now (today or yesterday)
        initial["date"] = campaign.report_data_day_at(timezone.now())
    form = ReportForm(request.POST or None, campaign=campaign, initial=initial)
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
            for flag in report.flags:  # soft rules: saved, for the township to verify
                messages.warning(request, _("请核实：%(m)s") % {"m": flag["message"]})
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
        Region.objects.filter(code=code).first() if code else campaigns.default_region(request.user)
    )
    choices = campaigns.campaigns_covering(region)
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
        "reports_off": shown is not None and campaigns.reports_off(shown),
    }


def page_query(request) -> tuple:
    """A figures page's query and its campaign context: (None, context with the errors) when
    the parameters are bad."""
    chosen, choices = page_campaign(request)
    try:
        query = stats.StatsQuery.parse(request.user, request.GET, campaign=chosen)
    except ValidationError as exc:
        return None, {"errors": exc.message_dict, **campaign_context(chosen, choices)}
    return query, campaign_context(chosen, choices, query)


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
        if not campaigns.reports_off(query.campaign):
            result = resumption_with_shares(request.user, query, by=request.GET.get("by") or None)
            result["day"] = completeness_of(request.user, query)
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
    query, context = page_query(request)
    if query is None:
        return render(request, "reporting/stats.html", {"form": stats_form(request), **context})
    if campaigns.reports_off(query.campaign):
        return render(request, "reporting/completeness.html", {"query": query, **context})
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
            "day": completeness_of(request.user, query),
            "drill": reverse("reporting:drill_down")
            + "?"
            + urlencode({"region": query.region.code, "date": query.day.isoformat()}),
            "query": query,
            "missing": missing[:500],
            "more": missing.count() > 500,
            "can_remind": query.day == timezone.localdate(),
            "params": urlencode({k: v for k, v in request.GET.items()}),
            **context,
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
    """An enterprise's reports with their versions; a command centre reopens a locked day."""
    reopen_errors = {}
    if request.method == "POST":
        reopen_errors = _reopen(request, enterprise)
        if not reopen_errors:
            return redirect(request.path)
    reports = (
        DailyReport.objects.filter(enterprise=enterprise)
        .select_related("submitted_by", "confirmed_by")
        .prefetch_related("versions")[:60]
    )
    return render(
        request,
        "reporting/report_list.html",
        {
            "enterprise": enterprise,
            "reports": reports,
            "can_manage": can_manage(request.user),
            "can_reopen": request.user.reopens_report_days,
            "reopenings": DayReopening.objects.filter(enterprise=enterprise).select_related(
                "reopened_by"
            )[:20],
            "reopen_errors": reopen_errors,
        },
    )


def _reopen(request, enterprise) -> dict:
    """Reopen the posted day; the field errors (none when it was reopened)."""
    try:
        day = date.fromisoformat(request.POST.get("day") or "")
    except ValueError:
        return {"day": [_("日期格式应为 YYYY-MM-DD")]}
    campaign = services.campaign_for(enterprise, day)
    if campaign is None:
        return {"day": [_("该日期不在任何应急事件期间")]}
    try:
        windows.reopen_day(request.user, campaign, enterprise, day, request.POST.get("reason"))
    except ValidationError as exc:
        return exc.message_dict
    messages.success(
        request, _("已重新开放 %(d)s 的填报（24 小时）") % {"d": day.strftime("%Y年%-m月%-d日")}
    )
    return {}


def _confirmer(user) -> None:
    if not (user.sees_figures and user.confirms_reports):
        raise PermissionDenied


@login_required
def confirm_page(request):
    """逐级审核: the day's reports in the officer's scope to confirm (or correct); for a county's
    command centre also its townships to confirm."""
    _confirmer(request.user)
    query, context = page_query(request)
    if query is None:
        return render(request, "reporting/confirm.html", context)
    if request.method == "POST":
        _confirm_posted(request, query)
        return redirect(request.get_full_path())
    return render(
        request,
        "reporting/confirm.html",
        {
            "query": query,
            "reports": confirmation.reports_of_day(request.user, query.campaign, query.day)[:500],
            "townships": (
                confirmation.township_progress(request.user, query.campaign, query.day)
                if request.user.confirms_townships
                else None
            ),
            "day_figures": completeness_of(request.user, query),
            **context,
        },
    )


def _confirm_posted(request, query) -> None:
    user, campaign, day = request.user, query.campaign, query.day
    try:
        if request.POST.get("township"):
            region = Region.objects.filter(code=request.POST["township"]).first()
            if region is None:
                raise Http404
            confirmation.confirm_township(user, campaign, day, region)
            messages.success(request, _("已审核 %(r)s 的日报") % {"r": region.name})
            return
        ids = [int(pk) for pk in request.POST.getlist("report") if pk.isdigit()]
        n = confirmation.confirm_reports(user, campaign, day, ids or None)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return
    except DailyReport.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("已审核 %(n)d 份日报") % {"n": n})


@login_required
@scoped(DailyReport, related=("enterprise__region",))
def correct_page(request, report):
    """Correct a report's figures while confirming it (before/after/who are recorded)."""
    _confirmer(request.user)
    form = CorrectionForm(request.POST or None, initial=CorrectionForm.initial_from(report))
    if request.method == "POST" and form.is_valid():
        try:
            confirmation.correct_report(
                request.user, report, form.changes(report), form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.attach(exc.message_dict)
        else:
            messages.success(request, _("已更正并审核"))
            return redirect(
                reverse("reporting:confirm") + "?" + urlencode({"date": report.date.isoformat()})
            )
    return render(
        request,
        "reporting/correct.html",
        {"form": form, "report": report, "corrections": _labelled(report.corrections.all()[:20])},
    )


def _labelled(corrections) -> list:
    """Each correction with its changed figures as (label, before, after), for people."""
    fields = CorrectionForm.base_fields
    choices = {f: dict(fields[f].choices) for f in ("status", "mode")}

    def shown(f, v):
        return choices[f].get(v, v) if f in choices else v

    for correction in corrections:
        correction.changes = [
            (fields[f].label if f in fields else f, shown(f, v), shown(f, correction.after.get(f)))
            for f, v in correction.before.items()
        ]
    return list(corrections)
