"""Transport-pass use-cases: apply, approve or reject (the transport department), withdraw,
revoke, extend; verification by the signed code a QR carries; the printable PDF and the
phone-screen image. Each call is one transaction; decisions move through the workflow engine
(core.workflow)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from fugong.core.codes import check_code, new_code
from fugong.core.masking import mask_name
from fugong.core.models import Unit
from fugong.core.pdf import FONT, draw_qr, qr_svg
from fugong.core.permissions import person
from fugong.core.services import (
    Workflow,
    absolute_url,
    announce,
    announce_to_units,
    as_date,
    audit,
    campaign_for,
    record_step,
    units_above,
)
from fugong.core.validators import normalize_phone, normalize_plate
from fugong.registry.models import enterprise_id_of

from .lists import PassFilter, counts, export_passes, passes_for  # noqa: F401  (re-exported)
from .models import Pass

if TYPE_CHECKING:
    from datetime import date, datetime
    from typing import Any

    from fugong.core.models import Campaign
    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


State = Pass.State
CODE_KIND = "pass"
DEFAULT_MAX_DAYS = 14  # campaign.sla["pass_max_days"]: the longest validity window
STATUS_LABELS = {
    "valid": gettext_lazy("有效"),
    "expired": gettext_lazy("已过期"),
    "revoked": gettext_lazy("已吊销"),
    "not_yet_valid": gettext_lazy("未到生效日期"),
    "invalid": gettext_lazy("无效：未查到此通行证或二维码被篡改"),
}

FIELDS = (
    "plate",
    "vehicle_type",
    "driver_name",
    "driver_phone",
    "origin",
    "destination",
    "via",
    "cargo",
    "cargo_note",
    "valid_from",
    "valid_until",
)


def clean_pass(
    campaign: Campaign, data: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The fields of a pass, checked by their rules; raises with every broken one."""
    today = today or timezone.localdate()
    errors, fields = {}, {}
    for key, fn in (("plate", normalize_plate), ("driver_phone", normalize_phone)):
        try:
            fields[key] = fn(str(data.get(key) or ""))
        except ValidationError as exc:
            errors[key] = exc.messages
    for key, choices in (("vehicle_type", Pass.VehicleType), ("cargo", Pass.Cargo)):
        if data.get(key) not in choices.values:
            errors[key] = [_("请选择：%(c)s") % {"c": "、".join(str(c.label) for c in choices)}]
        else:
            fields[key] = data[key]
    for key, label, size in (
        ("driver_name", _("驾驶员姓名"), 30),
        ("origin", _("起点"), 100),
        ("destination", _("终点"), 100),
    ):
        value = str(data.get(key) or "").strip()
        if not value:
            errors[key] = [_("请填写%(f)s") % {"f": label}]
        fields[key] = value[:size]
    fields["via"] = str(data.get("via") or "").strip()[:200]
    fields["cargo_note"] = str(data.get("cargo_note") or "").strip()[:200]
    start, end = as_date(data.get("valid_from")), as_date(data.get("valid_until"))
    longest = int((campaign.sla or {}).get("pass_max_days", DEFAULT_MAX_DAYS))
    if start is None:
        errors["valid_from"] = [_("请填写有效期起（YYYY-MM-DD）")]
    elif start < today:
        errors["valid_from"] = [_("有效期起不能早于今天")]
    if end is None:
        errors["valid_until"] = [_("请填写有效期止（YYYY-MM-DD）")]
    elif start is not None and end < start:
        errors["valid_until"] = [
            _("有效期止（%(e)s）早于有效期起（%(s)s）") % {"e": end, "s": start}
        ]
    elif start is not None and (end - start).days + 1 > longest:
        errors["valid_until"] = [_("有效期最长 %(n)d 天") % {"n": longest}]
    if campaign.ends_on and end and end > campaign.ends_on:
        errors.setdefault("valid_until", []).append(
            _("有效期不能超过应急事件结束日期 %(d)s") % {"d": campaign.ends_on}
        )
    fields["valid_from"], fields["valid_until"] = start, end
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def apply(
    user: Actor, enterprise: Enterprise, data: dict[str, Any], now: datetime | None = None
) -> Pass:
    if not (user.is_superuser or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以申请通行证"))
    now = now or timezone.now()
    campaign = campaign_for(enterprise, timezone.localdate(now))
    if campaign is None:
        raise ValidationError(_("当前没有覆盖本企业的应急事件"))
    fields = clean_pass(campaign, data, timezone.localdate(now))
    clash = Pass.objects.filter(
        plate=fields["plate"],
        state__in=(State.SUBMITTED, State.APPROVED),
        valid_from__lte=fields["valid_until"],
        valid_until__gte=fields["valid_from"],
    ).first()
    if clash is not None and clash.enterprise_id == enterprise.pk:
        raise ValidationError(
            {
                "plate": _("车辆 %(p)s 在 %(a)s 至 %(b)s 已有通行证或申请")
                % {"p": clash.plate, "a": clash.valid_from, "b": clash.valid_until}
            }
        )
    if clash is not None:  # another enterprise's pass: neither its dates nor its holder
        raise ValidationError(
            {"plate": _("车辆 %(p)s 在所选期间已有通行证或申请") % {"p": clash.plate}}
        )
    p = Pass.objects.create(
        campaign=campaign, enterprise=enterprise, applied_by=person(user), **fields
    )
    record_step(p, "submit", user, to_state=p.state)
    audit(user, "create", p)
    announce_to_units(
        _transport_units(p),
        kind="pass",
        title=_("待审批通行证：%(e)s %(p)s") % {"e": enterprise.name, "p": p.plate},
        url=f"/passes/{p.pk}/",
    )
    return p


def _transport_units(p: Pass) -> list[Unit]:
    return units_above(
        p.enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=Unit.Sector.TRANSPORT
    )[:1]


ACTIONS = {
    "approve": gettext_lazy("签发"),
    "reject": gettext_lazy("驳回"),
    "withdraw": gettext_lazy("撤回"),
    "revoke": gettext_lazy("吊销"),
    "extend": gettext_lazy("延期"),
}


def _tell_enterprise(p: Pass, action: str, comment: str) -> None:
    """The workflow's notification hook: the enterprise hears of every decision on its pass
    (not of its own withdrawal)."""
    if action != "withdraw":
        announce(
            p.enterprise.active_users(),
            kind="pass",
            title=_("通行证 %(p)s：%(a)s") % {"p": p.plate, "a": ACTIONS[action]},
            body=comment,
            url=f"/passes/{p.pk}/",
        )


# which action moves a pass from which states to which; every move tells the enterprise
FLOW = Workflow(
    {
        "approve": ((State.SUBMITTED,), State.APPROVED),
        "reject": ((State.SUBMITTED,), State.REJECTED),
        "withdraw": ((State.SUBMITTED,), State.WITHDRAWN),
        "revoke": ((State.APPROVED,), State.REVOKED),
        "extend": ((State.APPROVED,), State.APPROVED),
    },
    notify=_tell_enterprise,
)


def next_actor(p: Pass) -> str:
    """Who acts next on pass `p` ("" when nobody must): the transport department issues it."""
    return "、".join(FLOW.who_acts(p.state, {"approve": _("交通运输部门审批签发")}))


def may_decide(user: Actor, p: Pass) -> bool:
    """The transport department whose scope holds the enterprise (and administrators)."""
    if not Pass.objects.visible_to(user).filter(pk=p.pk).exists():
        return False
    return user.issues_passes


def allowed_actions(user: Actor, p: Pass) -> list[str]:
    own = enterprise_id_of(user) == p.enterprise_id
    decides = may_decide(user, p)
    rights = {
        "approve": decides and p.state == State.SUBMITTED,
        "reject": decides and p.state == State.SUBMITTED,
        "withdraw": own and p.state == State.SUBMITTED,
        "revoke": (decides or own) and p.state == State.APPROVED,
        "extend": decides and p.state == State.APPROVED,
    }
    return [a for a, ok in rights.items() if ok]


@transaction.atomic
def decide(
    user: Actor,
    p: Pass,
    action: str,
    version: int,
    comment: str = "",
    valid_until: date | None = None,
    now: datetime | None = None,
) -> Pass:
    now = now or timezone.now()
    if action not in ACTIONS:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, p):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": p.get_state_display(), "a": ACTIONS[action]}
        )
    comment = (comment or "").strip()
    if action in ("reject", "revoke") and not comment:
        raise ValidationError({"comment": _("“%(a)s”必须说明理由") % {"a": ACTIONS[action]}})
    if action == "approve":
        p = FLOW.move(
            p,
            version,
            action,
            user=user,
            comment=comment,
            issuing_unit=user.unit,
            decided_at=now,
            code=new_code(CODE_KIND),
        )
    elif action == "extend":
        until = as_date(valid_until)
        longest = int((p.campaign.sla or {}).get("pass_max_days", DEFAULT_MAX_DAYS))
        if until is None or until <= p.valid_until:
            raise ValidationError(
                {"valid_until": _("延期后的有效期止须晚于 %(d)s") % {"d": p.valid_until}}
            )
        if (until - max(p.valid_from, timezone.localdate(now))).days + 1 > longest:
            raise ValidationError({"valid_until": _("有效期最长 %(n)d 天") % {"n": longest}})
        p = FLOW.move(
            p,
            version,
            action,
            user=user,
            comment=_("有效期延至 %(d)s。%(c)s") % {"d": until, "c": comment},
            valid_until=until,
        )
    else:
        p = FLOW.move(
            p,
            version,
            action,
            user=user,
            comment=comment,
            decided_at=now if action != "withdraw" else p.decided_at,
        )
    return p


def verify(code: str, today: date | None = None) -> dict[str, Any] | None:
    """What a checkpoint sees for a scanned code: plate, vehicle, validity, route, cargo,
    issuing unit, status, the driver's name masked. None for a forged, altered or unknown
    code."""
    if not check_code(CODE_KIND, code):
        return None
    p = Pass.objects.select_related("issuing_unit", "enterprise").filter(code=code).first()
    if p is None:
        return None
    status = p.status(today)
    return {
        "status": status,
        "status_label": str(STATUS_LABELS[status]),
        "plate": p.plate,
        "vehicle_type": p.get_vehicle_type_display(),
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
        "route": " → ".join(x for x in (p.origin, p.via, p.destination) if x),
        "cargo": p.get_cargo_display(),
        "enterprise": p.enterprise.name,
        "issuing_unit": str(p.issuing_unit or ""),
        "driver": mask_name(p.driver_name),
    }


def verification_url(p: Pass) -> str:

    return absolute_url(reverse("passes:verify", args=[p.code]))


def _require_issued(p: Pass) -> None:
    if p.state not in (State.APPROVED, State.REVOKED) or not p.code:
        raise ValidationError(_("通行证尚未签发"))


def pass_pdf(p: Pass) -> bytes:
    """The printable pass (A5 portrait): plate, vehicle, driver (masked), route, cargo,
    validity, issuing unit and a QR code of the verification URL."""

    _require_issued(p)
    buf = io.BytesIO()
    width, height = A5
    c = canvas.Canvas(buf, pagesize=A5)
    c.setTitle(f"{_('车辆通行证')} {p.plate}")
    c.setStrokeColorRGB(0.1, 0.35, 0.65)
    c.setLineWidth(2)
    c.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    c.setFont(FONT, 22)
    c.drawCentredString(width / 2, height - 25 * mm, _("车辆通行证"))
    c.setFont(FONT, 11)
    c.drawCentredString(width / 2, height - 32 * mm, p.campaign.name)
    c.setFont(FONT, 30)
    c.drawCentredString(width / 2, height - 48 * mm, p.plate)
    rows = [
        (_("车辆类型"), p.get_vehicle_type_display()),
        (_("企业"), p.enterprise.name),
        (_("驾驶员"), mask_name(p.driver_name)),
        (_("路线"), " → ".join(x for x in (p.origin, p.via, p.destination) if x)),
        (_("货物"), f"{p.get_cargo_display()} {p.cargo_note}".strip()),
        (_("有效期"), f"{p.valid_from:%Y年%-m月%-d日} — {p.valid_until:%Y年%-m月%-d日}"),
        (_("签发单位"), str(p.issuing_unit or "")),
    ]
    y = height - 62 * mm
    for label, value in rows:
        c.setFont(FONT, 11)
        c.drawString(16 * mm, y, f"{label}：")
        c.drawString(38 * mm, y, value[:32])
        y -= 8 * mm
    size = 55 * mm
    draw_qr(c, verification_url(p), (width - size) / 2, 20 * mm, size)
    c.setFont(FONT, 9)
    c.drawCentredString(width / 2, 15 * mm, _("扫码核验，以核验页面显示的状态为准"))
    c.showPage()
    c.save()
    return buf.getvalue()


def pass_svg(p: Pass) -> str:
    """The pass as a phone-screen image (SVG, 360×640): plate, validity, route, QR."""

    _require_issued(p)
    sized = qr_svg(verification_url(p), width=260)
    lines = [
        (36, 20, "#fff", escape(_("车辆通行证"))),
        (110, 34, "#111", escape(p.plate)),
        (170, 15, "#111", escape(f"{p.valid_from:%Y-%m-%d} — {p.valid_until:%Y-%m-%d}")),
        (195, 14, "#111", escape(" → ".join(x for x in (p.origin, p.destination) if x)[:24])),
        (218, 13, "#111", escape(str(p.issuing_unit or ""))),
    ]
    texts = "".join(
        f'<text x="180" y="{y}" font-size="{size}" text-anchor="middle" fill="{fill}">{text}</text>'
        for y, size, fill, text in lines
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="640" viewBox="0 0 360 640" '
        'font-family="sans-serif">'
        '<rect width="360" height="640" fill="#fff"/>'
        '<rect x="0" y="0" width="360" height="56" fill="#1d5fa8"/>'
        f"{texts}"
        f'<g transform="translate(50,250)">{sized}</g>'
        "</svg>"
    )
