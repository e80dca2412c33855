"""The one-page daily brief (日报) for leaders, in PDF and .xlsx."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fugong.core.excel import write_xlsx
from fugong.core.pdf import FONT
from fugong.core.services import audit
from fugong.reporting import services, stats
from fugong.reporting.completeness import completeness

from .hot import hot_spots

if TYPE_CHECKING:
    from typing import Any

    from fugong.core.models import Campaign
    from fugong.core.permissions import Actor
    from fugong.reporting.stats import StatsQuery


def content(user: Actor, query: StatsQuery) -> dict[str, Any]:
    main = stats.resumption(user, query, by="region")
    return {
        "main": main,
        "lists": stats.resumption(user, query, by="list")["breakdown"],
        "needs": services.needs_on(user, query),
        "day": completeness(user, query),
        "hot": hot_spots(user, _live(query), query.region),
    }


def _live(query: StatsQuery) -> Campaign | None:
    """The campaign running today in the query's region (work orders belong to it), else the
    query's own."""
    return stats.campaign_running(query.region) or query.campaign


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}%"


def summary_lines(c: dict[str, Any]) -> list[str]:
    r, n = c["main"], c["needs"]
    day = query_day_label(r["date"])
    return [
        _(
            "截至%(d)s，%(region)s纳入统计企业 %(n)d 家，已复工 %(x)d 家（其中部分复工 %(p)d 家），"
            "复工率 %(rate)s；未复工 %(u)d 家，其中从未填报 %(never)d 家。"
        )
        % {
            "d": day,
            "region": r["region_name"],
            "n": r["enterprises"],
            "x": r["resumed"],
            "p": r["resumed_partial"],
            "rate": _pct(r["rate"]),
            "u": r["not_resumed"],
            "never": r["never_reported"],
        },
        _("职工 %(t)d 人，在岗 %(o)d 人，到岗率 %(s)s。当日填报 %(a)d 家，填报率 %(c)s。")
        % {
            "t": r["staff_total"],
            "o": r["staff_on_duty"],
            "s": _pct(r["staff_rate"]),
            "a": r["reported_today"],
            "c": _pct(r["completeness"]),
        },
        _(
            "当日企业反映需求：口罩 %(m)s 只，消毒液 %(d)s 吨，体温计 %(t)s 个，用工缺口 %(w)s 人，"
            "%(fn)s 户企业资金需求 %(f)s 万元；%(k)d 家企业反映困难诉求。"
        )
        % {
            "m": n["masks"],
            "d": n["disinfectant"],
            "t": n["thermometers"],
            "w": n["workers"],
            "fn": n["funding_enterprises"],
            "f": n["funding"],
            "k": n["difficulties"],
        },
    ] + later_lines(c)


def later_lines(c: dict[str, Any]) -> list[str]:
    """The brief's lines after the figures: confirmation, then hot spots."""
    return confirmed_lines(c.get("day")) + hot_lines(c.get("hot") or [])


def confirmed_lines(day: dict[str, Any] | None) -> list[str]:
    """How much of the day's reporting is on time and confirmed (逐级审核)."""
    if not day or not day["due"]:
        return []
    return [
        _(
            "当日应报 %(e)d 家，按时 %(o)d 家，迟报 %(l)d 家；街镇已审核 %(c)d 家（%(cr)s），"
            "待审核 %(u)d 家，县级已审核 %(k)d 家。"
        )
        % {
            "e": day["expected"],
            "o": day["on_time"],
            "l": day["late"],
            "c": day["confirmed"],
            "cr": _pct(day["confirmed_rate"]),
            "u": day["unconfirmed"],
            "k": day["county_confirmed"],
        }
    ]


def hot_lines(spots: list[dict[str, Any]]) -> list[str]:
    """One line per hot spot: where, what, how many against the usual level."""
    return [
        _("热点问题：%(r)s“%(l)s”近7天 %(n)d 件（通常约 %(e)s 件）。")
        % {"r": h["region"], "l": h["label"], "n": h["count"], "e": h["expected"]}
        for h in spots
    ]


def query_day_label(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


TABLE_HEAD = ["范围", "企业数", "已复工", "复工率", "未填报(当日)", "到岗率"]


def table_rows(c: dict[str, Any]) -> list[list[object]]:
    rows = [
        [
            b["label"],
            b["enterprises"],
            b["resumed"],
            _pct(b["rate"]),
            b["missing_today"],
            _pct(b["staff_rate"]),
        ]
        for b in c["main"]["breakdown"]
    ]
    rows += [
        [
            f"【{b['label']}】",
            b["enterprises"],
            b["resumed"],
            _pct(b["rate"]),
            b["missing_today"],
            _pct(b["staff_rate"]),
        ]
        for b in c["lists"]
    ]
    return rows


def pdf(user: Actor, query: StatsQuery) -> bytes:
    c = content(user, query)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"复工复产日报 {c['main']['date']}",
        author="Fugong",
    )
    title = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=24, alignment=1)
    sub = ParagraphStyle(
        "s", fontName=FONT, fontSize=10, leading=14, alignment=1, textColor=colors.grey
    )
    body = ParagraphStyle("b", fontName=FONT, fontSize=11, leading=18, firstLineIndent=22)
    story = [
        Paragraph(_("%(r)s复工复产日报") % {"r": c["main"]["region_name"]}, title),
        Paragraph(f"{c['main']['campaign']}　{query_day_label(c['main']['date'])}", sub),
        Spacer(1, 6 * mm),
        *[Paragraph(line, body) for line in summary_lines(c)],
        Spacer(1, 5 * mm),
    ]
    table = Table(
        [TABLE_HEAD] + table_rows(c),
        repeatRows=1,
        colWidths=[52 * mm, 20 * mm, 20 * mm, 22 * mm, 28 * mm, 22 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    audit(
        user,
        "export",
        target_type="reporting.brief",
        detail={"format": "pdf", "region": query.region.code, "date": str(query.day)},
    )
    return buf.getvalue()


def xlsx(user: Actor, query: StatsQuery) -> bytes:
    c = content(user, query)
    rows = [[line] for line in summary_lines(c)] + [[]] + [TABLE_HEAD] + table_rows(c)
    data = write_xlsx(
        f"复工复产日报 {c['main']['date']}",
        [_("%(r)s复工复产日报") % {"r": c["main"]["region_name"]}],
        rows,
        widths=[40, 10, 10, 10, 14, 10],
    )
    audit(
        user,
        "export",
        target_type="reporting.brief",
        detail={"format": "xlsx", "region": query.region.code, "date": str(query.day)},
    )
    return data
