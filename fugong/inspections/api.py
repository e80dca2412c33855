from datetime import date, datetime

from django.urls import reverse
from ninja import File, Router, Schema, Status, UploadedFile

from fugong.core.models import Campaign, Region
from fugong.core.services import Conflict
from fugong.registry.api import EnterpriseOwnedOut

from . import figures as F
from . import plans, services
from .models import Inspection, InspectionPlan, ItemResult, Rectification

router = Router(tags=["inspections"])


class InspectionPlanOut(Schema):
    id: int
    name: str
    campaign_id: int
    region: str
    criteria: dict
    share: int | None
    seed: str
    due_on: date
    enterprises: int

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_enterprises(obj):
        return obj.inspections.count()


class InspectionTeamIn(Schema):
    name: str = ""
    members: list[int]


class InspectionPlanIn(Schema):
    campaign_id: int
    name: str
    region: str
    industry: str = ""
    scale: str = ""
    enterprise_list: str = ""
    share: int | None = None
    seed: str = ""
    due_on: date
    teams: list[InspectionTeamIn]


class InspectionItemOut(Schema):
    key: str
    label: str
    outcome: str
    note: str
    serious: bool
    points: list[str]


class InspectionOut(EnterpriseOwnedOut):
    id: int
    plan_id: int
    team: str | None
    reinspection_of_id: int | None
    due_on: date
    state: str
    result: str
    serious: bool
    qualification_action: str
    inspected_at: datetime | None
    representative: str
    version: int
    items: list[InspectionItemOut]

    @staticmethod
    def resolve_team(obj):
        return obj.team.name if obj.team_id else None

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class InspectionAnswerIn(Schema):
    outcome: str
    note: str = ""
    serious: bool = False
    points: list[str] = []


class InspectionSubmitIn(Schema):
    version: int
    answers: dict[str, InspectionAnswerIn]
    representative: str
    acknowledged: bool
    summary: str = ""
    deadline: date | None = None
    qualification_action: str = ""
    client_key: str = ""


class RectificationOut(EnterpriseOwnedOut):
    id: int
    inspection_id: int
    key: str
    label: str
    problem: str
    deadline: date
    state: str
    response: str
    closed_by_id: int | None
    closed_on: date | None
    version: int


class RectificationReportIn(Schema):
    version: int
    response: str


class InspectionFigureRow(Schema):
    key: str
    label: str
    planned: int
    inspected: int
    covered: int
    passed: int
    open: int
    overdue: int
    coverage: float | None


class InspectionItemFigure(Schema):
    key: str
    label: str
    checked: int
    passed: int
    failed: int
    na: int
    fail_rate: float | None
    open: int
    overdue: int


class InspectionFiguresOut(Schema):
    totals: dict
    by_township: list[InspectionFigureRow]
    by_item: list[InspectionItemFigure]


@router.get("/inspection-plans", response=list[InspectionPlanOut])
def list_plans(request):
    return InspectionPlan.objects.visible_to(request.auth).select_related("region")[:500]


@router.post("/inspection-plans", response={201: InspectionPlanOut})
def create_plan(request, payload: InspectionPlanIn):
    """A plan: the enterprises of `region` matching the filters (a `share` in percent of each
    township's, drawn with `seed`), the teams by user ids."""
    if not plans.may_plan(request.auth):
        raise PermissionError("只有指挥部或街镇/园区可以制定检查计划")
    campaign = Campaign.objects.get(pk=payload.campaign_id)
    teams = [(t.name, t.members) for t in payload.teams]
    plan = plans.create_plan(
        request.auth,
        campaign,
        name=payload.name,
        region=Region.objects.filter(code=payload.region).first(),
        criteria={
            "industry": payload.industry,
            "scale": payload.scale,
            "list": payload.enterprise_list,
        },
        share=payload.share,
        seed=payload.seed,
        due_on=payload.due_on,
        teams=teams,
    )
    return Status(201, plan)


@router.get("/inspection-plans/{int:pk}", response=InspectionPlanOut)
def get_plan(request, pk: int):
    return InspectionPlan.objects.visible_to(request.auth).get(pk=pk)


@router.get("/inspection-plans/{int:pk}/figures", response=InspectionFiguresOut)
def plan_figures(request, pk: int):
    """Planned, inspected, passed, rectifications open and overdue by township and item."""
    plan = get_plan(request, pk)
    return F.figures(request.auth, plan=plan)


@router.get("/inspections", response=list[InspectionOut])
def list_inspections(request, plan: int | None = None, state: str = ""):
    qs = F.inspections_for(request.auth).select_related("enterprise", "team")
    if plan:
        qs = qs.filter(plan_id=plan)
    if state:
        qs = qs.filter(state=state)
    return qs.prefetch_related("items")[:500]


@router.get("/inspections/{int:pk}", response=InspectionOut)
def get_inspection(request, pk: int):
    return (
        Inspection.objects.visible_to(request.auth)
        .select_related("enterprise", "team", "plan__campaign")
        .get(pk=pk)
    )


@router.post("/inspections/{int:pk}/submit", response=InspectionOut)
def submit(request, pk: int, payload: InspectionSubmitIn):
    """The checklist as found; 409 when done already. Photos follow, item by item
    (`POST /inspections/{id}/items/{key}/photos`)."""
    inspection = get_inspection(request, pk)
    return services.submit_inspection(
        request.auth,
        inspection,
        payload.version,
        answers={k: a.dict() for k, a in payload.answers.items()},
        representative=payload.representative,
        acknowledged=payload.acknowledged,
        summary=payload.summary,
        deadline=payload.deadline,
        qualification_action=payload.qualification_action,
        client_key=payload.client_key,
    )


class PhotoOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj):
        return reverse("core:attachment", args=[obj.pk])


@router.post("/inspections/{int:pk}/items/{key}/photos", response={201: list[PhotoOut]})
def add_photos(request, pk: int, key: str, photos: File[list[UploadedFile]]):
    """Photos of one checklist item of a submitted inspection (multipart/form-data, one or
    more files in `photos`): by its inspector, team or a coordinating officer in scope. Each
    file is judged by its content (JPEG, PNG, GIF or WebP), re-encoded (metadata dropped) and
    stored under a generated name; a bad file is a 422 naming it, at most 9 per item."""
    inspection = Inspection.objects.visible_to(request.auth).get(pk=pk)
    if inspection.state != Inspection.State.DONE:
        raise Conflict("请先提交检查清单，再为检查项上传照片")
    item = ItemResult.objects.select_related("inspection__team").get(
        inspection=inspection, key=key[:40]
    )
    return Status(201, services.add_item_photos(request.auth, item, list(photos)))


@router.get("/rectifications", response=list[RectificationOut])
def list_rectifications(request, state: str = ""):
    qs = F.rectifications_for(request.auth).select_related("enterprise")
    if state:
        qs = qs.filter(state=state)
    return qs[:500]


@router.post("/rectifications/{int:pk}/report", response=RectificationOut)
def report(request, pk: int, payload: RectificationReportIn):
    rect = (
        Rectification.objects.visible_to(request.auth)
        .select_related("enterprise", "inspection__team")
        .get(pk=pk)
    )
    return services.report_rectification(request.auth, rect, payload.version, payload.response)
