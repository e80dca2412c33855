"""The inspections' figures — planned, inspected, passed, rectifications open and overdue — by
township and by checklist item, over what the user may see; and the Excel exports."""

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx

from .models import Inspection, ItemResult, Rectification

State, Result, Outcome = Inspection.State, Inspection.Result, ItemResult.Outcome


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def inspections_for(user: Any, *, plan: Any = None, campaign: Any = None) -> QuerySet:
    qs = Inspection.objects.visible_to(user).exclude(state=State.CANCELLED)
    if plan is not None:
        qs = qs.filter(plan=plan)
    if campaign is not None:
        qs = qs.filter(plan__campaign=campaign)
    return qs


def rectifications_for(user: Any, *, plan: Any = None, campaign: Any = None) -> QuerySet:
    qs = Rectification.objects.visible_to(user)
    if plan is not None:
        qs = qs.filter(inspection__plan=plan)
    if campaign is not None:
        qs = qs.filter(inspection__plan__campaign=campaign)
    return qs


def figures(
    user: Any, *, plan: Any = None, campaign: Any = None, today: date | None = None
) -> dict:
    """Totals, and rows by township and by item; a first inspection and its re-inspections
    count once in `planned` (the enterprises to inspect), each inspection in `inspected`."""
    today = today or timezone.localdate()
    inspections = inspections_for(user, plan=plan, campaign=campaign)
    rects = rectifications_for(user, plan=plan, campaign=campaign)
    is_open = Q(state__in=Rectification.OPEN_STATES)
    overdue = is_open & Q(deadline__lt=today)
    by_township = {
        r["enterprise__region__code"]: {
            "key": r["enterprise__region__code"],
            "label": r["enterprise__region__name"],
            "planned": r["planned"],
            "inspected": r["inspected"],
            "covered": r["covered"],
            "passed": r["passed"],
            "open": 0,
            "overdue": 0,
        }
        for r in inspections.values("enterprise__region__code", "enterprise__region__name")
        .annotate(
            planned=Count("enterprise", distinct=True),
            inspected=Count("id", filter=Q(state=State.DONE)),
            covered=Count("enterprise", filter=Q(state=State.DONE), distinct=True),
            passed=Count("id", filter=Q(state=State.DONE, result=Result.PASSED)),
        )
        .order_by("enterprise__region__code")
    }
    for r in rects.values("enterprise__region__code").annotate(
        open=Count("id", filter=is_open), overdue=Count("id", filter=overdue)
    ):
        row = by_township.get(r["enterprise__region__code"])
        if row:
            row["open"], row["overdue"] = r["open"], r["overdue"]
    items = ItemResult.objects.visible_to(user).filter(
        inspection__in=inspections.filter(state=State.DONE)
    )
    rect_by_key = {
        r["key"]: r
        for r in rects.values("key").annotate(
            open=Count("id", filter=is_open), overdue=Count("id", filter=overdue)
        )
    }
    by_item = [
        {
            "key": r["key"],
            "label": r["label"],
            "checked": r["checked"],
            "passed": r["passed"],
            "failed": r["failed"],
            "na": r["na"],
            "fail_rate": _rate(r["failed"], r["checked"] - r["na"]),
            "open": rect_by_key.get(r["key"], {}).get("open", 0),
            "overdue": rect_by_key.get(r["key"], {}).get("overdue", 0),
        }
        for r in items.values("key", "label")
        .annotate(
            checked=Count("id"),
            passed=Count("id", filter=Q(outcome=Outcome.PASSED)),
            failed=Count("id", filter=Q(outcome=Outcome.FAILED)),
            na=Count("id", filter=Q(outcome=Outcome.NOT_APPLICABLE)),
        )
        .order_by("key")
    ]
    rows = list(by_township.values())
    for row in rows:
        row["coverage"] = _rate(row["covered"], row["planned"])
    totals = {
        k: sum(r[k] for r in rows) for k in ("planned", "inspected", "passed", "open", "overdue")
    }
    totals["enterprises"] = inspections.values("enterprise").distinct().count()
    totals["inspected_enterprises"] = (
        inspections.filter(state=State.DONE).values("enterprise").distinct().count()
    )
    totals["coverage"] = _rate(totals["inspected_enterprises"], totals["enterprises"])
    return {"totals": totals, "by_township": rows, "by_item": by_item, "today": today}


def export_inspections(qs: QuerySet) -> bytes:
    headers = [
        _("检查计划"),
        _("统一社会信用代码"),
        _("企业名称"),
        _("所在区划"),
        _("检查组"),
        _("完成期限"),
        _("状态"),
        _("结论"),
        _("严重问题"),
        _("检查时间"),
        _("检查人"),
        _("企业代表"),
        _("不通过项"),
    ]
    rows = (
        [
            i.plan.name,
            i.enterprise.uscc,
            i.enterprise.name,
            i.enterprise.region.name,
            i.team.name if i.team else "",
            i.due_on,
            i.get_state_display(),
            i.get_result_display(),
            _("是") if i.serious else "",
            timezone.localtime(i.inspected_at).strftime("%Y-%m-%d %H:%M") if i.inspected_at else "",
            str(i.inspector or ""),
            i.representative,
            "；".join(r.label for r in i.items.all() if r.outcome == Outcome.FAILED),
        ]
        for i in qs.select_related("plan", "enterprise__region", "team", "inspector")
        .prefetch_related("items")
        .iterator(chunk_size=500)
    )
    return write_xlsx(
        _("督导检查"), headers, rows, widths=[20, 22, 30, 14, 12, 12, 8, 8, 8, 16, 10, 10, 40]
    )


def export_rectifications(qs: QuerySet, today: date | None = None) -> bytes:
    today = today or timezone.localdate()
    headers = [
        _("统一社会信用代码"),
        _("企业名称"),
        _("所在区划"),
        _("检查项"),
        _("问题"),
        _("整改期限"),
        _("状态"),
        _("逾期"),
        _("整改情况"),
        _("复查通过日期"),
    ]
    rows = (
        [
            r.enterprise.uscc,
            r.enterprise.name,
            r.enterprise.region.name,
            r.label,
            r.problem,
            r.deadline,
            r.get_state_display(),
            _("是") if r.state in Rectification.OPEN_STATES and r.deadline < today else "",
            r.response,
            r.closed_on or "",
        ]
        for r in qs.select_related("enterprise__region").iterator(chunk_size=500)
    )
    return write_xlsx(_("整改台账"), headers, rows, widths=[22, 30, 14, 22, 40, 12, 10, 6, 40, 12])
