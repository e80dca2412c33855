"""Work-order use-cases: intake."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.models import Campaign, User
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import (
    audit,
)
from fugong.core.uploads import attach, check_uploads
from fugong.registry.models import Enterprise, ListMembership

from .. import triage
from ..models import (
    OPEN_STATES,
    Channel,
    Event,
    NeedLine,
    Priority,
    State,
    WorkOrder,
)
from .base import MAX_TEXT


def clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("问题描述不能为空")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": _("问题描述最多 %(n)d 字，现为 %(m)d 字") % {"n": MAX_TEXT, "m": len(text)}}
        )
    return text


def clean_needs(needs: Iterable[dict] | None) -> list[NeedLine]:
    lines, errors = [], []
    for i, need in enumerate(needs or [], 1):
        kind = need.get("kind")
        if kind not in NeedLine.Kind.values:
            errors.append(_("第%(i)d项需求的种类不正确") % {"i": i})
            continue
        try:
            amount = parse_decimal(need.get("requested"))
        except BadInput:
            amount = None
        if amount is None or amount <= 0:
            errors.append(_("第%(i)d项需求数量应为正数") % {"i": i})
            continue
        if kind == NeedLine.Kind.OTHER and not (need.get("label") and need.get("unit")):
            errors.append(_("第%(i)d项“其他”需求须写明名称和单位") % {"i": i})
            continue
        lines.append(
            NeedLine(
                kind=kind,
                label=(need.get("label") or "")[:50],
                unit=need.get("unit") or NeedLine.UNITS.get(kind, ""),
                requested=amount,
            )
        )
    if errors:
        raise ValidationError({"needs": errors})
    return lines


def priority_for(enterprise: Enterprise, text: str) -> str:
    """Key, whitelist and closed-loop enterprises, and stopping production, come first."""
    stopping = any(w in text for w in ("停产", "停工", "断供", "无法生产", "停止生产"))
    listed = (
        ListMembership.objects.current()
        .filter(
            enterprise=enterprise, list__kind__in=["key", "city_whitelist", "province_whitelist"]
        )
        .exists()
    )
    if stopping and listed:
        return Priority.URGENT
    return Priority.HIGH if stopping or listed else Priority.NORMAL


@transaction.atomic
def create_order(
    user: User,
    campaign: Campaign,
    enterprise: Enterprise,
    text: str,
    channel: str,
    needs: Iterable[dict] = (),
    source: str = "",
    files: Iterable = (),
) -> WorkOrder:
    """A new order from any channel; `files` are uploads (photos, documents), checked by
    content and size, kept as attachments."""
    if not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists():
        raise PermissionError(_("该企业不在您的权限范围内"))
    text = clean_text(text)
    lines = clean_needs(needs)
    checked = check_uploads(list(files)) if files else []
    label, confidence = triage.propose(text)  # a proposal: officers confirm or correct it
    order = WorkOrder.objects.create(
        campaign=campaign,
        enterprise=enterprise,
        text=text,
        channel=channel,
        source=source,
        raised_by=person(user),
        priority=priority_for(enterprise, text),
        proposed_label=label,
        proposed_confidence=confidence,
    )
    for line in lines:
        line.order = order
    NeedLine.objects.bulk_create(lines)
    attach(user, order, checked)
    Event.objects.create(
        order=order,
        user=person(user),
        action="create",
        to_state=State.NEW,
        comment=_("来源：%(c)s") % {"c": order.get_channel_display()},
    )
    audit(user, "create", order, detail={"channel": channel})
    return order


REPORT_NEEDS = (
    ("masks_needed", "masks"),
    ("disinfectant_needed", "disinfectant"),
    ("thermometers_needed", "thermometers"),
    ("workers_short", "workers"),
    ("funding_needed", "loans"),
)


def intake_from_report(
    user: User,
    campaign: Campaign,
    enterprise: Enterprise,
    day: date,
    report_id: int,
    values: dict,
) -> WorkOrder | None:
    """A daily report's difficulties and needs become a work order, unless the same text is
    already open from an earlier report of the enterprise. Called by the reporting app."""
    needs = [
        {"kind": kind, "requested": values.get(field)}
        for field, kind in REPORT_NEEDS
        if values.get(field)
    ]
    text = (values.get("difficulties") or "").strip()
    if not text and not needs:
        return None
    if not text:
        text = _("日报需求：") + "、".join(
            f"{NeedLine.Kind(n['kind']).label}{n['requested']}{NeedLine.UNITS[n['kind']]}"
            for n in needs
        )
    if WorkOrder.objects.filter(
        enterprise=enterprise,
        campaign=campaign,
        channel=Channel.REPORT,
        state__in=OPEN_STATES,
        text=text[:MAX_TEXT],
    ).exists():
        return None
    return create_order(
        SYSTEM,
        campaign,
        enterprise,
        text[:MAX_TEXT],
        Channel.REPORT,
        needs,
        source=f"report:{report_id}:{day}",
    )
