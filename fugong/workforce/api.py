from ninja import Router, Schema, Status

from fugong.core.inputs import BodyIn, IsoDate
from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise, enterprise_id_of

from . import commutes, hiring
from .models import CommuterLine, Vacancy

router = Router(tags=["workforce"])


class VacancyOut(EnterpriseOwnedOut):
    id: int
    post: str
    number: int
    matched: int
    pay: str
    place: str
    lodging: bool
    state: str

    @staticmethod
    def resolve_matched(obj):
        return getattr(obj, "matched", None) or 0


class VacancyIn(BodyIn):
    post: str
    number: int
    pay: str
    place: str
    lodging: bool = False


class VacancyMatchIn(BodyIn):
    kind: str
    workers: int
    from_enterprise: str = ""
    note: str = ""


class WorkerShortageOut(Schema):
    group: str
    vacancies: int
    needed: int
    matched: int
    short: int


class CommuterLineOut(Schema):
    id: int
    name: str
    stops: list[str]
    departures: list[str]
    capacity: int


class SeatBookingIn(BodyIn):
    day: IsoDate
    departure: str
    seats: int


def _own(request) -> Enterprise:
    enterprise_id = enterprise_id_of(request.auth)
    if not enterprise_id:
        raise PermissionError("只有企业账号可以办理")
    return Enterprise.objects.select_related("region").get(pk=enterprise_id)


@router.get("/workforce/vacancies", response=list[VacancyOut])
def list_vacancies(request, state: str = ""):
    return hiring.vacancies_for(request.auth, {"state": state})[:500]


@router.post("/workforce/vacancies", response={201: VacancyOut})
def create_vacancy(request, payload: VacancyIn):
    return Status(201, hiring.post_vacancy(request.auth, _own(request), payload.dict()))


@router.post("/workforce/vacancies/{int:pk}/matches", response={201: dict})
def create_match(request, pk: int, payload: VacancyMatchIn):
    """The human-resources department records workers found (local, transfer, returning)."""
    vacancy = Vacancy.objects.visible_to(request.auth).get(pk=pk)
    found = hiring.record_match(request.auth, vacancy, payload.dict())
    return Status(201, {"id": found.pk, "workers": found.workers, "kind": found.kind})


@router.get("/workforce/shortage", response=list[WorkerShortageOut])
def shortage(request, by: str = "industry"):
    """Open vacancies' workers needed, matched and short, by industry section or county."""
    return hiring.shortage(request.auth, by)


@router.get("/workforce/lines", response=list[CommuterLineOut])
def list_lines(request):
    return CommuterLine.objects.visible_to(request.auth)


@router.post("/workforce/lines/{int:pk}/bookings", response={201: dict})
def book_seats(request, pk: int, payload: SeatBookingIn):
    """An enterprise books seats on a run; the closed-loop rule and capacity hold."""
    line = CommuterLine.objects.visible_to(request.auth).get(pk=pk)
    booking = commutes.book(request.auth, line, _own(request), payload.dict())
    return Status(201, {"id": booking.pk, "seats": booking.seats})
