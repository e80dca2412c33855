"""Financing use-cases: an enterprise states a need, a financing officer shares it with banks,
each bank answers on its share (offer → granted / declined). Shares move on the workflow
engine (`core.workflow.Workflow`); every call is one transaction. Totals and exports are in
`totals.py`."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.inputs import BadInput, parse_decimal, parse_int
from fugong.core.models import Unit, User
from fugong.core.permissions import person
from fugong.core.services import (
    Workflow,
    advance,
    announce,
    announce_to_units,
    audit,
    record_step,
    units_above,
)
from fugong.registry.models import Enterprise, enterprise_id_of

from .models import FinancingNeed, NeedShare

Need = FinancingNeed.State
Share = NeedShare.State
CENT = Decimal("0.01")
LARGEST_AMOUNT = Decimal("100000000")  # 万元: a trillion yuan, more than any need

ACTIONS = {
    "offer": gettext_lazy("提供贷款方案"),
    "grant": gettext_lazy("登记放款"),
    "decline": gettext_lazy("未能放款"),
}


def _tell_about_share(share: NeedShare, action: str, comment: str) -> None:
    """The enterprise and the financing officers hear each answer of a bank."""
    need = share.need
    title = _("融资需求 %(a)s 万元：%(b)s %(s)s") % {
        "a": need.amount.normalize(),
        "b": share.bank.name,
        "s": share.get_state_display(),
    }
    url = f"/financing/{need.pk}/"
    announce(need.enterprise.active_users(), kind="financing", title=title, body=comment, url=url)
    announce_to_units(finance_units(need.enterprise), kind="financing", title=title, url=url)


SHARES = Workflow(
    {
        "offer": ((Share.SHARED,), Share.OFFERED),
        "grant": ((Share.OFFERED,), Share.GRANTED),
        "decline": ((Share.SHARED, Share.OFFERED), Share.DECLINED),
    },
    notify=_tell_about_share,
)


def finance_units(enterprise: Enterprise) -> list[Unit]:
    """The finance departments (金融办) above the enterprise's region."""
    return list(
        units_above(enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=Unit.Sector.FINANCE)
    )


def _number(data: Mapping, key: str, label: str, **bounds: Any) -> Decimal | None:
    try:
        return parse_decimal(data.get(key), **bounds)
    except BadInput as exc:
        raise ValidationError({key: f"{label}{exc}"}) from exc


def _months(data: Mapping, key: str, label: str, required: bool = True) -> int | None:
    try:
        months = parse_int(data.get(key), low=1, high=360)
    except BadInput as exc:
        raise ValidationError({key: f"{label}{exc}"}) from exc
    if months is None and required:
        raise ValidationError({key: _("请填写%(l)s") % {"l": label}})
    return months


def _text(data: Mapping, key: str, limit: int) -> str:
    return str(data.get(key) or "").strip()[:limit]


# --- needs --------------------------------------------------------------------------------


@transaction.atomic
def state_need(user: User, enterprise: Enterprise, data: Mapping) -> FinancingNeed:
    """The enterprise states a loan need: amount (万元), purpose, term (months), collateral."""
    if not (user.is_admin or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以提出融资需求"))
    amount = _number(data, "amount", _("需求金额"), low=CENT, high=LARGEST_AMOUNT)
    if amount is None:
        raise ValidationError({"amount": _("请填写需求金额（万元）")})
    purpose = _text(data, "purpose", 200)
    if not purpose:
        raise ValidationError({"purpose": _("请填写资金用途")})
    need = FinancingNeed.objects.create(
        enterprise=enterprise,
        amount=amount.quantize(CENT),
        purpose=purpose,
        term_months=_months(data, "term_months", _("期限")),
        collateral=_text(data, "collateral", 200),
        note=_text(data, "note", 2000),
        created_by=person(user),
    )
    record_step(need, "state", user, to_state=need.state)
    audit(user, "create", need, detail={"amount": str(need.amount)})
    announce_to_units(
        finance_units(enterprise),
        kind="financing",
        title=_("融资需求：%(e)s %(a)s 万元") % {"e": enterprise.name, "a": need.amount},
        url=f"/financing/{need.pk}/",
    )
    return need


@transaction.atomic
def withdraw_need(user: User, need: FinancingNeed, version: int) -> FinancingNeed:
    if not (user.is_admin or enterprise_id_of(user) == need.enterprise_id):
        raise PermissionError(_("只有本企业的账号可以撤回融资需求"))
    return advance(
        need, version, (Need.OPEN, Need.SHARED), Need.WITHDRAWN, user=user, action="withdraw"
    )


def banks_for(need: FinancingNeed) -> QuerySet:
    """The banks a need may be shared with: bank units of the enterprise's region, the regions
    above it or below its county."""
    region = need.enterprise.region
    county = next((code for code in region.chain_codes if len(code) == 6), region.code)
    return Unit.objects.filter(kind=Unit.Kind.BANK).filter(
        Q(region__code__in=region.chain_codes) | Q(region__path__contains=f"/{county}/")
    )


def may_share(user: User, need: FinancingNeed) -> bool:
    return bool(
        user.arranges_financing
        and need.state in (Need.OPEN, Need.SHARED)
        and FinancingNeed.objects.visible_to(user).filter(pk=need.pk).exists()
    )


@transaction.atomic
def share(user: User, need: FinancingNeed, version: int, banks: Iterable[Unit]) -> list[NeedShare]:
    """A financing officer shares the need with banks (each once); the banks are told."""
    if not may_share(user, need):
        raise PermissionError(_("您不能推送该融资需求"))
    allowed = set(banks_for(need).values_list("pk", flat=True))
    banks = list({bank.pk: bank for bank in banks}.values())
    if not banks:
        raise ValidationError({"banks": _("请选择至少一家银行")})
    outside = [bank.name for bank in banks if bank.pk not in allowed]
    if outside:
        raise ValidationError({"banks": _("不能推送给：%(b)s") % {"b": "、".join(outside)}})
    already = set(need.shares.values_list("bank_id", flat=True))
    new = [bank for bank in banks if bank.pk not in already]
    if not new:
        raise ValidationError({"banks": _("已推送给所选银行")})
    advance(
        need,
        version,
        (Need.OPEN, Need.SHARED),
        Need.SHARED,
        user=user,
        action="share",
        comment="、".join(bank.name for bank in new),
    )
    made = NeedShare.objects.bulk_create(
        [NeedShare(need=need, bank=bank, shared_by=person(user)) for bank in new]
    )
    for item in made:
        record_step(item, "share", user, to_state=item.state)
    announce_to_units(
        new,
        kind="financing",
        title=_("融资需求推送：%(e)s %(a)s 万元，%(p)s")
        % {"e": need.enterprise.name, "a": need.amount.normalize(), "p": need.purpose},
        url=f"/financing/{need.pk}/",
    )
    announce(
        need.enterprise.active_users(),
        kind="financing",
        title=_("您的融资需求已推送至 %(n)d 家银行") % {"n": len(new)},
        url=f"/financing/{need.pk}/",
    )
    return made


# --- a bank's answer ----------------------------------------------------------------------


def answers_for(user: User, share_row: NeedShare) -> bool:
    """`user` answers for the bank of this share (its account managers; an administrator)."""
    return user.is_admin or (user.is_bank and user.unit_id == share_row.bank_id)


def allowed_actions(user: User, share_row: NeedShare) -> list[str]:
    if not answers_for(user, share_row) or share_row.need.state == Need.WITHDRAWN:
        return []
    return SHARES.possible(share_row.state)


def _offer(data: Mapping, now: datetime) -> tuple[dict, str]:
    """The fields of a bank's offer, checked, and the timeline's words for it."""
    product = _text(data, "product", 100)
    if not product:
        raise ValidationError({"product": _("请填写贷款产品")})
    amount = _number(data, "offer_amount", _("授信金额"), low=CENT, high=LARGEST_AMOUNT)
    rate = _number(data, "rate", _("年利率"), low=0, high=100)
    if amount is None or rate is None:
        raise ValidationError(
            {"offer_amount" if amount is None else "rate": _("请填写授信金额和年利率")}
        )
    changes = {
        "product": product,
        "offer_amount": amount.quantize(CENT),
        "rate": rate.quantize(CENT),
        "offer_term_months": _months(data, "offer_term_months", _("贷款期限")),
        "offered_at": now,
    }
    comment = _("%(p)s %(a)s 万元，年利率 %(r)s%%，%(t)d 个月") % {
        "p": product,
        "a": changes["offer_amount"].normalize(),
        "r": changes["rate"].normalize(),
        "t": changes["offer_term_months"],
    }
    return changes, comment


@transaction.atomic
def answer(user: User, share_row: NeedShare, action: str, version: int, data: Mapping) -> NeedShare:
    """offer (product, amount, rate %, term), grant (the amount lent, at most the offer's),
    decline (with a reason)."""
    if action not in SHARES:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, share_row):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": share_row.get_state_display(), "a": ACTIONS[action]}
        )
    now = timezone.now()
    reason = _text(data, "reason", 2000)
    if action == "offer":
        changes, comment = _offer(data, now)
        changes["reason"] = reason
    elif action == "grant":
        granted = _number(data, "granted_amount", _("放款金额"), low=CENT)
        granted = share_row.offer_amount if granted is None else granted
        if granted > share_row.offer_amount:
            raise ValidationError(
                {
                    "granted_amount": _("放款金额不能超过授信金额 %(a)s 万元")
                    % {"a": share_row.offer_amount}
                }
            )
        changes = {"granted_amount": granted.quantize(CENT), "decided_at": now}
        comment = _("放款 %(a)s 万元") % {"a": changes["granted_amount"].normalize()}
    else:
        if not reason:
            raise ValidationError({"reason": _("请说明未能放款的原因")})
        changes, comment = {"reason": reason, "decided_at": now}, reason
    share_row = SHARES.move(share_row, version, action, user=user, comment=comment, **changes)
    need = share_row.need
    if action == "grant" and need.state == Need.SHARED:
        advance(need, need.version, (Need.SHARED,), Need.GRANTED, user=user, action="grant")
    return share_row


# --- lists --------------------------------------------------------------------------------


def needs_for(user: User, params: Mapping) -> QuerySet:
    """The needs `user` may see, filtered by state and bank."""
    qs = FinancingNeed.objects.visible_to(user).select_related("enterprise__region")
    if params.get("state") in Need.values:
        qs = qs.filter(state=params["state"])
    if str(params.get("bank") or "").isdigit():
        qs = qs.filter(shares__bank_id=int(params["bank"]))
    return qs.order_by("-created_at", "-id")


def shares_of(user: User, need: FinancingNeed) -> QuerySet:
    """The need's shares `user` may see (a bank: only its own)."""
    return NeedShare.objects.visible_to(user).filter(need=need).select_related("bank")
