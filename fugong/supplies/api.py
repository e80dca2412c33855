from datetime import datetime
from decimal import Decimal

from ninja import Router, Schema, Status

from fugong.core.inputs import BodyIn, IsoDateTime
from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise, enterprise_id_of

from . import services
from .models import SupplyOrder

router = Router(tags=["supplies"])


class SupplyItemIn(BodyIn):
    name: str
    quantity: Decimal
    unit: str = ""


class SupplyItemOut(Schema):
    name: str
    quantity: Decimal
    unit: str = ""


class SupplyOrderOut(EnterpriseOwnedOut):
    id: int
    state: str
    deliver_by: datetime
    handover_point: str
    note: str
    buyer: str | None
    cost: Decimal | None
    handover_note: str
    paid: Decimal | None
    version: int
    items: list[SupplyItemOut]

    @staticmethod
    def resolve_buyer(obj):
        return str(obj.buyer) if obj.buyer_id else None

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class SupplyOrderIn(BodyIn):
    deliver_by: IsoDateTime
    handover_point: str
    note: str = ""
    items: list[SupplyItemIn]


class SupplyActIn(BodyIn):
    version: int
    buyer: int | None = None
    cost: Decimal | None = None
    handover_note: str = ""
    paid: Decimal | None = None
    comment: str = ""


def _order(request, pk):
    return (
        SupplyOrder.objects.visible_to(request.auth)
        .select_related("enterprise", "buyer")
        .get(pk=pk)
    )


@router.get("/supplies/orders", response=list[SupplyOrderOut])
def list_orders(request, state: str = "", view: str = ""):
    """Orders you may see: an enterprise its own, a buyer those assigned to them, officers
    their scope (`view=open`: not yet handed over)."""
    return services.orders_for(request.auth, {"state": state, "view": view})[:500]


@router.post("/supplies/orders", response={201: SupplyOrderOut})
def create_order(request, payload: SupplyOrderIn):
    """A closed-loop enterprise orders daily necessities (items, deliver-by, hand-over point)."""
    enterprise_id = enterprise_id_of(request.auth)
    if not enterprise_id:
        raise PermissionError("只有企业账号可以下单")
    enterprise = Enterprise.objects.select_related("region").get(pk=enterprise_id)
    data = payload.dict()
    order = services.place_order(request.auth, enterprise, data, data.pop("items"))
    return Status(201, order)


@router.get("/supplies/orders/{int:pk}", response=SupplyOrderOut)
def get_order(request, pk: int):
    return _order(request, pk)


@router.post("/supplies/orders/{int:pk}/{action}", response=SupplyOrderOut)
def act_on_order(request, pk: int, action: str, payload: SupplyActIn):
    """assign (buyer: user id), accept, decline, buy (cost 元), hand_over (handover_note),
    receive, settle (paid, default the cost), cancel. 409 when someone acted first."""
    order = _order(request, pk)
    return services.act(request.auth, order, action, payload.version, payload.dict())
