from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from .models import Region, Unit

router = Router()


class Pagination(LimitOffsetPagination):
    """limit/offset paging with bounds (a limit of 10^35 is a 422, not a database overflow);
    a page holds FUGONG_PAGE_SIZE items unless `limit` says otherwise, as on the list pages."""

    class Input(Schema):
        limit: int = Field(settings.PAGE_SIZE, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10**9)


class Rejected(Exception):
    """A request rejected as a whole, with a list of itemised errors (answered 422)."""

    def __init__(self, detail, errors):
        super().__init__(detail)
        self.errors = errors


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None

    @staticmethod
    def resolve_parent_code(obj):
        return obj.path.strip("/").split("/")[-2] if obj.parent_id else None


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    sector: str
    region_code: str
    parent_code: str | None
    phone: str

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None


class MeOut(Schema):
    username: str
    name: str
    role: str
    unit_code: str | None

    @staticmethod
    def resolve_unit_code(obj):
        return obj.unit.code if obj.unit_id else None


@router.get("/ping", tags=["meta"], summary="Authenticated no-op (the benchmarks' baseline)")
def ping(request):
    return {"ok": True}


@router.get("/me", response=MeOut, tags=["meta"])
def me(request):
    return request.auth


@router.get("/regions", response=list[RegionOut], tags=["regions"])
@paginate(Pagination)
def list_regions(request, parent: str | None = None, level: str | None = None):
    qs = Region.objects.all()
    if parent:
        qs = qs.filter(parent__code=parent)
    if level:
        qs = qs.filter(level=level)
    return qs


@router.get("/regions/{code}", response=RegionOut, tags=["regions"])
def get_region(request, code: str):
    return get_object_or_404(Region, code=code)


@router.get("/units", response=list[UnitOut], tags=["units"])
@paginate(Pagination)
def list_units(request, region: str | None = None, kind: str | None = None):
    qs = Unit.objects.select_related("region", "parent")
    if region:
        r = get_object_or_404(Region, code=region)
        qs = qs.filter(r.subtree_q())
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.get("/units/{code}", response=UnitOut, tags=["units"])
def get_unit(request, code: str):
    return get_object_or_404(Unit.objects.select_related("region", "parent"), code=code)
