from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from fugong.core.api import Pagination, Rejected
from fugong.core.inputs import BodyIn, FiniteFloat, IsoDate
from fugong.core.models import Region
from fugong.registry.api import EnterpriseOut
from fugong.registry.models import Enterprise

from . import confirmation, services, stats, windows
from .completeness import completeness as completeness_figures
from .models import DailyReport
from .shares import resumption_with_shares

router = Router(tags=["reports"])


class ReportIn(BodyIn):
    uscc: str
    date: IsoDate
    status: str
    mode: str = "normal"
    staff_on_duty: int | None = None
    staff_total: int | None = None
    output: FiniteFloat | None = None
    output_unit: str = "万元"
    capacity_utilisation: FiniteFloat | None = None
    material_days: int | None = None
    masks_needed: int = 0
    disinfectant_needed: FiniteFloat = 0
    thermometers_needed: int = 0
    workers_short: int = 0
    funding_needed: FiniteFloat = 0
    difficulties: str = ""
    extra: dict = {}


class ReportOut(Schema):
    id: int
    uscc: str
    enterprise_id: int
    date: date
    status: str
    mode: str
    staff_on_duty: int
    staff_total: int
    output: float | None
    capacity_utilisation: float | None
    material_days: int | None
    difficulties: str
    extra: dict
    channel: str
    version: int
    submitted_by: str | None
    arrived_at: datetime | None
    on_time: bool | None
    confirmed_at: datetime | None

    @staticmethod
    def resolve_uscc(obj):
        return obj.enterprise.uscc

    @staticmethod
    def resolve_submitted_by(obj):
        return obj.submitted_by.username if obj.submitted_by_id else None


class BatchIn(BodyIn):
    reports: list[ReportIn]


class StatsIn(Schema):
    region: str = ""
    date: str = ""
    campaign: str = ""
    list: str = ""
    industry: str = ""
    scale: str = ""
    confirmed: bool = False


def _submit(user, item: ReportIn):
    enterprise = (
        Enterprise.objects.visible_to(user)
        .select_related("region")
        .get(uscc=item.uscc.strip().upper())
    )
    return services.submit_report(user, enterprise, item.date, item.dict(), channel="api")


@router.post("/reports", response={201: ReportOut})
def submit(request, payload: ReportIn):
    return Status(201, _submit(request.auth, payload))


@router.post("/reports/batch", response={201: list[ReportOut]})
def submit_batch(request, payload: BatchIn):
    """All or nothing: any bad report rejects the batch with every error by index."""
    errors, saved = [], []
    with transaction.atomic():
        for i, item in enumerate(payload.reports):
            try:
                with transaction.atomic():
                    saved.append(_submit(request.auth, item))
            except ValidationError as exc:
                errors.append({"index": i, "uscc": item.uscc, "fields": exc.message_dict})
            except Enterprise.DoesNotExist:
                errors.append(
                    {
                        "index": i,
                        "uscc": item.uscc,
                        "fields": {"uscc": ["企业不存在或不在您的权限范围内"]},
                    }
                )
        if errors:
            raise Rejected("批量日报有错误，未保存任何数据", errors)
    return Status(201, saved)


@router.get("/reports", response=list[ReportOut])
@paginate(Pagination)
def list_reports(request, enterprise_id: int | None = None, date: IsoDate | None = None):
    qs = DailyReport.objects.visible_to(request.auth).select_related("enterprise", "submitted_by")
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    if date:
        qs = qs.filter(date=date)
    return qs


class ReopenIn(BodyIn):
    uscc: str
    date: IsoDate
    reason: str


class ReopeningOut(Schema):
    id: int
    enterprise_id: int
    day: date
    reason: str
    reopened_at: datetime
    open_until: datetime


@router.post("/reports/reopen", response={201: ReopeningOut})
def reopen(request, payload: ReopenIn):
    """A command centre reopens one enterprise's locked day (with a reason, audited)."""
    enterprise = Enterprise.objects.visible_to(request.auth).get(uscc=payload.uscc.strip().upper())
    campaign = services.campaign_for(enterprise, payload.date)
    if campaign is None:
        raise ValidationError({"date": "该日期不在任何应急事件期间"})
    return Status(
        201,
        windows.reopen_day(request.auth, campaign, enterprise, payload.date, payload.reason),
    )


@router.get("/stats/completeness", tags=["stats"])
def completeness(request, params: Query[StatsIn]):
    """Completeness of one data day in the caller's scope: expected, reported, on time, late,
    confirmed and the rates (see DESIGN: semantics)."""
    q = stats.StatsQuery.parse(request.auth, params.dict())
    return completeness_figures(request.auth, q)


@router.get("/stats/resumption", tags=["stats"])
def resumption(request, params: Query[StatsIn], by: str = ""):
    """Resumption statistics for a region subtree and day (see DESIGN: semantics)."""
    q = stats.StatsQuery.parse(request.auth, params.dict())
    return resumption_with_shares(request.auth, q, by=by or None)


@router.get("/stats/resumption/series", tags=["stats"])
def resumption_series(request, params: Query[StatsIn], start: IsoDate, end: IsoDate | None = None):
    q = stats.StatsQuery.parse(request.auth, params.dict())
    return stats.series(request.auth, q, start, end or q.day)


@router.get("/stats/resumption/enterprises", response=list[EnterpriseOut], tags=["stats"])
@paginate(Pagination)
def resumption_enterprises(request, params: Query[StatsIn], figure: str = "enterprises"):
    """The enterprises behind one figure (drill-down)."""
    q = stats.StatsQuery.parse(request.auth, params.dict())
    return stats.drill_down(request.auth, q, figure)


class ConfirmIn(BodyIn):
    date: IsoDate
    campaign: int | None = None
    report_ids: list[int] | None = None


class ConfirmedOut(Schema):
    confirmed: int


class CorrectionIn(BodyIn):
    reason: str
    status: str | None = None
    mode: str | None = None
    staff_on_duty: int | None = None
    staff_total: int | None = None
    output: FiniteFloat | None = None
    capacity_utilisation: FiniteFloat | None = None
    material_days: int | None = None


class TownshipIn(BodyIn):
    date: IsoDate
    region: str
    campaign: int | None = None


class TownshipConfirmationOut(Schema):
    region: str
    day: date
    confirmed_at: datetime

    @staticmethod
    def resolve_region(obj):
        return obj.region.code


def _campaign_of(user, day, campaign_id):
    params = {"date": day.isoformat(), "campaign": str(campaign_id or "")}
    return stats.StatsQuery.parse(user, params).campaign


@router.post("/reports/confirm", response=ConfirmedOut)
def confirm(request, payload: ConfirmIn):
    """A township confirms the day's reports in its scope (all unconfirmed, or `report_ids`)."""
    campaign = _campaign_of(request.auth, payload.date, payload.campaign)
    n = confirmation.confirm_reports(request.auth, campaign, payload.date, payload.report_ids)
    return {"confirmed": n}


@router.post("/reports/{int:pk}/correct", response=ReportOut)
def correct(request, pk: int, payload: CorrectionIn):
    """Correct a report's figures while confirming it (before/after/who are recorded)."""
    report = DailyReport.objects.visible_to(request.auth).get(pk=pk)
    changes = payload.dict(exclude_none=True)
    reason = changes.pop("reason")
    return confirmation.correct_report(request.auth, report, changes, reason)


@router.post("/reports/confirm-township", response=TownshipConfirmationOut)
def confirm_township(request, payload: TownshipIn):
    """The county confirms one township's day once all its reports are confirmed."""
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise ValidationError({"region": "行政区划代码不存在"})
    campaign = _campaign_of(request.auth, payload.date, payload.campaign)
    return confirmation.confirm_township(request.auth, campaign, payload.date, region)
