"""Returning workers' charter buses (包车) and commuter lines (定制公交), with the closed-loop
rule: a bubble enterprise's bus goes only between its site and its lodging — a charter bus
carrying its workers carries no one else's and ends at its lodging; a commuter line it rides
serves it alone, with its site and its lodging as the only stops."""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.models import Region, User
from fugong.core.permissions import person
from fugong.core.services import announce, audit, record_step
from fugong.registry import closed_loop
from fugong.registry.models import Enterprise, enterprise_id_of
from fugong.registry.services import region_in_scope

from .hiring import text, whole
from .models import Bubble, CharterBus, CommuterLine, SeatBooking, TravelDemand

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def bubble_of(enterprise: Enterprise, day: date | None = None) -> Bubble | None:
    """The enterprise's site and lodging when it runs a closed loop on `day`; ValidationError
    when it does but has not said where they are, or when the status is not connected."""
    status = closed_loop.is_closed_loop(enterprise.pk, day or timezone.localdate())
    if status is None:
        raise ValidationError(_("闭环生产资格数据未接入，无法核对闭环规则"))
    if not status:
        return None
    bubble = Bubble.objects.filter(enterprise=enterprise).first()
    if bubble is None:
        raise ValidationError(_("闭环生产企业须先登记厂区和住宿点"))
    return bubble


@transaction.atomic
def save_bubble(user: User, enterprise: Enterprise, site: str, lodging: str) -> Bubble:
    if not (user.is_admin or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以登记闭环点位"))
    data = {"site": site, "lodging": lodging}
    site, lodging = text(data, "site", _("厂区"), 100), text(data, "lodging", _("住宿点"), 100)
    if site == lodging:
        raise ValidationError({"lodging": _("住宿点应与厂区不同")})
    bubble, _created = Bubble.objects.update_or_create(
        enterprise=enterprise, defaults={"site": site, "lodging": lodging}
    )
    audit(user, "update", bubble)
    return bubble


# --- charter buses for returning workers -------------------------------------------------


@transaction.atomic
def request_travel(user: User, enterprise: Enterprise, data: Mapping) -> TravelDemand:
    if not (user.is_admin or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以提出返岗需求"))
    travel_on = data.get("travel_on")
    if not isinstance(travel_on, date) or travel_on < timezone.localdate():
        raise ValidationError({"travel_on": _("返岗日期不能早于今天")})
    demand = TravelDemand.objects.create(
        enterprise=enterprise,
        origin=text(data, "origin", _("出发地"), 100),
        workers=whole(data, "workers", _("人数"), high=500),
        travel_on=travel_on,
    )
    audit(user, "create", demand)
    return demand


@transaction.atomic
def create_bus(user: User, data: Mapping) -> CharterBus:
    if not user.arranges_hiring:
        raise PermissionError(_("只有人社部门可以组织返岗包车"))
    region = data.get("region")
    if not isinstance(region, Region) or not region_in_scope(user, region):
        raise ValidationError({"region": _("组织区划不在您的管辖范围内")})
    departs_on = data.get("departs_on")
    if not isinstance(departs_on, date):
        raise ValidationError({"departs_on": _("请填写发车日期")})
    bus = CharterBus.objects.create(
        region=region,
        origin=text(data, "origin", _("出发地"), 100),
        destination=text(data, "destination", _("目的地"), 100),
        departs_on=departs_on,
        seats=whole(data, "seats", _("座位数"), high=80),
        plate=text(data, "plate", "", 10, required=False),
        created_by=person(user),
    )
    audit(user, "create", bus)
    return bus


def passengers(bus: CharterBus) -> int:
    return bus.demands.aggregate(n=Sum("workers"))["n"] or 0


@transaction.atomic
def board(user: User, bus: CharterBus, demand: TravelDemand) -> TravelDemand:
    """Put an enterprise's returning workers on a bus: same origin, seats left, and the
    closed-loop rule (a bubble's workers ride alone, to its lodging)."""
    if not user.arranges_hiring or not CharterBus.objects.visible_to(user).filter(pk=bus.pk):
        raise PermissionError(_("只有人社部门可以安排返岗包车"))
    bus = CharterBus.objects.select_for_update().get(pk=bus.pk)
    if not TravelDemand.objects.visible_to(user).filter(pk=demand.pk, bus=None).exists():
        raise ValidationError({"demand": _("该返岗需求不存在或已安排车辆")})
    if demand.origin != bus.origin:
        raise ValidationError({"demand": _("出发地不同：包车点对点运送")})
    if passengers(bus) + demand.workers > bus.seats:
        raise ValidationError(
            {"demand": _("座位不足：剩余 %(n)d 座") % {"n": bus.seats - passengers(bus)}}
        )
    riders = set(bus.demands.values_list("enterprise_id", flat=True)) | {demand.enterprise_id}
    for enterprise in Enterprise.objects.filter(pk__in=riders):
        bubble = bubble_of(enterprise, bus.departs_on)
        if bubble is None:
            continue
        if len(riders) > 1:
            raise ValidationError(
                {
                    "demand": _("闭环规则：%(e)s 的员工须单独乘车，不能与其他企业混乘")
                    % {"e": enterprise.name}
                }
            )
        if bus.destination != bubble.lodging:
            raise ValidationError(
                {
                    "demand": _("闭环规则：%(e)s 的包车只能到达其住宿点（%(l)s）")
                    % {"e": enterprise.name, "l": bubble.lodging}
                }
            )
    TravelDemand.objects.filter(pk=demand.pk).update(bus=bus)
    demand.refresh_from_db()
    record_step(bus, "board", user, comment=f"{demand.enterprise} {demand.workers}")
    announce(
        demand.enterprise.active_users(),
        kind="workforce",
        title=_("返岗包车：%(d)s %(o)s→%(t)s，%(n)d 人")
        % {"d": bus.departs_on, "o": bus.origin, "t": bus.destination, "n": demand.workers},
        url=f"/workforce/buses/{bus.pk}/",
    )
    return demand


@transaction.atomic
def pay_subsidy(user: User, demand: TravelDemand, amount: object) -> TravelDemand:
    if not user.arranges_hiring or not TravelDemand.objects.visible_to(user).filter(pk=demand.pk):
        raise PermissionError(_("只有人社部门可以登记包车补贴"))
    if demand.bus_id is None:
        raise ValidationError({"subsidy": _("尚未安排车辆的需求不能发放补贴")})
    try:
        value = parse_decimal(amount, low=0, high=10**6)
    except BadInput as exc:
        raise ValidationError({"subsidy": _("补贴金额%(e)s") % {"e": exc}}) from exc
    if value is None:
        raise ValidationError({"subsidy": _("请填写补贴金额（元）")})
    TravelDemand.objects.filter(pk=demand.pk).update(subsidy=value.quantize(Decimal("0.01")))
    demand.refresh_from_db()
    audit(user, "update", demand, detail={"subsidy": str(demand.subsidy)})
    return demand


def subsidies_by_enterprise(user: User) -> list[dict]:
    rows = (
        TravelDemand.objects.visible_to(user)
        .exclude(bus=None)
        .values("enterprise__name")
        .annotate(workers=Sum("workers"), subsidy=Sum("subsidy"))
        .order_by("enterprise__name")
    )
    return [
        {
            "enterprise": r["enterprise__name"],
            "workers": r["workers"],
            "subsidy": Decimal(str(r["subsidy"] or 0)).quantize(Decimal("0.01")),
        }
        for r in rows
    ]


# --- commuter lines -----------------------------------------------------------------------


def clean_list(values: Iterable[str] | str, label: str, key: str) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[；;，,、\n]+", values)
    items = [str(v).strip()[:50] for v in values if str(v).strip()]
    if not items:
        raise ValidationError({key: _("请填写%(l)s") % {"l": label}})
    return items


def check_bubble_line(stops: list[str], served: list[Enterprise]) -> None:
    """The closed-loop rule on a line: a bubble enterprise's line serves it alone and stops
    only at its site and its lodging."""
    for enterprise in served:
        bubble = bubble_of(enterprise)
        if bubble is None:
            continue
        if len(served) > 1:
            raise ValidationError(
                {
                    "enterprises": _("闭环规则：%(e)s 的线路不能同时服务其他企业")
                    % {"e": enterprise.name}
                }
            )
        if sorted(stops) != sorted([bubble.site, bubble.lodging]):
            raise ValidationError(
                {
                    "stops": _("闭环规则：线路只能往返于厂区（%(s)s）和住宿点（%(l)s）")
                    % {"s": bubble.site, "l": bubble.lodging}
                }
            )


@transaction.atomic
def create_line(user: User, data: Mapping) -> CommuterLine:
    if not user.arranges_commutes:
        raise PermissionError(_("只有交通运输部门可以开设定制公交线路"))
    region = data.get("region")
    if not isinstance(region, Region) or not region_in_scope(user, region):
        raise ValidationError({"region": _("区划不在您的管辖范围内")})
    stops = clean_list(data.get("stops") or "", _("站点"), "stops")
    if len(stops) < 2:
        raise ValidationError({"stops": _("线路至少两个站点")})
    departures = clean_list(data.get("departures") or "", _("发车时间"), "departures")
    bad = [d for d in departures if not TIME.match(d)]
    if bad:
        raise ValidationError(
            {"departures": _("发车时间应为 HH:MM：%(t)s") % {"t": "、".join(bad)}}
        )
    codes = clean_list(data.get("enterprises") or "", _("服务企业"), "enterprises")
    served = list(Enterprise.objects.visible_to(user).filter(uscc__in=[c.upper() for c in codes]))
    if len(served) != len(set(codes)):
        raise ValidationError({"enterprises": _("服务企业须为您辖区内企业的统一社会信用代码")})
    check_bubble_line(stops, served)
    line = CommuterLine.objects.create(
        region=region,
        name=text(data, "name", _("线路名称"), 100),
        stops=stops,
        departures=sorted(set(departures)),
        capacity=whole(data, "capacity", _("每班座位数"), high=80),
    )
    line.enterprises.set(served)
    audit(user, "create", line, detail={"enterprises": len(served)})
    for enterprise in served:
        announce(
            enterprise.active_users(),
            kind="workforce",
            title=_("定制公交开通：%(n)s") % {"n": line.name},
            body="→".join(stops),
            url=f"/workforce/lines/{line.pk}/",
        )
    return line


def booked(line: CommuterLine, day: date, departure: str) -> int:
    return line.bookings.filter(day=day, departure=departure).aggregate(n=Sum("seats"))["n"] or 0


@transaction.atomic
def book(user: User, line: CommuterLine, enterprise: Enterprise, data: Mapping) -> SeatBooking:
    """The enterprise books seats for its staff on a run of a line that serves it, within
    the run's capacity; a bubble enterprise only on its own site–lodging line."""
    if not (user.is_admin or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以预约座位"))
    line = CommuterLine.objects.select_for_update().get(pk=line.pk)
    served = list(line.enterprises.all())
    if enterprise not in served:
        raise ValidationError({"line": _("该线路不服务本企业")})
    day = data.get("day")
    if not isinstance(day, date) or day < timezone.localdate():
        raise ValidationError({"day": _("乘车日期不能早于今天")})
    departure = str(data.get("departure") or "")
    if departure not in line.departures:
        raise ValidationError({"departure": _("请选择线路的发车班次")})
    seats = whole(data, "seats", _("座位数"), high=line.capacity)
    left = line.capacity - booked(line, day, departure)
    if seats > left:
        raise ValidationError({"seats": _("该班次剩余 %(n)d 座") % {"n": left}})
    check_bubble_line(line.stops, served)  # the rule holds on the day of riding, too
    booking = SeatBooking.objects.create(
        line=line,
        enterprise=enterprise,
        day=day,
        departure=departure,
        seats=seats,
        booked_by=person(user),
    )
    audit(user, "create", booking)
    return booking


def export_bookings(user: User, qs: QuerySet) -> bytes:
    rows = [
        [b.line.name, b.enterprise.name, b.day, b.departure, b.seats]
        for b in qs.select_related("line", "enterprise")[:50000]
    ]
    audit(user, "export", target_type="workforce.seatbooking", detail={"rows": len(rows)})
    return write_xlsx("定制公交预约", ["线路", "企业名称", "乘车日期", "班次", "座位数"], rows)
