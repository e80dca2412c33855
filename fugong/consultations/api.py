from datetime import datetime

from ninja import Router, Schema, Status

from fugong.core.inputs import BodyIn, IsoDateTime
from fugong.registry.api import EnterpriseOwnedOut

from . import services
from .models import Call

router = Router(tags=["consultations"])


class ConsultationLineOut(Schema):
    id: int
    name: str
    topic: str
    phone: str
    hours: str
    region: str
    active: bool

    @staticmethod
    def resolve_region(obj):
        return obj.region.code


class ConsultationCallOut(EnterpriseOwnedOut):
    id: int
    line_id: int
    line: str
    caller: str
    question: str
    answer: str
    needs_action: bool
    action: str
    work_order_id: int | None
    minutes: int | None
    taken_at: datetime

    @staticmethod
    def resolve_line(obj):
        return obj.line.name


class ConsultationCallIn(BodyIn):
    line_id: int
    enterprise: str  # USCC or exact name
    caller: str = ""
    question: str
    answer: str = ""
    minutes: int | None = None
    needs_action: bool = False
    action: str = ""
    taken_at: IsoDateTime | None = None


@router.get("/consultations/lines", response=list[ConsultationLineOut])
def list_lines(request):
    """The consultation lines with their numbers and hours (an enterprise: those serving it)."""
    return services.lines_for(request.auth)


@router.get("/consultations/calls", response=list[ConsultationCallOut])
def list_calls(request, line: int | None = None, needs_action: bool = False):
    params = {"line": line or "", "needs_action": "1" if needs_action else ""}
    return services.calls_for(request.auth, params)[:500]


@router.post("/consultations/calls", response={201: ConsultationCallOut})
def create_call(request, payload: ConsultationCallIn):
    """Log a call against an enterprise; with needs_action, `action` becomes a work order
    (its id in work_order_id)."""
    data = payload.dict()
    data["line"] = services.lines_for(request.auth).filter(pk=data.pop("line_id")).first()
    return Status(201, services.log_call(request.auth, data))


@router.get("/consultations/calls/{int:pk}", response=ConsultationCallOut)
def get_call(request, pk: int):
    return Call.objects.visible_to(request.auth).select_related("line", "enterprise").get(pk=pk)
