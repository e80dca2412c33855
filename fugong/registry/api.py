from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fugong.core.api import Pagination
from fugong.core.inputs import BodyIn, FiniteFloat, IsoDate
from fugong.core.models import Region, Unit, User

from . import industry, services
from .models import Assignment, Enterprise, EnterpriseList, ListMembership, Visit

router = Router()


class EnterpriseFilterIn(Schema):
    region: str = ""
    industry: str = ""
    scale: str = ""
    list: str = ""
    q: str = ""


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    region_code: str
    region_name: str
    industry: str
    industry_section: str
    scale: str
    total_staff: int
    annual_output: float | None
    address: str
    longitude: float | None
    latitude: float | None
    contact_name: str
    contact_phone: str
    notes: str
    active_from: date | None
    active_to: date | None
    closure_reason: str

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name


class EnterpriseIn(BodyIn):
    uscc: str
    name: str
    region: str
    industry: str
    scale: str
    total_staff: int = 0
    annual_output: FiniteFloat | None = Field(None, ge=0, description="上年工业总产值（万元）")
    address: str = ""
    longitude: FiniteFloat | None = None
    latitude: FiniteFloat | None = None
    contact_name: str = ""
    contact_phone: str = ""
    notes: str = ""
    active_from: IsoDate | None = Field(None, description="登记日期（新建时留空为今天）")
    active_to: IsoDate | None = Field(None, description="停业日期（停产、注销或迁出）")
    closure_reason: str = Field("", description="停业原因：suspended、deregistered 或 moved_out")


class ListOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    members: int


class EnterpriseOwnedOut(Schema):
    """The enterprise a record belongs to, by USCC and name (every enterprise-owned output)."""

    uscc: str
    enterprise_name: str

    @staticmethod
    def resolve_uscc(obj):
        return obj.enterprise.uscc

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name


class MembershipOut(EnterpriseOwnedOut):
    id: int
    list: str
    enterprise_id: int
    added_on: date
    added_by: str | None
    reason: str
    removed_on: date | None
    removed_by: str | None
    removal_reason: str

    @staticmethod
    def resolve_list(obj):
        return obj.list.name

    @staticmethod
    def resolve_added_by(obj):
        return obj.added_by.username if obj.added_by_id else None

    @staticmethod
    def resolve_removed_by(obj):
        return obj.removed_by.username if obj.removed_by_id else None


class MembershipIn(BodyIn):
    uscc: str
    reason: str = ""
    on: IsoDate | None = None


class RemovalIn(BodyIn):
    reason: str = ""
    on: IsoDate | None = None


class AssignmentOut(Schema):
    enterprise_id: int
    enterprise_name: str
    leader_name: str
    leader_title: str
    leader_phone: str
    department: str | None
    township: str | None
    commissioners: list[str]

    @staticmethod
    def resolve_enterprise_name(obj):
        return obj.enterprise.name

    @staticmethod
    def resolve_department(obj):
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_township(obj):
        return obj.township.code if obj.township_id else None

    @staticmethod
    def resolve_commissioners(obj):
        return [u.username for u in obj.commissioners.all()]


class AssignmentIn(BodyIn):
    leader_name: str = ""
    leader_title: str = ""
    leader_phone: str = ""
    department: str | None = None
    township: str | None = None
    commissioners: list[str] = []


class VisitOut(Schema):
    id: int
    enterprise_id: int
    commissioner: str
    visited_on: date
    observations: str
    problems: str

    @staticmethod
    def resolve_commissioner(obj):
        return obj.commissioner.username


class VisitIn(BodyIn):
    enterprise_id: int
    visited_on: IsoDate
    observations: str
    problems: str = ""


def _require_manager(user):
    if not services.can_manage(user):
        raise PermissionError("只有指挥部、街镇/园区人员和管理员可以修改企业名录")


def _enterprise(user, pk):
    return Enterprise.objects.visible_to(user).select_related("region").get(pk=pk)


@router.get("/enterprises", response=list[EnterpriseOut], tags=["enterprises"])
@paginate(Pagination)
def list_enterprises(request, filters: Query[EnterpriseFilterIn]):
    flt = services.EnterpriseFilter(**filters.dict())
    flt.check()
    return services.enterprises_for(request.auth, flt)


@router.get("/enterprises/{int:pk}", response=EnterpriseOut, tags=["enterprises"])
def get_enterprise(request, pk: int):
    return _enterprise(request.auth, pk)


def _apply(user, enterprise, payload: EnterpriseIn):
    data = payload.dict()
    region = Region.objects.filter(code=data.pop("region")).first()
    if region is None:
        raise ValidationError({"region": "行政区划代码不存在"})
    try:
        data["industry"] = industry.parse_industry(data["industry"])
    except ValueError as exc:
        raise ValidationError({"industry": "行业代码不是 GB/T 4754 的门类+大类"}) from exc
    data["uscc"] = data["uscc"].strip().upper()
    if data["annual_output"] is not None:
        data["annual_output"] = Decimal(str(data["annual_output"])).quantize(Decimal("0.01"))
    if data["active_from"] is None and enterprise.pk:  # omitted: the date it was registered
        data.pop("active_from")
    for k, v in data.items():
        setattr(enterprise, k, v)
    enterprise.region = region
    return services.save_enterprise(user, enterprise)


@router.post("/enterprises", response={201: EnterpriseOut}, tags=["enterprises"])
def create_enterprise(request, payload: EnterpriseIn):
    _require_manager(request.auth)
    return Status(201, _apply(request.auth, Enterprise(), payload))


@router.put("/enterprises/{int:pk}", response=EnterpriseOut, tags=["enterprises"])
def update_enterprise(request, pk: int, payload: EnterpriseIn):
    _require_manager(request.auth)
    return _apply(request.auth, _enterprise(request.auth, pk), payload)


@router.get("/lists", response=list[ListOut], tags=["lists"])
def list_lists(request):
    counts = services.list_member_counts(request.auth)
    return [
        {
            "id": lst.id,
            "name": lst.name,
            "kind": lst.kind,
            "description": lst.description,
            "members": counts.get(lst.id, 0),
        }
        for lst in EnterpriseList.objects.all()
    ]


@router.get("/lists/{int:pk}/members", response=list[MembershipOut], tags=["lists"])
@paginate(Pagination)
def list_members(request, pk: int, history: bool = False):
    lst = get_object_or_404(EnterpriseList, pk=pk)
    qs = ListMembership.objects.visible_to(request.auth).filter(list=lst)
    if not history:
        qs = qs.current()
    return qs.select_related("list", "enterprise", "added_by", "removed_by")


@router.post("/lists/{int:pk}/members", response={201: MembershipOut}, tags=["lists"])
def add_member(request, pk: int, payload: MembershipIn):
    _require_manager(request.auth)
    lst = get_object_or_404(EnterpriseList, pk=pk)
    enterprise = Enterprise.objects.visible_to(request.auth).get(uscc=payload.uscc.upper())
    return Status(
        201, services.add_to_list(request.auth, lst, enterprise, payload.reason, payload.on)
    )


@router.post("/lists/{int:pk}/members/{int:mid}/remove", response=MembershipOut, tags=["lists"])
def remove_member(request, pk: int, mid: int, payload: RemovalIn):
    _require_manager(request.auth)
    membership = ListMembership.objects.visible_to(request.auth).get(pk=mid, list_id=pk)
    return services.remove_from_list(request.auth, membership, payload.reason, payload.on)


@router.get("/assignments", response=list[AssignmentOut], tags=["assignments"])
@paginate(Pagination)
def list_assignments(request, filters: Query[EnterpriseFilterIn]):
    flt = services.EnterpriseFilter(**filters.dict())
    enterprises = services.enterprises_for(request.auth, flt)
    return (
        Assignment.objects.visible_to(request.auth)
        .filter(enterprise__in=enterprises)
        .select_related("enterprise", "department", "township")
        .prefetch_related("commissioners")
    )


@router.get("/enterprises/{int:pk}/assignment", response=AssignmentOut, tags=["assignments"])
def get_assignment(request, pk: int):
    return (
        Assignment.objects.visible_to(request.auth)
        .select_related("enterprise", "department", "township")
        .get(enterprise_id=pk)
    )


@router.put("/enterprises/{int:pk}/assignment", response=AssignmentOut, tags=["assignments"])
def put_assignment(request, pk: int, payload: AssignmentIn):
    _require_manager(request.auth)
    enterprise = _enterprise(request.auth, pk)
    units = {
        u.code: u for u in Unit.objects.filter(code__in=[payload.department, payload.township])
    }
    for key in ("department", "township"):
        code = getattr(payload, key)
        if code and code not in units:
            raise ValidationError({key: f"单位编码 {code} 不存在"})
    users = list(User.objects.filter(username__in=payload.commissioners))
    missing = set(payload.commissioners) - {u.username for u in users}
    if missing:
        raise ValidationError({"commissioners": "用户不存在：" + "、".join(sorted(missing))})
    return services.set_assignment(
        request.auth,
        enterprise,
        leader_name=payload.leader_name,
        leader_title=payload.leader_title,
        leader_phone=payload.leader_phone,
        department=units.get(payload.department),
        township=units.get(payload.township),
        commissioners=users,
    )


@router.get("/visits", response=list[VisitOut], tags=["visits"])
@paginate(Pagination)
def list_visits(request, enterprise_id: int | None = None):
    qs = Visit.objects.visible_to(request.auth).select_related("commissioner")
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    return qs


@router.post("/visits", response={201: VisitOut}, tags=["visits"])
def create_visit(request, payload: VisitIn):
    enterprise = _enterprise(request.auth, payload.enterprise_id)
    return Status(
        201,
        services.log_visit(
            request.auth,
            enterprise,
            visited_on=payload.visited_on,
            observations=payload.observations,
            problems=payload.problems,
        ),
    )
