"""Application use-cases: queues, roster, certificate."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from fugong.core.codes import check_code
from fugong.core.excel import write_xlsx
from fugong.core.filters import ListFilter
from fugong.core.models import Campaign, Region
from fugong.core.pdf import FONT, draw_qr
from fugong.core.services import (
    absolute_url,
    audit,
)
from fugong.registry.models import Enterprise

from ..models import Application
from .base import CODE_KIND, Kind, State, steps_of

if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from django.db.models import QuerySet

    from fugong.core.permissions import Actor


@dataclass
class ApplicationFilter(ListFilter):
    """The filters of the application list, parsed once from the query string; the page, its
    export and the API list share them. `view` "todo" is 待我审核 (awaiting a step this user
    reviews, oldest due first)."""

    kind: str = ""
    state: str = ""
    view: str = ""

    CHOICES = {
        "kind": (gettext_lazy("类型"), Kind.values),
        "state": (gettext_lazy("状态"), State.values),
        "view": (gettext_lazy("视图"), ["todo"]),
    }

    def apply(self, user: Actor, qs: QuerySet[Application]) -> QuerySet[Application]:
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.state:
            qs = qs.filter(state=self.state)
        if self.view == "todo":
            qs = awaiting(user, qs).order_by("due_at", "created_at", "id")
        return qs


def applications_for(user: Actor, flt: ApplicationFilter | None = None) -> QuerySet[Application]:
    """Applications in the user's scope (an enterprise account's own), filtered; raises
    ValidationError naming each bad filter."""
    qs = Application.objects.visible_to(user).select_related(
        "enterprise", "enterprise__region", "campaign", "approving_unit"
    )
    if flt is None:
        return qs
    flt.check()
    return flt.apply(user, qs)


def awaiting(user: Actor, qs: QuerySet[Application]) -> QuerySet[Application]:
    """待我审核: only the applications of `qs` at a step this user reviews (a township's at the
    first step of a two-step campaign, a county's at the second or the only step)."""
    pending = qs.filter(state__in=Application.PENDING)
    if user.is_admin:
        return pending
    one_step = [
        c.pk for c in Campaign.objects.filter(pk__in=pending.values("campaign")) if steps_of(c) == 1
    ]
    submitted = Q(state=State.SUBMITTED)
    allowed = Q(pk__in=[])
    if user.reviews(1):
        allowed |= submitted & ~Q(campaign__in=one_step)
    if user.reviews(2):
        allowed |= Q(state=State.FIRST_APPROVED) | (submitted & Q(campaign__in=one_step))
    return pending.filter(allowed)


def closed_loop_by_region(
    user: Actor, campaign: Campaign, region: Region
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The closed-loop roster per child region of `region`: qualified enterprises, above-scale
    enterprises, qualified above-scale ones and their share ("463 家，占规上企业 65.1%")."""

    children = list(Region.objects.filter(parent=region).order_by("code")) or [region]
    enterprises = Enterprise.objects.visible_to(user)
    qualified = Application.objects.filter(
        campaign=campaign, kind=Kind.CLOSED_LOOP, state=State.APPROVED
    ).values("enterprise")
    rows = []
    for child in children:
        inside = enterprises.filter(child.subtree_q())
        counts = inside.aggregate(
            qualified=Count("pk", filter=Q(pk__in=qualified)),
            above=Count("pk", filter=Q(scale=Enterprise.Scale.ABOVE)),
            qualified_above=Count("pk", filter=Q(pk__in=qualified, scale=Enterprise.Scale.ABOVE)),
        )
        share = None
        if counts["above"]:
            share = (Decimal(100 * counts["qualified_above"]) / counts["above"]).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
        rows.append({"region": child, **counts, "share": share})
    total = {k: sum(r[k] for r in rows) for k in ("qualified", "above", "qualified_above")}
    total["share"] = (
        (Decimal(100 * total["qualified_above"]) / total["above"]).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
        if total["above"]
        else None
    )
    return rows, total


def counts(user: Actor, campaign: Campaign) -> list[dict[str, Any]]:
    """Applications in scope by kind: pending, approved (in force), and overdue reviews."""
    now = timezone.now()
    rows = (
        Application.objects.visible_to(user)
        .filter(campaign=campaign)
        .values("kind")
        .annotate(
            pending=Count("id", filter=Q(state__in=Application.PENDING)),
            overdue=Count("id", filter=Q(state__in=Application.PENDING, due_at__lt=now)),
            approved=Count("id", filter=Q(state=State.APPROVED)),
        )
    )
    labels = dict(Kind.choices)
    return [{**r, "label": labels[r["kind"]]} for r in rows.order_by("kind")]


def verify_certificate(code: str, today: date | None = None) -> dict[str, Any] | None:
    """What a phone that scanned a certificate sees: the enterprise, kind, date, approving unit
    and whether it stands. None for a forged, altered or unknown code."""
    if not check_code(CODE_KIND, code):
        return None
    app = (
        Application.objects.select_related("enterprise", "approving_unit").filter(code=code).first()
    )
    if app is None:
        return None
    status = {State.APPROVED: "valid", State.SUSPENDED: "suspended"}.get(app.state, "revoked")
    return {
        "enterprise": app.enterprise.name,
        "uscc": app.enterprise.uscc,
        "kind": app.get_kind_display(),
        "cleared_from": app.cleared_from,
        "approving_unit": str(app.approving_unit or ""),
        "status": status,
        "status_label": {
            "valid": _("有效"),
            "suspended": _("已暂停，整改复查通过前失效"),
            "revoked": _("已取缔，失效"),
        }[status],
    }


def certificate_pdf(app: Application) -> bytes:
    """The certificate of an approved application: A4, Chinese, the enterprise, the date, the
    approving unit and a QR code of the verification URL."""

    if app.state != State.APPROVED or not app.code:
        raise ValidationError(_("只有已批准的申请才有证明"))
    buf = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{app.get_kind_display()} {app.enterprise.name}")
    c.setLineWidth(2)
    c.setStrokeColorRGB(0.75, 0.1, 0.1)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    title = _("复工复产备案证明") if app.kind == Kind.RESUMPTION else _("闭环生产资格证明")
    c.setFont(FONT, 26)
    c.drawCentredString(width / 2, height - 55 * mm, title)
    c.setFont(FONT, 13)
    c.drawCentredString(
        width / 2, height - 66 * mm, _("编号：%(n)s-%(p)06d") % {"n": app.campaign_id, "p": app.pk}
    )
    lines = [
        (_("企业名称"), app.enterprise.name),
        (_("统一社会信用代码"), app.enterprise.uscc),
        (_("所在地区"), app.enterprise.region.name),
    ]
    if app.kind == Kind.RESUMPTION:
        lines.append((_("准予复工日期"), f"{app.cleared_from:%Y年%-m月%-d日}"))
        if app.staff_expected is not None:
            lines.append((_("预计返岗人数"), str(app.staff_expected)))
    else:
        lines.append((_("闭环内员工数"), str(app.staff_inside)))
        lines.append((_("批准日期"), f"{app.cleared_from:%Y年%-m月%-d日}"))
    lines.append((_("审批单位"), str(app.approving_unit or "")))
    y = height - 90 * mm
    for label, value in lines:
        c.setFont(FONT, 14)
        c.drawString(35 * mm, y, f"{label}：")
        c.drawString(80 * mm, y, value)
        y -= 11 * mm
    c.setFont(FONT, 12)
    body = (
        _("经审核，该企业疫情防控措施落实到位，准予复工复产。请严格落实各项防控措施。")
        if app.kind == Kind.RESUMPTION
        else _("经审核，该企业满足边界可封、食宿可保、备货可用条件，准予闭环生产。")
    )
    for i, sentence in enumerate(s for s in body.split("。") if s):
        c.drawString(35 * mm, y - (4 + 8 * i) * mm, sentence + "。")
    url = absolute_url(reverse("approvals:verify", args=[app.code]))
    draw_qr(c, url, width - 75 * mm, 30 * mm, 45 * mm)
    c.setFont(FONT, 10)
    c.drawCentredString(width - 52.5 * mm, 26 * mm, _("扫码核验真伪"))
    c.setFont(FONT, 14)
    c.drawString(35 * mm, 55 * mm, str(app.approving_unit or ""))
    c.drawString(35 * mm, 45 * mm, f"{timezone.localtime(app.decided_at):%Y年%-m月%-d日}")
    c.showPage()
    c.save()
    return buf.getvalue()


def export_applications(user: Actor, qs: QuerySet[Application]) -> bytes:

    headers = [
        "编号",
        "类型",
        "企业名称",
        "统一社会信用代码",
        "所在区划",
        "状态",
        "提交时间",
        "审核时限",
        "准予复工日期",
        "审批单位",
        "预计返岗人数",
        "闭环内员工数",
        "床位数",
    ]
    rows = [
        [
            a.pk,
            a.get_kind_display(),
            a.enterprise.name,
            a.enterprise.uscc,
            a.enterprise.region.name,
            a.get_state_display(),
            timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M") if a.due_at else "",
            a.cleared_from.isoformat() if a.cleared_from else "",
            str(a.approving_unit or ""),
            a.staff_expected,
            a.staff_inside,
            a.beds,
        ]
        for a in qs.select_related("enterprise__region", "approving_unit")[:50000]
    ]
    audit(user, "export", target_type="approvals.application", detail={"rows": len(rows)})
    return write_xlsx("申请", headers, rows)
