"""Proxy purchasing use-cases (点单+代购) on the workflow engine: order, assign a buyer,
accept, buy (cost), hand over at the boundary, receive, settle. Each call is one transaction."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.excel import write_xlsx
from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.models import Role, Unit, User
from fugong.core.permissions import person
from fugong.core.services import (
    Workflow,
    announce,
    announce_to_units,
    audit,
    record_step,
    units_above,
)
from fugong.registry import closed_loop
from fugong.registry.models import Enterprise, enterprise_id_of, scope_q

from .models import SupplyItem, SupplyOrder

State = SupplyOrder.State
MAX_ITEMS = 30
LONGEST_LEAD = timedelta(days=14)

ACTIONS = {
    "assign": gettext_lazy("分派代购人"),
    "accept": gettext_lazy("接单"),
    "decline": gettext_lazy("退回"),
    "buy": gettext_lazy("登记采购"),
    "hand_over": gettext_lazy("登记无接触交接"),
    "receive": gettext_lazy("确认收货"),
    "settle": gettext_lazy("结算"),
    "cancel": gettext_lazy("取消订单"),
}
# who moves an order by each action
ACTORS = {
    "assign": "organiser",
    "accept": "buyer",
    "decline": "buyer",
    "buy": "buyer",
    "hand_over": "buyer",
    "receive": "enterprise",
    "settle": "enterprise",
    "cancel": "enterprise",
}


def _tell(order: SupplyOrder, action: str, comment: str) -> None:
    title = _("代购订单 #%(n)d：%(s)s") % {"n": order.pk, "s": order.get_state_display()}
    url = f"/supplies/{order.pk}/"
    if action in ("assign",):
        announce([order.buyer], kind="supplies", title=title, body=comment, url=url)
    if action in ("accept", "buy", "hand_over", "assign"):
        announce(
            order.enterprise.active_users(), kind="supplies", title=title, body=comment, url=url
        )
    if action in ("receive", "settle") and order.buyer is not None:
        announce([order.buyer], kind="supplies", title=title, body=comment, url=url)
    if action == "decline":
        announce_to_units(organisers(order.enterprise), kind="supplies", title=title, url=url)


ORDERS = Workflow(
    {
        "assign": ((State.SUBMITTED, State.ASSIGNED), State.ASSIGNED),
        "accept": ((State.ASSIGNED,), State.ACCEPTED),
        "decline": ((State.ASSIGNED,), State.SUBMITTED),
        "buy": ((State.ACCEPTED,), State.BOUGHT),
        "hand_over": ((State.BOUGHT,), State.HANDED_OVER),
        "receive": ((State.HANDED_OVER,), State.RECEIVED),
        "settle": ((State.RECEIVED,), State.SETTLED),
        "cancel": ((State.SUBMITTED, State.ASSIGNED), State.CANCELLED),
    },
    notify=_tell,
)


def organisers(enterprise: Enterprise) -> list[Unit]:
    """The township or park governments above the enterprise (they organise the buyers)."""
    return list(units_above(enterprise.region, kind__in=(Unit.Kind.TOWNSHIP, Unit.Kind.PARK)))


def buyers_for(order: SupplyOrder) -> QuerySet:
    """Who may buy for the order: commissioners (volunteers get a commissioner's account) and
    the officers of the organising township or park."""
    return User.objects.filter(is_active=True).filter(
        Q(role=Role.COMMISSIONER) | Q(role=Role.TOWNSHIP, unit__in=organisers(order.enterprise))
    )


def roles_of(user: User, order: SupplyOrder) -> set[str]:
    roles = set()
    if enterprise_id_of(user) == order.enterprise_id or user.is_admin:
        roles.add("enterprise")
    if order.buyer_id and order.buyer_id == user.pk:
        roles.add("buyer")
    if (
        user.coordinates
        and Enterprise.objects.filter(scope_q(user), pk=order.enterprise_id).exists()
    ):
        roles.add("organiser")
    return roles


def allowed_actions(user: User, order: SupplyOrder) -> list[str]:
    roles = roles_of(user, order)
    return [a for a in ORDERS.possible(order.state) if ACTORS[a] in roles]


def _amount(value: Any, key: str, label: str, required: bool = True) -> Decimal | None:
    try:
        amount = parse_decimal(value, low=0, high=10**7)
    except BadInput as exc:
        raise ValidationError({key: f"{label}{exc}"}) from exc
    if amount is None and required:
        raise ValidationError({key: _("请填写%(l)s") % {"l": label}})
    return amount.quantize(Decimal("0.01")) if amount is not None else None


def clean_items(items: Iterable[Mapping]) -> list[SupplyItem]:
    """The order's lines: a name and a quantity each (empty lines skipped)."""
    lines = []
    for number, item in enumerate(items, 1):
        name = str(item.get("name") or "").strip()[:100]
        quantity = item.get("quantity")
        if not name and quantity in (None, ""):
            continue
        if not name:
            raise ValidationError({"items": _("第 %(n)d 行缺少物品名称") % {"n": number}})
        try:
            amount = parse_decimal(quantity, low=Decimal("0.01"), high=100000)
        except BadInput as exc:
            raise ValidationError(
                {"items": _("第 %(n)d 行数量%(e)s") % {"n": number, "e": exc}}
            ) from exc
        if amount is None:
            raise ValidationError({"items": _("第 %(n)d 行缺少数量") % {"n": number}})
        unit = str(item.get("unit") or "").strip()[:10]
        lines.append(SupplyItem(name=name, quantity=amount.quantize(Decimal("0.01")), unit=unit))
    if not lines:
        raise ValidationError({"items": _("请至少填写一项物品")})
    if len(lines) > MAX_ITEMS:
        raise ValidationError({"items": _("一张订单最多 %(n)d 项物品") % {"n": MAX_ITEMS}})
    return lines


@transaction.atomic
def place_order(
    user: User,
    enterprise: Enterprise,
    data: Mapping,
    items: Iterable[Mapping],
    now: datetime | None = None,
) -> SupplyOrder:
    """A closed-loop enterprise orders daily necessities for its staff."""
    now = now or timezone.now()
    if not (user.is_admin or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以下单"))
    closed = closed_loop.is_closed_loop(enterprise.pk, timezone.localdate(now))
    if closed is None:
        raise ValidationError(_("闭环生产资格数据未接入，暂不能代购"))
    if not closed:
        raise ValidationError(_("只有闭环生产的企业可以申请代购"))
    deliver_by = data.get("deliver_by")
    if not isinstance(deliver_by, datetime):
        raise ValidationError({"deliver_by": _("请填写送达时限")})
    if timezone.is_naive(deliver_by):
        deliver_by = timezone.make_aware(deliver_by)
    if deliver_by <= now or deliver_by > now + LONGEST_LEAD:
        raise ValidationError({"deliver_by": _("送达时限应在现在到 14 天之内")})
    point = str(data.get("handover_point") or "").strip()[:200]
    if not point:
        raise ValidationError({"handover_point": _("请填写闭环边界处的交接地点")})
    lines = clean_items(items)
    order = SupplyOrder.objects.create(
        enterprise=enterprise,
        deliver_by=deliver_by,
        handover_point=point,
        note=str(data.get("note") or "").strip()[:2000],
        created_by=person(user),
    )
    for line in lines:
        line.order = order
    SupplyItem.objects.bulk_create(lines)
    record_step(order, "submit", user, to_state=order.state)
    audit(user, "create", order, detail={"items": len(lines)})
    announce_to_units(
        organisers(enterprise),
        kind="supplies",
        title=_("代购需求：%(e)s %(n)d 项物品") % {"e": enterprise.name, "n": len(lines)},
        url=f"/supplies/{order.pk}/",
    )
    return order


@transaction.atomic
def act(
    user: User,
    order: SupplyOrder,
    action: str,
    version: int,
    data: Mapping,
    now: datetime | None = None,
) -> SupplyOrder:
    """Move the order by `action`: assign (`buyer`: a user id), buy (`cost`, 元), hand_over
    (`handover_note`), settle (`paid`, default the cost); the others take a comment."""
    now = now or timezone.now()
    if action not in ORDERS:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, order):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": order.get_state_display(), "a": ACTIONS[action]}
        )
    comment = str(data.get("comment") or "").strip()[:500]
    changes: dict[str, Any] = {}
    if action == "assign":
        buyer = buyers_for(order).filter(pk=_int(data.get("buyer"))).first()
        if buyer is None:
            raise ValidationError({"buyer": _("请选择代购人（特派员或街镇/园区工作人员）")})
        changes["buyer"] = buyer
        comment = comment or _("代购人：%(b)s") % {"b": buyer}
    elif action == "decline":
        changes["buyer"] = None
    elif action == "buy":
        changes["cost"] = _amount(data.get("cost"), "cost", _("采购金额"))
        comment = comment or _("采购金额 %(c)s 元") % {"c": changes["cost"]}
    elif action == "hand_over":
        note = str(data.get("handover_note") or "").strip()[:200]
        if not note:
            raise ValidationError(
                {"handover_note": _("请说明交接情况（如：放置于东门隔离栏外，已电话告知）")}
            )
        changes.update(handover_note=note, handed_over_at=now)
        comment = comment or note
    elif action == "receive":
        changes["received_at"] = now
    elif action == "settle":
        paid = _amount(data.get("paid"), "paid", _("结算金额"), required=False)
        changes.update(paid=order.cost if paid is None else paid, settled_at=now)
        comment = comment or _("结算 %(p)s 元") % {"p": changes["paid"]}
    return ORDERS.move(order, version, action, user=user, comment=comment, **changes)


def _int(value: Any) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else 0


# --- lists --------------------------------------------------------------------------------


def orders_for(user: User, params: Mapping) -> QuerySet:
    qs = SupplyOrder.objects.visible_to(user).select_related("enterprise__region", "buyer")
    view = params.get("view")
    if view == "open":
        qs = qs.filter(state__in=SupplyOrder.OPEN)
    elif params.get("state") in State.values:
        qs = qs.filter(state=params["state"])
    if str(params.get("township") or "").isdigit():
        qs = qs.filter(enterprise__region_id=int(params["township"]))
    return qs.prefetch_related("items").order_by("deliver_by", "id")


def open_by_township(user: User, now: datetime | None = None) -> list[dict]:
    """The open orders in scope per township (the enterprise's region): how many, how many
    past their deliver-by time, how many still without a buyer."""
    now = now or timezone.now()
    rows = (
        SupplyOrder.objects.visible_to(user)
        .filter(state__in=SupplyOrder.OPEN)
        .values("enterprise__region_id", "enterprise__region__name")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(deliver_by__lt=now)),
            unassigned=Count("pk", filter=Q(state=State.SUBMITTED)),
        )
        .order_by("enterprise__region__name")
    )
    return [
        {
            "township_id": r["enterprise__region_id"],
            "township": r["enterprise__region__name"],
            "open": r["open"],
            "overdue": r["overdue"],
            "unassigned": r["unassigned"],
        }
        for r in rows
    ]


def export_orders(user: User, qs: QuerySet) -> bytes:
    headers = ["编号", "企业名称", "所在区划", "物品", "送达时限", "交接地点", "代购人"]
    headers += ["状态", "采购金额（元）", "结算金额（元）", "交接情况"]
    rows = [
        [
            order.pk,
            order.enterprise.name,
            order.enterprise.region.name,
            "；".join(f"{i.name} {i.quantity.normalize():f}{i.unit}" for i in order.items.all()),
            timezone.localtime(order.deliver_by).strftime("%Y-%m-%d %H:%M"),
            order.handover_point,
            str(order.buyer or ""),
            order.get_state_display(),
            order.cost,
            order.paid,
            order.handover_note,
        ]
        for order in qs[:50000]
    ]
    audit(user, "export", target_type="supplies.supplyorder", detail={"rows": len(rows)})
    return write_xlsx("代购订单", headers, rows)
