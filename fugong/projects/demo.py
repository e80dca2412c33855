"""The demo city's key projects and supply chains: sixteen "三早" projects of 延吉市 (half new,
half continuing), most started or resumed, with problems raised (each a work order; the
dashboard's demo resolves most of the orders, which solves their problems); and the chains of
the first whitelisted enterprises, one supplier in 长春市 blocked with a coordination request
answered, one local supplier blocked and waiting."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fugong.core.models import User
from fugong.registry.models import Enterprise, ListMembership

from . import chains, services
from .models import Project, SupplyLink

PROBLEMS = [
    "施工人员返岗受阻，需协调包车接返",
    "钢材运输车辆无法进入，需办理通行证",
    "项目用地手续未完成，需加快审批",
    "施工用电未接入，需供电公司现场对接",
    "防疫物资不足，工地缺少口罩和消毒液",
]
PARTNERS = [("长春某化工有限公司", "长春市", "原料"), ("沈阳某机械有限公司", "沈阳市", "设备配件")]


@transaction.atomic
def build() -> tuple[int, int]:
    """Idempotent; returns (projects, links) written."""
    if Project.objects.exists():
        return 0, 0
    county = User.objects.get(username="yanji")
    investors = list(
        Enterprise.objects.filter(region__path__contains="/222401/").order_by("pk")[:16]
    )
    today = timezone.localdate()
    made = 0
    for i, investor in enumerate(investors):
        rng = random.Random(i)
        project = services.create_project(
            county,
            {
                "name": f"{investor.name[:12]}{'扩建' if i % 2 else '新建'}项目",
                "investor": investor.uscc,
                "region": investor.region.code,
                "investment": str(Decimal(rng.randrange(2000, 90000))),
                "planned_start": (today - timedelta(days=rng.randrange(0, 20))).isoformat(),
                "stage": "new" if i % 2 == 0 else "continuing",
                "project_list": "三早",
            },
        )
        if i % 5 != 4:
            services.set_status(county, project, "started" if i % 2 == 0 else "resumed")
        for text in rng.sample(PROBLEMS, 1 + i % 2):
            services.raise_problem(county, project, text)  # solved with its order (demo)
        made += 1
    links = _chains(User.objects.get(username="zhuanban"))
    return made, links


def _chains(officer: User) -> int:
    leaders = list(
        Enterprise.objects.filter(
            pk__in=ListMembership.objects.current()
            .filter(list__kind="province_whitelist")
            .values("enterprise_id")
        ).order_by("pk")[:4]
    ) or list(Enterprise.objects.order_by("pk")[:4])
    others = list(Enterprise.objects.exclude(pk__in=[e.pk for e in leaders]).order_by("pk")[:8])
    for i, leader in enumerate(leaders):
        name, city, goods = PARTNERS[i % len(PARTNERS)]
        chains.add_link(
            officer,
            leader,
            {"direction": "supplier", "goods": goods, "partner_name": name, "partner_city": city},
        )
        for other in others[2 * i : 2 * i + 2]:
            chains.add_link(
                officer,
                leader,
                {"direction": "customer", "goods": "产品", "partner_uscc": other.uscc},
            )
    far = SupplyLink.objects.filter(enterprise=leaders[0], partner__isnull=True).first()
    issue = chains.block_link(
        officer,
        far,
        far.version,
        "原料运输车在长春市卡口被劝返，库存仅够三天",
        city="长春市",
        centre="长春市新冠肺炎疫情防控指挥部",
        request="请协助为运输原料的车辆开通绿色通道",
    )
    asked = issue.requests.get()
    chains.record_answer(
        officer, asked, asked.version, "已纳入重点物资运输保障，凭通行证放行", "长春市专班"
    )
    near = SupplyLink.objects.filter(enterprise=leaders[1], partner__isnull=False).first()
    if near is not None:
        chains.block_link(officer, near, near.version, "下游企业停产，产品无法交付")
    return SupplyLink.objects.count()
