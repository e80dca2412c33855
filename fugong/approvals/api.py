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
from .models import Application

router = Router(tags=["applications"])


class ChecklistAnswer(BodyIn):
    key: str
    done: bool | None = None
    note: str = ""


class ApplicationIn(BodyIn):
    kind: str
    checklist: list[ChecklistAnswer] = []
    staff_expected: int | None = None
    planned_date: IsoDate | None = None
    boundary_sealable: bool = False
    lodging_assured: bool = False
    stock_ready: bool = False
    staff_inside: int | None = None
    beds: int | None = None
    food_days: int | None = None
    stock_days: int | None = None
    boundary_plan: str = ""
    contact_phone: str = ""


class ApplicationOut(EnterpriseOwnedOut):
    id: int
    kind: str
    state: str
    checklist: list
    staff_expected: int | None
    planned_date: date | None
    staff_inside: int | None
    beds: int | None
    cleared_from: date | None
    approving_unit: str | None
    due_at: datetime | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_approving_unit(obj):
        return obj.approving_unit.code if obj.approving_unit_id else None


class ReviewIn(BodyIn):
    version: int
    comment: str = ""
    cleared_from: IsoDate | None = None


class CertificateOut(Schema):
    status: str
    status_label: str
    enterprise: str
    uscc: str
    kind: str
    cleared_from: date | None
    approving_unit: str


class ApprovalsFilterIn(Schema):
    kind: str = ""
    state: str = ""
    todo: bool = False


@router.get("/applications", response=list[ApplicationOut])
@paginate(Pagination)
def list_applications(request, filters: Query[ApprovalsFilterIn]):
    """Applications in your scope (yours, for an enterprise account), filtered as the list page
    filters them; `todo` = awaiting a step you review (the page's `view=todo`)."""
    flt = services.ApplicationFilter(
        kind=filters.kind, state=filters.state, view="todo" if filters.todo else ""
    )
    return services.applications_for(request.auth, flt)


@router.post("/applications", response={201: ApplicationOut})
def create_application(request, payload: ApplicationIn):
    if not enterprise_id_of(request.auth):
        raise PermissionError("只有企业账号可以提交申请")
    enterprise = Enterprise.objects.get(pk=enterprise_id_of(request.auth))
    data = payload.dict()
    kind = data.pop("kind")
    return Status(201, services.submit(request.auth, enterprise, kind, data))


@router.get("/applications/{int:pk}", response=ApplicationOut)
def get_application(request, pk: int):
    return (
        Application.objects.visible_to(request.auth)
        .select_related("enterprise", "approving_unit")
        .get(pk=pk)
    )


ApplicationAction = Literal["approve", "return", "reject", "revoke", "withdraw"]


@router.post("/applications/{int:pk}/{action}", response=ApplicationOut)
def act(request, pk: int, action: ApplicationAction, payload: ReviewIn):
    """approve, return, reject, revoke (reviewers); withdraw (the applicant). 409 when
    someone acted first."""
    app = get_application(request, pk)
    if action == "withdraw":
        return services.withdraw(request.auth, app, payload.version)
    return services.review(
        request.auth,
        app,
        action,
        payload.version,
        comment=payload.comment,
        cleared_from=payload.cleared_from,
    )


@router.get("/certificates/verify/{code}", response=CertificateOut, auth=None)
def verify_certificate(request, code: str):
    """Public: a certificate's QR code checked."""
    check_api_limit(request, "public_api")
    result = services.verify_certificate(code)
    if result is None:
        return error_response(404, "未查到此证明或二维码被篡改", status="invalid")
    return result
