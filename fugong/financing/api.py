from datetime import datetime
from decimal import Decimal

from ninja import Router, Schema, Status

from fugong.core.inputs import BodyIn
from fugong.core.models import Unit
from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise, enterprise_id_of

from . import services
from . import totals as T
from .models import FinancingNeed, NeedShare

router = Router(tags=["financing"])


class NeedShareOut(Schema):
    id: int
    bank: str
    state: str
    product: str
    offer_amount: Decimal | None
    rate: Decimal | None
    offer_term_months: int | None
    granted_amount: Decimal | None
    reason: str
    version: int

    @staticmethod
    def resolve_bank(obj):
        return obj.bank.name


class FinancingNeedOut(EnterpriseOwnedOut):
    id: int
    amount: Decimal
    purpose: str
    term_months: int
    collateral: str
    note: str
    state: str
    version: int
    created_at: datetime


class FinancingNeedIn(BodyIn):
    amount: Decimal
    purpose: str
    term_months: int
    collateral: str = ""
    note: str = ""


class FinancingShareIn(BodyIn):
    version: int
    banks: list[str]  # bank units' codes


class BankAnswerIn(BodyIn):
    version: int
    product: str = ""
    offer_amount: Decimal | None = None
    rate: Decimal | None = None
    offer_term_months: int | None = None
    granted_amount: Decimal | None = None
    reason: str = ""


class FinancingTotalOut(Schema):
    group: str
    enterprises: int
    needs: int
    needed: Decimal
    offers: int
    offered: Decimal
    loans: int
    granted: Decimal


def _need(request, pk):
    return (
        FinancingNeed.objects.visible_to(request.auth)
        .select_related("enterprise__region")
        .get(pk=pk)
    )


@router.get("/financing/needs", response=list[FinancingNeedOut])
def list_needs(request, state: str = ""):
    """Needs you may see: an enterprise its own, a bank those shared with it, officers their
    scope."""
    return services.needs_for(request.auth, {"state": state})[:500]


@router.post("/financing/needs", response={201: FinancingNeedOut})
def create_need(request, payload: FinancingNeedIn):
    enterprise_id = enterprise_id_of(request.auth)
    if not enterprise_id:
        raise PermissionError("只有企业账号可以提出融资需求")
    enterprise = Enterprise.objects.select_related("region").get(pk=enterprise_id)
    return Status(201, services.state_need(request.auth, enterprise, payload.dict()))


@router.get("/financing/needs/{int:pk}", response=FinancingNeedOut)
def get_need(request, pk: int):
    return _need(request, pk)


@router.get("/financing/needs/{int:pk}/shares", response=list[NeedShareOut])
def need_shares(request, pk: int):
    """The need's shares you may see (a bank: only its own)."""
    return services.shares_of(request.auth, _need(request, pk))


@router.post("/financing/needs/{int:pk}/share", response=list[NeedShareOut])
def share_need(request, pk: int, payload: FinancingShareIn):
    """A financing officer shares the need with banks (by unit code)."""
    need = _need(request, pk)
    banks = list(Unit.objects.filter(kind=Unit.Kind.BANK, code__in=payload.banks[:50]))
    if len(banks) != len(set(payload.banks)):
        raise Unit.DoesNotExist("unknown bank code")
    return services.share(request.auth, need, payload.version, banks)


@router.post("/financing/shares/{int:pk}/{action}", response=NeedShareOut)
def answer_share(request, pk: int, action: str, payload: BankAnswerIn):
    """A bank answers: offer (product, offer_amount, rate, offer_term_months), grant
    (granted_amount, default the offer's), decline (reason). 409 when someone acted first."""
    item = NeedShare.objects.visible_to(request.auth).select_related("need", "bank").get(pk=pk)
    return services.answer(request.auth, item, action, payload.version, payload.dict())


@router.get("/financing/totals", response=list[FinancingTotalOut])
def financing_totals(request, by: str = "region"):
    """Needs, offers and loans granted (万元) per county (`region`) or per bank, in your
    scope."""
    return T.totals(request.auth, by)
