"""Pages of the oversight figures that need several domain apps: the electricity cross-check
and the map (thin views; the figures come from `crosscheck` and the reporting statistics)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.core.excel import write_xlsx
from fugong.core.views import xlsx_response
from fugong.reporting import stats
from fugong.reporting.views import government_only, stats_query

from . import crosscheck, geo
from .boundaries import import_boundaries
from .views import query_form

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


LIST_TITLES = {
    "report_not_power": gettext_lazy("日报已复工，用电未达阈值"),
    "power_not_report": gettext_lazy("日报未复工，用电已达阈值"),
}


@login_required
def power_page(request: HttpRequest) -> HttpResponse:
    """The cross-check's figures by child region and industry and the two disagreement lists;
    `?format=xlsx` exports the lists."""
    government_only(request.user)
    try:
        query = stats_query(request)
    except ValidationError as exc:
        return render(request, "dashboard/power.html", {"errors": exc.message_dict})
    user = request.user
    lists = {w: crosscheck.disagreements(user, query, w) for w in crosscheck.LISTS}
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            _lists_xlsx(lists), f"power-check-{query.region.code}-{query.day}.xlsx"
        )
    base = {"region": query.region.code, "date": query.day.isoformat()}
    return render(
        request,
        "dashboard/power.html",
        {
            "figures": crosscheck.cross_check(user, query, by="region"),
            "industry": crosscheck.cross_check(user, query, by="industry")["breakdown"],
            "lists": [(w, str(LIST_TITLES[w]), rows) for w, rows in lists.items()],
            "query": query,
            "form": query_form(request, query),
            "qs": urlencode(base),
        },
    )


def _lists_xlsx(lists: dict[str, list[dict]]) -> bytes:
    headers = [
        _("核查类型"),
        _("统一社会信用代码"),
        _("企业名称"),
        _("所在区划"),
        _("行业"),
        _("联系电话"),
        _("日报状态"),
        _("当日用电量（千瓦时）"),
        _("基准日均（千瓦时）"),
        _("电力指数(%)"),
    ]
    rows = [
        [
            str(LIST_TITLES[which]),
            r["uscc"],
            r["name"],
            r["region"],
            r["industry"],
            r["contact_phone"],
            r["status_label"] or _("从未填报"),
            r["kwh"],
            r["baseline"],
            r["index"],
        ]
        for which, items in lists.items()
        for r in items
    ]
    return write_xlsx(_("电力核查"), headers, rows, widths=[22, 22, 30, 16, 24, 14, 10, 14, 14, 10])


@login_required
@require_POST
def upload_boundaries(request: HttpRequest) -> HttpResponse:
    """An admin uploads the boundary file (GeoJSON) once; the report is shown on the page."""
    if not request.user.is_admin:
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        errors = [_("请选择 GeoJSON 文件")]
        report = None
    elif upload.size > settings.FUGONG_IMPORT_MAX_BYTES:
        errors, report = [_("文件过大")], None
    else:
        text = upload.read().decode("utf-8", "replace")
        report = import_boundaries(request.user, text, skip_bad=bool(request.POST.get("skip_bad")))
        errors = []
    return render(request, "dashboard/boundaries.html", {"report": report, "errors": errors})


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The region's map: child regions coloured by resumption rate, enterprises as points."""
    government_only(request.user)
    try:
        query = stats_query(request)
    except ValidationError as exc:
        return render(request, "dashboard/map.html", {"errors": exc.message_dict})
    figures = stats.resumption(request.user, query, by="region")
    drill = reverse("reporting:drill_down")
    data = geo.map_data(request.user, query, figures, drill)
    return render(
        request,
        "dashboard/map.html",
        {
            "figures": figures,
            "map": data,
            "query": query,
            "form": query_form(request, query),
            "qs": urlencode({"region": query.region.code, "date": query.day.isoformat()}),
        },
    )
