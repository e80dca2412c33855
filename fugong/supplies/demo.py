"""Demo proxy purchases (点单+代购) for the closed-loop sites of the demo city, after 泸州's
practice: each site in closed loop orders daily necessities; 进学街道 assigns the commissioner
as buyer; the orders stand at every step, from waiting for a buyer to settled. Idempotent.

Call after the approvals demo (it approves the closed-loop sites)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fugong.core.models import User
from fugong.registry.closed_loop import is_closed_loop
from fugong.registry.models import Enterprise

from . import services
from .models import SupplyOrder

BASKETS = [
    [("大米", 100, "公斤"), ("食用油", 20, "桶"), ("鸡蛋", 30, "斤")],
    [("方便面", 40, "箱"), ("矿泉水", 60, "箱"), ("卫生纸", 20, "提")],
    [("白菜", 80, "斤"), ("土豆", 100, "斤"), ("猪肉", 40, "斤"), ("洗衣粉", 10, "袋")],
    [("口罩", 2000, "只"), ("消毒液", 50, "瓶"), ("体温计", 20, "个")],
]
# how far each order goes: the steps after it is placed, with their data
STEPS = [
    [],
    [("assign", {}), ("accept", {})],
    [("assign", {}), ("accept", {}), ("buy", {"cost": "1268.00"}), ("hand_over", {})],
    [
        ("assign", {}),
        ("accept", {}),
        ("buy", {"cost": "3520.50"}),
        ("hand_over", {}),
        ("receive", {}),
        ("settle", {}),
    ],
]


@transaction.atomic
def build() -> int:
    """Orders of the closed-loop sites at every step; returns how many were placed."""
    admin = User.objects.filter(username="admin").first()
    buyer = User.objects.filter(username="tepaiyuan").first()
    organiser = User.objects.filter(username="jinxue").first()
    if None in (admin, buyer, organiser) or SupplyOrder.objects.exists():
        return 0
    today = timezone.localdate()
    site_ids = [
        pk
        for pk in Enterprise.objects.filter(region__code="222401001").values_list("pk", flat=True)
        if is_closed_loop(pk, today)
    ]
    made = 0
    for i, steps in enumerate(STEPS):
        if not site_ids:
            break
        enterprise = Enterprise.objects.get(pk=site_ids[i % len(site_ids)])
        order = services.place_order(
            admin,
            enterprise,
            {
                "deliver_by": timezone.now() + timedelta(hours=4 + 6 * i),
                "handover_point": "厂区东门隔离栏外",
            },
            [{"name": n, "quantity": q, "unit": u} for n, q, u in BASKETS[i]],
        )
        made += 1
        for action, data in steps:
            actor = {"assign": organiser, "receive": admin, "settle": admin}.get(action, buyer)
            extra = {"buyer": buyer.pk} if action == "assign" else {}
            if action == "hand_over":
                extra["handover_note"] = "已放置于东门隔离栏外，已电话告知企业"
            order = services.act(actor, order, action, order.version, {**data, **extra})
    return made
