"""Work-order use-cases: the scorecard for a user (region in scope, period, campaign weights)
and its monthly report as xlsx and PDF (the PDF machinery of the daily brief: reportlab with
the embedded CJK font)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fugong.core.excel import write_xlsx
from fugong.core.models import Campaign, Region
from fugong.core.pdf import FONT
from fugong.core.services import audit

from .scorecard import Period, scorecard

if TYPE_CHECKING:
    from fugong.core.models import User

COLUMNS = [
    ("rank", "排名"),
    ("unit_name", "单位"),
    ("unit", "单位编码"),
    ("received", "接收"),
    ("signed_on_time", "按时签收"),
    ("sign_rate", "签收率%"),
    ("replied_on_time", "按时办结"),
    ("response_rate", "响应率%"),
    ("resolved", "办结"),
    ("resolution_rate", "解决率%"),
    ("rated", "已评价"),
    ("satisfied", "满意"),
    ("satisfaction_rate", "满意率%"),
    ("overdue", "逾期"),
    ("escalations", "督办"),
    ("refusals", "退单"),
    ("refusals_upheld", "退单获准"),
    ("extensions", "延期"),
    ("redos", "重办"),
    ("redo_rate", "重办率%"),
    ("median_hours_to_sign", "签收中位小时"),
    ("median_hours_to_resolve", "办结中位小时"),
    ("score", "得分"),
]


def scorecard_region(user: User, code: str = "") -> Region:
    """The region asked for, which must lie in the user's scope (their unit's region by
    default); PermissionError outside it, ValidationError for an unknown code."""
    if not (user.is_admin or (user.sees_figures and user.is_region_scoped)):
        raise PermissionError(_("只有政府部门可以查看考核"))
    if not code:
        if user.is_region_scoped:
            return user.unit.region
        return Region.objects.order_by("path").first()
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError({"region": _("行政区划代码 %(c)s 不存在") % {"c": code}})
    if not user.is_admin and not region.path.startswith(user.unit.region.path):
        raise PermissionError(_("该行政区划不在您的管辖范围内"))
    return region


def campaign_of(region: Region, period: Period) -> Campaign | None:
    """The campaign whose weights score the period: the latest covering the region."""
    campaigns = Campaign.objects.filter(starts_on__lte=period.end).order_by("-starts_on", "-id")
    return next((c for c in campaigns if region.path.startswith(c.region.path)), None)


def scorecard_for(user: User, region_code: str, period: Period) -> tuple[Region, list[dict]]:
    region = scorecard_region(user, region_code)
    return region, scorecard(region, period, weights_from=campaign_of(region, period))


def _cell(value: object) -> object:
    return "—" if value is None else value


def report_rows(rows: list[dict]) -> list[list]:
    return [[_cell(row[key]) for key, _label in COLUMNS] for row in rows]


def title_of(region: Region, period: Period) -> str:
    return _("%(r)s 工单办理考核（%(a)s 至 %(b)s）") % {
        "r": region.name,
        "a": period.start,
        "b": period.end,
    }


def scorecard_xlsx(user: User, region: Region, period: Period, rows: list[dict]) -> bytes:
    data = write_xlsx(
        title_of(region, period)[:31],
        [label for _key, label in COLUMNS],
        report_rows(rows),
        widths=[6, 24, 16] + [10] * (len(COLUMNS) - 3),
    )
    audit(user, "export", target_type="workorders.scorecard", detail={"format": "xlsx"})
    return data


def scorecard_pdf(user: User, region: Region, period: Period, rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title_of(region, period),
        author="Fugong",
    )
    heading = ParagraphStyle("t", fontName=FONT, fontSize=16, leading=22, alignment=1)
    note = ParagraphStyle("n", fontName=FONT, fontSize=8, leading=11, textColor=colors.grey)
    keys = [k for k, _label in COLUMNS if k != "unit"]
    head = [label.replace("%", "") for k, label in COLUMNS if k != "unit"]
    body = [[_cell(row[k]) for k in keys] for row in rows]
    table = Table([head] + body, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 7),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9AA5B1")),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    story = [
        Paragraph(title_of(region, period), heading),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 3 * mm),
        Paragraph(
            _(
                "签收率 = 按时签收 / 接收；响应率 = 按时办结 / 签收；解决率 = 办结 / 签收；"
                "满意率 = 满意 / 已评价；得分 = 响应率、解决率、满意率按权重加权（默认 30/35/35）。"
            ),
            note,
        ),
    ]
    doc.build(story)
    audit(user, "export", target_type="workorders.scorecard", detail={"format": "pdf"})
    return buf.getvalue()
