"""Demo consultation lines (代帮办) for the demo city, after 兰州高新区's five free lines
(legal, tax, human resources, psychological, intellectual property), and calls taken on them,
one of which needs action and becomes a work order. Idempotent.

Call after the registry demo."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fugong.core.models import Region, Unit, User
from fugong.registry.models import Enterprise

from . import services
from .models import Line

LINES = [
    ("企业法律服务热线", "legal", "0433-2810001", "222400-zb"),
    ("企业财税咨询热线", "tax", "0433-2810002", "222400-zb"),
    ("人力资源服务热线", "human_resources", "0433-2810003", "222400-rsj"),
    ("员工心理疏导热线", "psychological", "0433-2810004", "222400-wjw"),
    ("知识产权服务热线", "ip", "0433-2810005", "222400-scjgj"),
]
CALLS = [
    (
        "企业法律服务热线",
        "疫情导致合同无法按期履行，能否主张不可抗力？",
        "可以，建议保留政府通知等证据并及时通知对方。",
        "",
    ),
    ("企业财税咨询热线", "2020年亏损能结转几年？", "困难行业企业2020年度亏损最长结转8年。", ""),
    (
        "人力资源服务热线",
        "返岗员工不足，急需招聘30名普工。",
        "已登记用工需求，将组织线上招聘会。",
        "协调人社部门组织专场招聘，解决30名普工缺口",
    ),
    ("员工心理疏导热线", "闭环生产员工情绪焦虑，需要心理辅导。", "已安排心理咨询师线上辅导。", ""),
]


@transaction.atomic
def build() -> int:
    """The five lines and the calls; returns the lines created."""
    city = Region.objects.filter(code="222400").first()
    officer = User.objects.filter(username="zhuanban").first()
    if city is None or officer is None or Line.objects.exists():
        return 0
    for name, topic, phone, unit in LINES:
        Line.objects.create(
            name=name,
            topic=topic,
            phone=phone,
            hours="每日 8:00–20:00",
            region=city,
            unit=Unit.objects.filter(code=unit).first(),
        )
    enterprises = list(Enterprise.objects.filter(city.subtree_q()).order_by("pk")[:4])
    now = timezone.now()
    for i, (line, question, answer, action) in enumerate(CALLS[: len(enterprises)]):
        services.log_call(
            officer,
            {
                "line": Line.objects.get(name=line),
                "enterprise": enterprises[i],
                "caller": "企业负责人",
                "question": question,
                "answer": answer,
                "minutes": 5 + i,
                "needs_action": bool(action),
                "action": action,
                "taken_at": now - timedelta(hours=3 * (i + 1)),
            },
            now=now,
        )
    return len(LINES)
