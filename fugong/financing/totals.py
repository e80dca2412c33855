"""Financing totals by region (the enterprise's county) and by bank — needs, offers and loans
granted ("18 户企业贷款需求 2.3 亿元 → 授信 1.6 亿元 → 放款 1.2 亿元") — and the Excel
exports. Withdrawn needs are left out of the totals."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.models import Region, User
from fugong.core.services import audit

from .models import FinancingNeed, NeedShare

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    """A sum to the cent (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


def in_yuan_words(amount: Decimal) -> str:
    """万元 as people say it: 23000 → "2.3 亿元", 850 → "850 万元"."""
    if amount >= 10000:
        return _("%(n)s 亿元") % {"n": f"{(amount / 10000).quantize(CENT).normalize():f}"}
    return _("%(n)s 万元") % {"n": f"{amount.normalize():f}"}


def _county_of(path: str, names: dict[str, str]) -> str:
    codes = path.strip("/").split("/")
    code = next((c for c in codes if len(c) == 6 and not c.endswith("00")), codes[-1])
    return names.get(code, code)


def totals(user: User, by: str = "region") -> list[dict]:
    """Per county (`region`) or per bank (`bank`): enterprises and needs (万元) shared or not,
    offers made and their amount, loans granted and their amount."""
    if by not in ("region", "bank"):
        raise ValidationError({"by": _("分组应为 region 或 bank")})
    needs = FinancingNeed.objects.visible_to(user).exclude(state=FinancingNeed.State.WITHDRAWN)
    shares = NeedShare.objects.visible_to(user).filter(need__in=needs)
    rows: dict[str, dict] = {}

    def row(label: str) -> dict:
        return rows.setdefault(
            label,
            {
                "group": label,
                "enterprises": set(),
                "needs": 0,
                "needed": Decimal(0),
                "offers": 0,
                "offered": Decimal(0),
                "loans": 0,
                "granted": Decimal(0),
            },
        )

    if by == "region":
        names = dict(Region.objects.filter(level="county").values_list("code", "name"))
        for path, enterprise_id, amount in needs.values_list(
            "enterprise__region__path", "enterprise_id", "amount"
        ):
            entry = row(_county_of(path, names))
            entry["enterprises"].add(enterprise_id)
            entry["needs"] += 1
            entry["needed"] += money(amount)
        key = "need__enterprise__region__path"
        label_of = lambda value: _county_of(value, names)  # noqa: E731
    else:
        for name, enterprise_id, amount in shares.values_list(
            "bank__name", "need__enterprise_id", "need__amount"
        ):
            entry = row(name)
            entry["enterprises"].add(enterprise_id)
            entry["needs"] += 1
            entry["needed"] += money(amount)
        key = "bank__name"
        label_of = str
    offered = shares.exclude(offer_amount__isnull=True).values(key)
    for item in offered.annotate(n=Count("pk"), s=Sum("offer_amount")).order_by():
        entry = row(label_of(item[key]))
        entry["offers"] += item["n"]
        entry["offered"] += money(item["s"])
    granted = shares.filter(state=NeedShare.State.GRANTED).values(key)
    for item in granted.annotate(n=Count("pk"), s=Sum("granted_amount")).order_by():
        entry = row(label_of(item[key]))
        entry["loans"] += item["n"]
        entry["granted"] += money(item["s"])
    out = sorted(rows.values(), key=lambda entry: entry["group"])
    for entry in out:
        entry["enterprises"] = len(entry["enterprises"])
    return out


def overall(user: User) -> dict:
    """The whole scope in one row (enterprises counted once)."""
    needs = FinancingNeed.objects.visible_to(user).exclude(state=FinancingNeed.State.WITHDRAWN)
    shares = NeedShare.objects.visible_to(user).filter(need__in=needs)
    head = needs.aggregate(e=Count("enterprise", distinct=True), n=Count("pk"), s=Sum("amount"))
    offers = shares.exclude(offer_amount__isnull=True).aggregate(
        n=Count("pk"), s=Sum("offer_amount")
    )
    loans = shares.filter(state=NeedShare.State.GRANTED).aggregate(
        n=Count("pk"), s=Sum("granted_amount")
    )
    return {
        "group": _("合计"),
        "enterprises": head["e"],
        "needs": head["n"],
        "needed": money(head["s"]),
        "offers": offers["n"],
        "offered": money(offers["s"]),
        "loans": loans["n"],
        "granted": money(loans["s"]),
    }


def headline(entry: dict) -> str:
    return _("%(e)d 户企业贷款需求 %(a)s → 银行授信 %(b)s → 已放款 %(c)s") % {
        "e": entry["enterprises"],
        "a": in_yuan_words(entry["needed"]),
        "b": in_yuan_words(entry["offered"]),
        "c": in_yuan_words(entry["granted"]),
    }


def export_needs(user: User, qs: QuerySet) -> bytes:
    headers = [
        "编号",
        "企业名称",
        "统一社会信用代码",
        "所在区划",
        "需求金额（万元）",
        "资金用途",
        "期限（月）",
        "担保方式",
        "状态",
        "推送银行",
        "授信（万元）",
        "放款（万元）",
        "提出时间",
    ]
    rows = []
    for need in qs.prefetch_related("shares__bank")[:50000]:
        shares = [s for s in need.shares.all() if not user.is_bank or s.bank_id == user.unit_id]
        rows.append(
            [
                need.pk,
                need.enterprise.name,
                need.enterprise.uscc,
                need.enterprise.region.name,
                need.amount,
                need.purpose,
                need.term_months,
                need.collateral,
                need.get_state_display(),
                "、".join(s.bank.name for s in shares),
                sum((s.offer_amount or 0) for s in shares),
                sum((s.granted_amount or 0) for s in shares if s.state == "granted"),
                timezone.localtime(need.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    audit(user, "export", target_type="financing.financingneed", detail={"rows": len(rows)})
    return write_xlsx("融资需求", headers, rows)


def export_totals(user: User, by: str) -> bytes:
    rows = [
        [
            r["group"],
            r["enterprises"],
            r["needs"],
            r["needed"],
            r["offers"],
            r["offered"],
            r["loans"],
            r["granted"],
        ]
        for r in [*totals(user, by), overall(user)]
    ]
    audit(user, "export", target_type="financing.totals", detail={"by": by, "rows": len(rows)})
    return write_xlsx(
        "融资对接汇总",
        [
            "县市" if by == "region" else "银行",
            "企业数",
            "需求笔数",
            "需求金额（万元）",
            "授信笔数",
            "授信金额（万元）",
            "放款笔数",
            "放款金额（万元）",
        ],
        rows,
    )
