"""Work-order use-cases: exported group chats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.models import User
from fugong.core.permissions import person
from fugong.core.services import (
    audit,
    campaign_for,
)
from fugong.registry.models import Enterprise

from .. import chat, triage
from ..models import (
    OPEN_STATES,
    Channel,
    ChatSender,
    WorkOrder,
)
from .base import MAX_TEXT
from .intake import create_order

if TYPE_CHECKING:
    from collections.abc import Iterator


@dataclass
class ChatProposal:
    line: int
    sender: str
    text: str
    enterprise: object = None
    campaign: object = None
    reason: str = ""


def preview_chat(user: User, text: str) -> list[ChatProposal]:
    """What an exported chat would create: a proposal per message worth an order, with its
    enterprise and campaign, or the reason it cannot be attributed."""

    visible = Enterprise.objects.visible_to(user)
    senders = {
        s.name: s.enterprise
        for s in ChatSender.objects.select_related("enterprise__region").filter(
            enterprise__in=visible
        )
    }
    names = [(e.name, e) for e in visible.select_related("region")]
    out = []
    for message in chat.parse(text):
        if not chat.worth_an_order(message):
            continue
        proposal = ChatProposal(message.line, message.sender, message.text[:MAX_TEXT])
        proposal.enterprise = chat.attribute(message, senders, names)
        if proposal.enterprise is None:
            proposal.reason = _("无法对应到企业：请为“%(s)s”设置对应企业") % {"s": message.sender}
        else:
            day = message.at.date() if message.at else timezone.localdate()
            proposal.campaign = campaign_for(proposal.enterprise, day)
            if proposal.campaign is None:
                proposal.reason = _("%(d)s 没有覆盖该企业的应急事件") % {"d": day}
        out.append(proposal)
    return out


@transaction.atomic
def import_chat(
    user: User, proposals: list[ChatProposal], lines: set[int] | None = None
) -> list[WorkOrder]:
    """Create the proposed orders (those on `lines`, or all good ones), skipping a text the
    enterprise already has open. Returns the orders created."""
    created = []
    for p in proposals:
        if p.reason or (lines is not None and p.line not in lines):
            continue
        if WorkOrder.objects.filter(
            enterprise=p.enterprise, state__in=OPEN_STATES, text=p.text
        ).exists():
            continue
        created.append(
            create_order(
                user,
                p.campaign,
                p.enterprise,
                p.text,
                Channel.CHAT,
                source=f"chat:{p.line}:{p.sender}"[:60],
            )
        )
    return created


@transaction.atomic
def map_sender(user: User, name: str, enterprise: Enterprise) -> ChatSender:

    if not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists():
        raise PermissionError(_("该企业不在您的权限范围内"))
    mapping, _created = ChatSender.objects.update_or_create(
        name=name.strip()[:100], defaults={"enterprise": enterprise, "created_by": person(user)}
    )
    audit(user, "update", mapping)
    return mapping


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def export_orders(user: User, qs: QuerySet[WorkOrder]) -> bytes:
    """A queue as .xlsx, as shown."""

    def rows() -> Iterator[list[object]]:
        orders = qs.select_related("enterprise", "unit", "category", "group").prefetch_related(
            "needs"
        )
        for o in orders.iterator(chunk_size=2000):
            yield [
                o.pk,
                o.enterprise.uscc,
                o.enterprise.name,
                o.text,
                o.get_channel_display(),
                o.category.name if o.category_id else o.proposed_label,
                o.get_priority_display(),
                o.get_state_display(),
                str(o.unit or ""),
                timezone.localtime(o.deadline).strftime("%Y-%m-%d %H:%M") if o.deadline else "",
                o.escalations,
                str(o.group or ""),
                "；".join(
                    f"{n.get_kind_display()}{_qty(n.requested)}/{_qty(n.delivered)}{n.unit}"
                    for n in o.needs.all()
                ),
                timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                o.rating or "",
            ]

    data = write_xlsx(
        _("问题工单"),
        [
            "编号",
            "统一社会信用代码",
            "企业名称",
            "问题描述",
            "来源",
            "类别",
            "优先级",
            "状态",
            "承办单位",
            "办理时限",
            "督办次数",
            "共性问题",
            "需求(需求/已解决)",
            "提交时间",
            "评价",
        ],
        rows(),
        widths=[8, 22, 28, 40, 10, 10, 8, 8, 20, 16, 8, 20, 24, 16, 6],
    )
    audit(user, "export", target_type="workorders.workorder", detail={"format": "xlsx"})
    return data


def retrain_triage() -> object:
    """Retrain the triage model with every order whose category an officer set."""
    confirmed = WorkOrder.objects.filter(category__isnull=False).values_list(
        "text", "category__code"
    )
    return triage.retrain_with_confirmed(confirmed.iterator())
