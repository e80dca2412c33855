"""Demo relief policies for the demo city (延边州), worded after the seeds: the 20 measures
for small and micro firms and the tax reliefs (金昌), the special fund for technical upgrades
of medical-supply makers to which 21 enterprises applied for 20.78 million yuan, and a loan
interest discount for key enterprises (延边). Published (so the fitting enterprises are told),
with the special fund's applications reviewed and partly paid. Idempotent.

Call after the registry demo: `from fugong.policies.demo import build; build()`."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from fugong.core.models import Region, Unit, User
from fugong.core.permissions import SYSTEM
from fugong.registry.models import Enterprise, EnterpriseList

from . import applications, services
from .models import Policy

SMALL_FIRMS = "应对新冠肺炎疫情支持中小微企业共渡难关的20条措施"
SPECIAL_FUND = "国家重点医疗物资生产企业技术改造扩能专项"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _policies(lists):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=30), today + datetime.timedelta(days=300)
    return [
        (
            SMALL_FIRMS,
            "延边州人民政府",
            "subsidy",
            "为支持企业复工复产，出台应对新冠肺炎疫情支持中小微企业共渡难关的20条措施"
            "（演示：名称取自金昌市同名措施），涵盖减免房租、稳岗返还、社保缓缴、"
            "贷款展期和贴息、防疫物资补贴等。",
            [("scale", {"scale": "below"}), ("staff", {"min": None, "max": 300})],
        ),
        (
            "困难行业企业2020年度发生的亏损最长结转年限延长至8年",
            "国家税务总局延边州税务局",
            "tax_relief",
            "对受疫情影响较大的困难行业企业2020年度发生的亏损，最长结转年限由5年延长至8年。"
            "困难行业企业包括交通运输、餐饮、住宿、旅游（指旅行社及相关服务、游览景区管理两类）四大类。",
            [("industry", {"sections": ["G", "H"], "divisions": []})],
        ),
        (
            "受疫情影响遭受重大损失企业房产税、城镇土地使用税困难减免",
            "国家税务总局延边州税务局",
            "tax_relief",
            "对因疫情原因导致企业遭受重大损失、生产经营受到重大影响的企业，"
            "实施房产税、城镇土地使用税困难减免。",
            [("losses", {"since": None, "until": None})],
        ),
        (
            SPECIAL_FUND,
            "延边州工业和信息化局",
            "subsidy",
            "推荐有转产扩能需求的企业申报国家重点医疗物资生产企业技术改造扩能专项，"
            "支持生产防疫应急物资（防护服、口罩、消毒产品、药品）的设备购置和扩能。",
            [("industry", {"sections": [], "divisions": ["17", "18", "26", "27", "35"]})],
        ),
        (
            "规上工业企业稳产增产奖励",
            "延边州工业和信息化局",
            "subsidy",
            "对上年工业总产值 2000 万元以上、疫情期间稳定生产的规上工业企业给予奖励。",
            [("scale", {"scale": "above"}), ("output", {"min": 2000, "max": None})],
        ),
        (
            "重点企业复工复产贷款贴息",
            "延边州金融工作办公室",
            "loan_discount",
            "对列入州强化防疫重点企业清单的企业，复工复产新增贷款给予50%贴息。",
            [("lists", {"ids": [lists["key"]], "as_of": None}), ("resumed", {"by": None})],
        ),
    ], (start, end)


@transaction.atomic
def build() -> int:
    """The demo policies and the special fund's 21 applications; returns policies created."""
    if Policy.objects.filter(title=SMALL_FIRMS).exists():
        return 0
    city = Region.objects.filter(code="222400").first()
    if city is None:
        return 0
    lists = {lst.kind: lst.pk for lst in EnterpriseList.objects.all()}
    unit = Unit.objects.filter(code="222400-gxj").first()
    items, (start, end) = _policies(lists)
    made = []
    for title, issuer, support, text, rules in items:
        policy = Policy(
            title=title,
            issuer=issuer,
            region=city,
            support=support,
            text=text,
            valid_from=start,
            valid_to=end,
            unit=unit,
        )
        services.save_policy(SYSTEM, policy, rules)
        services.publish(SYSTEM, policy, policy.version)
        made.append(policy)
    _special_fund_applications(Policy.objects.get(title=SPECIAL_FUND))
    return len(made)


def _special_fund_applications(policy):
    """21 enterprises apply for 2078 万元 in all (20 × 98 + 118); the first eight are approved
    as asked, the first four paid in full."""
    admin = User.objects.filter(username="admin").first()
    reviewer = User.objects.filter(username="gongxin").first() or admin
    if admin is None:
        return
    fits = list(services.qualifying(policy, SYSTEM).order_by("pk")[:21])
    fits += list(
        Enterprise.objects.filter(policy.region.subtree_q())
        .exclude(pk__in=[e.pk for e in fits])
        .order_by("pk")[: 21 - len(fits)]
    )
    for i, enterprise in enumerate(fits):
        amount = Decimal(118 if i == 0 else 98)
        app = applications.apply(
            admin,
            policy,
            enterprise,
            {"amount_requested": amount, "note": "转产扩能，购置防护服/口罩生产设备"},
            [ContentFile(PDF, name="技改扩能项目申报书.pdf")],
        )
        if i < 8:
            app = applications.act(reviewer, app, "approve", app.version, amount=amount)
        if i < 4:
            applications.act(reviewer, app, "grant", app.version, amount=amount)
