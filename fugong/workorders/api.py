from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fugong.core.api import Pagination
from fugong.core.inputs import BodyIn, FiniteFloat
from fugong.core.models import Unit
from fugong.core.services import campaign_for
from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise

from . import services
from .models import Category, WorkOrder
from .services.scorecard_reports import scorecard_for

router = Router(tags=["workorders"])


class NeedIn(BodyIn):
    kind: str
    requested: FiniteFloat
    label: str = ""
    unit: str = ""


class OrderIn(BodyIn):
    uscc: str
    text: str
    channel: str = "api"
    needs: list[NeedIn] = []


class OrderOut(EnterpriseOwnedOut):
    id: int
    text: str
    channel: str
    state: str
    priority: str
    category: str | None
    unit: str | None
    deadline: datetime | None
    escalations: int
    version: int
    created_at: datetime

    @staticmethod
    def resolve_category(obj):
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code if obj.unit_id else None


class ActionIn(BodyIn):
    """The body of every action; each action reads the fields it needs (see the README)."""

    version: int
    comment: str = ""
    unit: str | None = None
    category: str | None = None
    rating: int | None = None
    confirm_undelivered: bool = False
    reason: str = ""
    rule: str = ""
    decision: str = ""
    until: date | None = None
    task: str = ""
    resolved: bool | None = None
    satisfied: bool | None = None


@router.post("/workorders", response={201: OrderOut})
def create(request, payload: OrderIn):
    enterprise = (
        Enterprise.objects.visible_to(request.auth)
        .select_related("region")
        .get(uscc=payload.uscc.strip().upper())
    )
    campaign = campaign_for(enterprise, timezone.localdate())
    if campaign is None:
        raise ValidationError({"uscc": "当前没有覆盖该企业的应急事件"})
    channel = payload.channel if payload.channel in ("api", "hotline", "commissioner") else "api"
    return Status(
        201,
        services.create_order(
            request.auth,
            campaign,
            enterprise,
            payload.text,
            channel,
            [n.dict() for n in payload.needs],
        ),
    )


class OrderFilterIn(Schema):
    """The list page's filter (`WorkOrderFilter`); `open` and `mine` are the older names of
    `view=open` and `view=mine`."""

    view: str = "all"
    state: str = ""
    category: str = ""
    unit: str = ""
    region: str = ""
    ids: str = ""
    figure: str = ""
    start: str = Field("", alias="from")
    end: str = Field("", alias="to")
    open: bool = False
    mine: bool = False


@router.get("/workorders", response=list[OrderOut])
@paginate(Pagination)
def list_orders(request, filters: Query[OrderFilterIn]):
    params = filters.dict(by_alias=True)
    if params.pop("mine"):
        params["view"] = "mine"
    elif params.pop("open", False):
        params["view"] = "open"
    flt = services.WorkOrderFilter.from_params(params, default_view="all")
    errors = flt.errors()
    if errors:
        raise ValidationError(errors)
    return flt.queryset(request.auth).order_by("-created_at", "-id")


class ScorecardRowOut(Schema):
    """One unit's line of the scorecard (see the README for each figure's definition)."""

    rank: int
    unit: str
    unit_name: str
    received: int
    signed: int
    signed_on_time: int
    replied_on_time: int
    resolved: int
    rated: int
    satisfied: int
    overdue: int
    escalations: int
    refusals: int
    refusals_upheld: int
    extensions: int
    redos: int
    sign_rate: float | None
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    redo_rate: float | None
    median_hours_to_sign: float | None
    median_hours_to_resolve: float | None
    score: float | None


class ScorecardQueryIn(Schema):
    region: str = ""
    start: str = Field("", alias="from")
    end: str = Field("", alias="to")


@router.get("/workorders/scorecard", response=list[ScorecardRowOut])
def get_scorecard(request, query: Query[ScorecardQueryIn]):
    flt = services.WorkOrderFilter.from_params(query.dict(by_alias=True))
    errors = flt.errors()
    if errors:
        raise ValidationError(errors)
    _region, rows = scorecard_for(request.auth, flt.region, flt.period())
    return rows


@router.get("/workorders/{int:pk}", response=OrderOut)
def get_order(request, pk: int):
    return (
        WorkOrder.objects.visible_to(request.auth)
        .select_related("enterprise__region", "unit", "category")
        .get(pk=pk)
    )


# `accept` is the old name of `sign` (签收), kept for existing clients
OrderAction = Literal[
    "triage",
    "dispatch",
    "return",
    "rule_return",
    "request_extension",
    "decide_extension",
    "add_assist",
    "reply_assist",
    "visit_back",
    "ask",
    "answer",
    "sign",
    "accept",
    "start",
    "resolve",
    "close",
    "reopen",
]


@router.post("/workorders/{int:pk}/{action}", response=OrderOut)
def act(request, pk: int, action: OrderAction, payload: ActionIn):
    order = get_order(request, pk)
    unit = Unit.objects.get(code=payload.unit) if payload.unit else None
    category = Category.objects.get(code=payload.category) if payload.category else None
    return services.transition(
        request.auth,
        order,
        action,
        payload.version,
        comment=payload.comment,
        unit=unit,
        category=category,
        rating=payload.rating,
        confirm_undelivered=payload.confirm_undelivered,
        reason=payload.reason,
        rule=payload.rule,
        decision=payload.decision,
        until=payload.until,
        task=payload.task,
        resolved=payload.resolved,
        satisfied=payload.satisfied,
    )
