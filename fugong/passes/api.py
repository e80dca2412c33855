from datetime import date, datetime
from typing import Literal

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from fugong.core.api import Pagination
from fugong.core.errors import error_response
from fugong.core.inputs import BodyIn, IsoDate
from fugong.core.security import check_api_limit
from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise, enterprise_id_of

from . import services
from .models import Pass

router = Router(tags=["passes"])


class PassIn(BodyIn):
    plate: str
    vehicle_type: str
    driver_name: str
    driver_phone: str
    origin: str
    destination: str
    via: str = ""
    cargo: str
    cargo_note: str = ""
    valid_from: IsoDate
    valid_until: IsoDate


class PassOut(EnterpriseOwnedOut):
    id: int
    plate: str
    vehicle_type: str
    driver_name: str
    driver_phone: str
    origin: str
    destination: str
    via: str
    cargo: str
    valid_from: date
    valid_until: date
    state: str
    issuing_unit: str | None
    verify_url: str | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_issuing_unit(obj):
        return obj.issuing_unit.code if obj.issuing_unit_id else None

    @staticmethod
    def resolve_verify_url(obj):
        return services.verification_url(obj) if obj.code else None


class DecisionIn(BodyIn):
    version: int
    comment: str = ""
    valid_until: IsoDate | None = None


class VerifyOut(Schema):
    status: str
    status_label: str
    plate: str
    vehicle_type: str
    valid_from: date
    valid_until: date
    route: str
    cargo: str
    enterprise: str
    issuing_unit: str
    driver: str


class PassFilterIn(Schema):
    state: str = ""
    cargo: str = ""
    todo: bool = False


@router.get("/passes", response=list[PassOut])
@paginate(Pagination)
def list_passes(request, filters: Query[PassFilterIn]):
    """Passes in your scope (yours, for an enterprise account), filtered as the list page
    filters them; `todo` = awaiting issue (the page's `view=todo`)."""
    flt = services.PassFilter(
        state=filters.state, cargo=filters.cargo, view="todo" if filters.todo else ""
    )
    return services.passes_for(request.auth, flt)


@router.post("/passes", response={201: PassOut})
def create_pass(request, payload: PassIn):
    if not enterprise_id_of(request.auth):
        raise PermissionError("只有企业账号可以申请通行证")
    enterprise = Enterprise.objects.get(pk=enterprise_id_of(request.auth))
    return Status(201, services.apply(request.auth, enterprise, payload.dict()))


@router.get("/passes/verify/{code}", response=VerifyOut, auth=None)
def verify(request, code: str):
    """Public (what the QR opens): only what a checkpoint needs — plate, validity, route,
    issuing unit, status (valid / expired / revoked / not_yet_valid) and the driver's name
    masked. 404 with status "invalid" for an unknown, forged or altered code."""
    check_api_limit(request, "public_api")
    result = services.verify(code)
    if result is None:
        return error_response(404, services.STATUS_LABELS["invalid"], status="invalid")
    return result


@router.get("/passes/{int:pk}", response=PassOut)
def get_pass(request, pk: int):
    return (
        Pass.objects.visible_to(request.auth)
        .select_related("enterprise", "issuing_unit")
        .get(pk=pk)
    )


PassAction = Literal["approve", "reject", "revoke", "extend", "withdraw"]


@router.post("/passes/{int:pk}/{action}", response=PassOut)
def act(request, pk: int, action: PassAction, payload: DecisionIn):
    """approve, reject, revoke, extend (with valid_until), withdraw. 409 when someone acted
    first."""
    return services.decide(
        request.auth,
        get_pass(request, pk),
        action,
        payload.version,
        comment=payload.comment,
        valid_until=payload.valid_until,
    )
