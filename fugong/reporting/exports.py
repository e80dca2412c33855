from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fugong.core.excel import register_exporter, write_xlsx
from fugong.core.services import audit

from . import stats
from .imports import ReportImporter
from .models import DailyReport

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from django.db.models import QuerySet

    from fugong.core.models import Campaign, User
    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise

FIGURE_LABELS = {
    "enterprises": _("企业总数"),
    "resumed": _("已复工（含部分）"),
    "resumed_full": _("全面复工"),
    "resumed_partial": _("部分复工"),
    "not_resumed": _("未复工"),
    "never_reported": _("从未填报"),
    "reported_today": _("当日已填报"),
    "missing_today": _("当日未填报"),
    "all": _("企业总数"),
}
COLUMNS = [
    ("label", "范围"),
    ("enterprises", "企业数"),
    ("resumed", "已复工"),
    ("resumed_full", "全面复工"),
    ("resumed_partial", "部分复工"),
    ("not_resumed", "未复工"),
    ("never_reported", "从未填报"),
    ("rate", "复工率(%)"),
    ("staff_total", "职工总数"),
    ("staff_on_duty", "在岗人数"),
    ("staff_rate", "到岗率(%)"),
    ("reported_today", "当日填报"),
    ("completeness", "填报率(%)"),
    ("output", "当日产值(万元)"),
    ("capacity_utilisation", "平均产能利用率(%)"),
]


def resumption_xlsx(user: User, result: dict[str, Any]) -> bytes:
    rows = [{**result, "label": result["region_name"]}] + result.get("breakdown", [])
    data = write_xlsx(
        f"复工统计 {result['date']}",
        [h for _k, h in COLUMNS],
        ([r.get(k) for k, _h in COLUMNS] for r in rows),
        widths=[20] + [11] * (len(COLUMNS) - 1),
    )
    audit(
        user,
        "export",
        target_type="reporting.resumption",
        detail={"region": result["region"], "date": result["date"]},
    )
    return data


def drill_down_xlsx(
    user: User, query: stats.StatsQuery, enterprises: QuerySet[Enterprise], figure: str
) -> bytes:
    statuses = stats.status_map(query, enterprises.values_list("pk", flat=True))

    def rows() -> Iterator[list[object]]:
        for e in enterprises.iterator(chunk_size=2000):
            s = statuses.get(e.pk)
            yield [
                e.uscc,
                e.name,
                e.region.name,
                e.get_scale_display(),
                e.contact_name,
                e.contact_phone,
                s.get_status_display() if s else "从未填报",
                s.report.date if s else "",
                s.staff_on_duty if s else "",
                s.staff_total if s else e.total_staff,
            ]

    data = write_xlsx(
        f"{FIGURE_LABELS.get(figure, figure)} {query.day}",
        [
            "统一社会信用代码",
            "企业名称",
            "所在区划",
            "规模",
            "联系人",
            "联系电话",
            "状态",
            "最近填报日期",
            "在岗人数",
            "职工总数",
        ],
        rows(),
        widths=[22, 30, 12, 6, 10, 14, 10, 12, 10, 10],
    )
    audit(
        user,
        "export",
        target_type="reporting.drill_down",
        detail={"figure": figure, "region": query.region.code, "date": str(query.day)},
    )
    return data


def _report_row(report: DailyReport, extra_keys: list[str]) -> list:
    """One report in the daily-report import template's columns (then the campaign's extra
    fields), as the importer reads them back: labels for choices, numbers as numbers."""
    output = report.output
    if output is not None and report.output_unit != "万元":
        output = f"{output}{report.output_unit}"  # read back in 万元 by the importer
    cells = {
        "uscc": report.enterprise.uscc,
        "date": report.date,
        "status": report.get_status_display(),
        "mode": report.get_mode_display(),
        "output": output,
    }
    row = [
        cells[c.key] if c.key in cells else getattr(report, c.key) for c in ReportImporter.columns
    ]
    return [("" if v is None else v) for v in row] + [
        (report.extra or {}).get(k, "") for k in extra_keys
    ]


def daily_reports_xlsx(
    user: Actor, reports: QuerySet[DailyReport], campaign: Campaign | None = None
) -> bytes:
    """Daily reports as the township's import sheet: importing the file again through
    `reports` creates and changes nothing. `reports` must already be scoped to the user."""
    fields = list(campaign.report_fields) if campaign is not None else []
    headers = [c.header for c in ReportImporter.columns] + [f["label"] for f in fields]
    keys = [f["key"] for f in fields]
    reports = reports.select_related("enterprise").order_by("date", "enterprise__uscc")
    data = write_xlsx(
        ReportImporter.title,
        headers,
        (_report_row(r, keys) for r in reports.iterator(chunk_size=2000)),
        widths=[c.width for c in ReportImporter.columns] + [14] * len(keys),
    )
    audit(
        user,
        "export",
        target_type="reporting.daily_report",
        detail={"campaign": getattr(campaign, "pk", None), "format": "xlsx"},
    )
    return data


@register_exporter("reports")
def export_reports(user: Actor, params: Mapping[str, str] | None) -> bytes:
    """`fugong export reports OUT.xlsx --date 2020-02-14 [--region 222401]`: the day's reports
    (today's by default) of the enterprises the user sees in the region, in the campaign
    running there that day."""
    query = stats.StatsQuery.parse(user, params or {})
    return daily_reports_xlsx(user, day_reports(user, query), query.campaign)


def day_reports(user: Actor, query: stats.StatsQuery) -> QuerySet[DailyReport]:
    """The query day's reports in its campaign, of the enterprises the user sees in its
    region."""
    return DailyReport.objects.visible_to(user).filter(
        query.region.subtree_q("enterprise__"), campaign=query.campaign, date=query.day
    )
