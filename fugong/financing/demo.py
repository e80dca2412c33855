"""Demo financing for the demo city (延边州), after the seeds: 18 enterprises state loan needs
of 2.3 亿元 in all (延边 collected 230 million yuan of needs from 18 firms); the 金融办
shares them with three banks, which offer on most ("抗疫贷", 24-hour approval), grant some and
decline one. Idempotent; returns the demo logins it adds.

Call after the registry demo: `from fugong.financing.demo import build; build()`."""

from decimal import Decimal

from django.db import transaction

from fugong.core.models import Region, Role, Unit, User
from fugong.registry.demo import DEMO_PASSWORD
from fugong.registry.models import Enterprise

from . import services
from .models import FinancingNeed

BANKS = [
    ("222400-bank-boc", "中国银行延边分行"),
    ("222400-bank-jlb", "吉林银行延边分行"),
    ("222400-bank-ybrcb", "延边农村商业银行"),
]
# 18 needs, 23000 万元 in all
AMOUNTS = [3000, 2500, 2000, 2000, 1800, 1500, 1500, 1200, 1200, 1000, 1000, 900, 800, 700, 600]
AMOUNTS += [500, 400, 400]
PURPOSES = ["购买原材料", "支付职工工资", "防疫物资转产设备", "偿还到期贷款", "扩大产能"]
COLLATERALS = ["厂房抵押", "信用", "应收账款质押", "政府性融资担保"]


def _users(city: Region, banks: list[Unit]) -> list[tuple[str, str]]:
    people = [
        ("jinrong", "韩雪梅", Role.DEPARTMENT, Unit.objects.get(code="222400-jrb"), "州金融办"),
        ("zhonghang", "李建国", Role.BANK, banks[0], banks[0].name),
        ("jihang", "赵丽", Role.BANK, banks[1], banks[1].name),
    ]
    logins = []
    for username, name, role, unit, desc in people:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "name": name,
                "role": role,
                "unit": unit,
                "email": f"{username}@demo.fugong.invalid",
                "must_change_password": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        logins.append((username, f"{desc}：融资对接"))
    return logins


@transaction.atomic
def build() -> tuple[int, list[tuple[str, str]]]:
    """The banks, their officers, the 18 needs with shares and answers: (needs made, logins)."""
    city = Region.objects.filter(code="222400").first()
    if city is None or not Unit.objects.filter(code="222400-jrb").exists():
        return 0, []
    banks = [
        Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": Unit.Kind.BANK, "region": city}
        )[0]
        for code, name in BANKS
    ]
    logins = _users(city, banks)
    if FinancingNeed.objects.exists():
        return 0, logins
    officer = User.objects.get(username="jinrong")
    enterprises = list(
        Enterprise.objects.filter(city.subtree_q(), accounts__isnull=True)
        .order_by("pk")
        .distinct()[: len(AMOUNTS)]
    )
    admin = User.objects.filter(username="admin").first()
    bankers = {bank.pk: User.objects.filter(unit=bank).first() or admin for bank in banks}
    for i, (enterprise, amount) in enumerate(zip(enterprises, AMOUNTS, strict=False)):
        need = services.state_need(
            admin,
            enterprise,
            {
                "amount": amount,
                "purpose": PURPOSES[i % len(PURPOSES)],
                "term_months": 12 if i % 3 else 36,
                "collateral": COLLATERALS[i % len(COLLATERALS)],
            },
        )
        if i >= 15:
            continue  # three needs wait to be shared
        bank = banks[i % len(banks)]
        [share] = services.share(officer, need, need.version, [bank])
        if i >= 12:
            continue  # three wait for the bank
        banker = bankers[bank.pk]
        if i == 11:
            services.answer(banker, share, "decline", share.version, {"reason": "抵押物不足"})
            continue
        offered = Decimal(amount) * Decimal("0.8") if i % 2 else Decimal(amount)
        share = services.answer(
            banker,
            share,
            "offer",
            share.version,
            {
                "product": "抗疫贷（24小时审批）" if i % 2 else "复工复产专项贷款",
                "offer_amount": offered,
                "rate": "3.85" if i % 2 else "4.35",
                "offer_term_months": 12,
            },
        )
        if i < 7:
            services.answer(banker, share, "grant", share.version, {})
    return len(enterprises), logins
