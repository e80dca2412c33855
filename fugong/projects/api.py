from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema, Status

from fugong.core.inputs import IsoDate
from fugong.core.models import Unit
from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise

from . import chains, reports, services
from .models import CoordinationRequest, LinkIssue, Project, SupplyLink

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    name: str
    investor_uscc: str
    investor_name: str
    region: str
    investment: Decimal
    planned_start: date
    stage: str
    project_list: str
    status: str  # as of the day asked (today by default): the latest project report's
    status_on: date | None
    workers_on_site: int | None
    problems: int
    solved: int

    @staticmethod
    def resolve_investor_uscc(obj):
        return obj.investor.uscc

    @staticmethod
    def resolve_investor_name(obj):
        return obj.investor.name

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_status(obj):
        return getattr(obj, "status_as_of", obj.status)

    @staticmethod
    def resolve_status_on(obj):
        return getattr(obj, "status_date", obj.status_on)

    @staticmethod
    def resolve_workers_on_site(obj):
        return getattr(obj, "workers_as_of", None)

    @staticmethod
    def resolve_problems(obj):
        return getattr(obj, "problem_count", None) or obj.problems.count()

    @staticmethod
    def resolve_solved(obj):
        return getattr(obj, "solved_count", None) or obj.problems.filter(state="solved").count()


class ProjectIn(Schema):
    name: str
    investor: str  # the investor's USCC
    region: str
    investment: Decimal
    planned_start: date
    stage: str
    project_list: str = ""


class ProjectListFigure(Schema):
    list: str
    projects: int
    going: int
    investment: Decimal
    problems: int
    solved: int


class ProjectReportIn(Schema):
    status: str
    workers_on_site: int
    problems: str = ""
    date: IsoDate | None = None  # by default the data day due now


class ProjectReportOut(Schema):
    id: int
    project_id: int
    date: date
    status: str
    workers_on_site: int
    problems: str
    problem_id: int | None
    arrived_at: datetime
    on_time: bool
    version: int


class ProjectProblemIn(Schema):
    text: str


class ProjectProblemOut(Schema):
    id: int
    project_id: int
    text: str
    state: str
    order_id: int | None
    solution: str
    created_at: datetime


class SupplyLinkIn(Schema):
    direction: str
    goods: str
    partner_uscc: str = ""
    partner_name: str = ""
    partner_city: str = ""


class SupplyLinkOut(EnterpriseOwnedOut):
    id: int
    direction: str
    partner: str
    goods: str
    state: str
    version: int

    @staticmethod
    def resolve_partner(obj):
        return obj.partner_label


class LinkBlockIn(Schema):
    version: int
    text: str
    unit_id: int | None = None
    city: str = ""
    centre: str = ""
    request: str = ""


class CoordinationOut(Schema):
    id: int
    city: str
    centre: str
    request: str
    state: str
    answer: str
    answered_by: str
    version: int


class LinkIssueOut(EnterpriseOwnedOut):
    id: int
    link_id: int
    text: str
    unit: str
    state: str
    resolution: str
    version: int
    requests: list[CoordinationOut]

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name

    @staticmethod
    def resolve_requests(obj):
        return list(obj.requests.all())


class CoordinationAnswerIn(Schema):
    version: int
    answer: str
    answered_by: str = ""


@router.get("/projects", response=list[ProjectOut])
def list_projects(
    request, project_list: str = "", stage: str = "", status: str = "", date: IsoDate | None = None
):
    """The projects in scope with their status as of `date` (today by default)."""
    params = {"project_list": project_list, "stage": stage, "status": status}
    return services.projects_for(request.auth, params, date)[:500]


@router.get("/projects/figures", response=list[ProjectListFigure])
def project_figures(request, project_list: str = "", date: IsoDate | None = None):
    """Per list, as of `date`: projects, started or resumed, investment (万元), problems raised
    and solved (their work order resolved or closed)."""
    return services.figures(request.auth, {"project_list": project_list}, date)


@router.post("/projects", response={201: ProjectOut})
def create_project(request, payload: ProjectIn):
    return Status(201, services.create_project(request.auth, payload.dict()))


@router.get("/projects/{int:pk}", response=ProjectOut)
def get_project(request, pk: int):
    return (
        Project.objects.visible_to(request.auth)
        .select_related("investor", "region")
        .as_of(timezone.localdate())
        .get(pk=pk)
    )


@router.post("/projects/{int:pk}/reports", response={201: ProjectReportOut})
def submit_report(request, pk: int, payload: ProjectReportIn):
    """The project's daily report (where its campaign asks for it): by the investor's account
    or a coordinating officer; problems written in it become a work order."""
    return Status(
        201, reports.submit_report(request.auth, get_project(request, pk), payload.dict())
    )


@router.get("/projects/{int:pk}/reports", response=list[ProjectReportOut])
def list_reports(request, pk: int):
    return get_project(request, pk).reports.all()[:200]


@router.post("/projects/{int:pk}/problems", response={201: ProjectProblemOut})
def raise_problem(request, pk: int, payload: ProjectProblemIn):
    """A problem raised against the project; it becomes a work order (`order_id`)."""
    return Status(201, services.raise_problem(request.auth, get_project(request, pk), payload.text))


@router.get("/supply-links", response=list[SupplyLinkOut])
def list_links(request, state: str = ""):
    qs = SupplyLink.objects.visible_to(request.auth).select_related("enterprise", "partner")
    return (qs.filter(state=state) if state else qs)[:500]


@router.post("/enterprises/{int:pk}/supply-links", response={201: SupplyLinkOut})
def add_link(request, pk: int, payload: SupplyLinkIn):
    enterprise = Enterprise.objects.visible_to(request.auth).get(pk=pk)
    return Status(201, chains.add_link(request.auth, enterprise, payload.dict()))


@router.post("/supply-links/{int:pk}/block", response={201: LinkIssueOut})
def block(request, pk: int, payload: LinkBlockIn):
    """The link is blocked: an issue routed to `unit_id` (by default the unit that can act),
    with a coordination request to another city's command centre when `city` is given."""
    link = SupplyLink.objects.visible_to(request.auth).select_related("enterprise").get(pk=pk)
    unit = Unit.objects.get(pk=payload.unit_id) if payload.unit_id else None
    issue = chains.block_link(
        request.auth,
        link,
        payload.version,
        payload.text,
        unit,
        city=payload.city,
        centre=payload.centre,
        request=payload.request,
    )
    return Status(201, issue)


@router.get("/link-issues", response=list[LinkIssueOut])
def list_issues(request, state: str = ""):
    qs = LinkIssue.objects.visible_to(request.auth).select_related("enterprise", "unit")
    return (qs.filter(state=state) if state else qs).prefetch_related("requests")[:500]


@router.post("/coordination-requests/{int:pk}/answer", response=CoordinationOut)
def answer(request, pk: int, payload: CoordinationAnswerIn):
    """The other city's answer to a coordination request, as received."""
    asked = CoordinationRequest.objects.filter(
        issue__in=LinkIssue.objects.visible_to(request.auth)
    ).get(pk=pk)
    return chains.record_answer(
        request.auth, asked, payload.version, payload.answer, payload.answered_by
    )
