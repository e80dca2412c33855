"""Workers and commute pages: the enterprise's phone (its vacancies, returning workers, the
lines serving it, its bubble's site and lodging), the human-resources desk (vacancies,
shortage, matches, charter buses), the transport desk (commuter lines and bookings)."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.forms import add_service_errors
from fugong.core.inputs import parse_int_or_zero
from fugong.core.permissions import scoped
from fugong.core.views import SERVICE_ERRORS, listing, service_error_text, xlsx_response
from fugong.registry.models import own_enterprise
from fugong.registry.services import scope_regions

from . import commutes, hiring
from .forms import (
    BookingForm,
    BubbleForm,
    BusForm,
    LineForm,
    MatchForm,
    TravelForm,
    VacancyForm,
)
from .models import Bubble, CharterBus, CommuterLine, SeatBooking, TravelDemand, Vacancy


def _sees(user) -> bool:
    return user.is_government or own_enterprise(user) is not None


def _run(request, call: Callable, done: str) -> bool:
    """Run a service step from a POST; its refusal becomes a message."""
    try:
        call()
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
        return False
    messages.success(request, done)
    return True


@login_required
def index(request):
    user = request.user
    if not _sees(user):
        raise PermissionDenied
    enterprise = own_enterprise(user)
    context = {"enterprise": enterprise, "states": Vacancy.State.choices}
    if enterprise is not None:
        context.update(
            demands=TravelDemand.objects.filter(enterprise=enterprise).select_related("bus"),
            lines=CommuterLine.objects.visible_to(user),
            bubble=Bubble.objects.filter(enterprise=enterprise).first(),
        )
    else:
        context.update(
            by_industry=hiring.shortage(user, "industry"),
            by_region=hiring.shortage(user, "region"),
        )
    return listing(
        request,
        hiring.vacancies_for(user, request.GET),
        "workforce/index.html",
        export=hiring.export_vacancies,
        filename="vacancies",
        **context,
    )


def _enterprise_form(request, form_class, save: Callable, template: str, done: str):
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(enterprise, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("workforce:index")
    return render(request, template, {"form": form})


@login_required
def new_vacancy(request):
    return _enterprise_form(
        request,
        VacancyForm,
        lambda enterprise, data: hiring.post_vacancy(request.user, enterprise, data),
        "workforce/form.html",
        _("用工需求已发布，人社部门将帮助对接"),
    )


@login_required
def new_travel(request):
    return _enterprise_form(
        request,
        TravelForm,
        lambda enterprise, data: commutes.request_travel(request.user, enterprise, data),
        "workforce/form.html",
        _("返岗需求已提交"),
    )


@login_required
def bubble(request):
    return _enterprise_form(
        request,
        BubbleForm,
        lambda enterprise, data: commutes.save_bubble(
            request.user, enterprise, data["site"], data["lodging"]
        ),
        "workforce/form.html",
        _("闭环点位已保存"),
    )


@login_required
@scoped(Vacancy, related=("enterprise__region",))
def vacancy(request, vacancy):
    return render(
        request,
        "workforce/vacancy.html",
        {
            "vacancy": vacancy,
            "matches": vacancy.matches.select_related("from_enterprise"),
            "matched": hiring.matched(vacancy),
            "form": MatchForm() if request.user.arranges_hiring else None,
        },
    )


@login_required
@scoped(Vacancy)
def match(request, vacancy):
    if request.method == "POST":
        _run(
            request,
            lambda: hiring.record_match(request.user, vacancy, request.POST),
            _("已登记用工对接"),
        )
    return redirect("workforce:vacancy", pk=vacancy.pk)


@login_required
def buses(request):
    user = request.user
    if not user.is_government:
        raise PermissionDenied
    form = BusForm(request.POST or None, regions=scope_regions(user))
    if request.method == "POST" and form.is_valid():
        try:
            made = commutes.create_bus(user, form.cleaned_data)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            return redirect("workforce:bus", pk=made.pk)
    return render(
        request,
        "workforce/buses.html",
        {
            "buses": CharterBus.objects.visible_to(user)[:200],
            "waiting": TravelDemand.objects.visible_to(user).filter(bus=None)[:200],
            "subsidies": commutes.subsidies_by_enterprise(user),
            "form": form if user.arranges_hiring else None,
        },
    )


@login_required
@scoped(CharterBus)
def bus(request, bus):
    user = request.user
    if request.method == "POST":
        demand = (
            TravelDemand.objects.visible_to(user)
            .filter(pk=parse_int_or_zero(request.POST.get("demand")))
            .first()
        )
        if demand is None:
            messages.error(request, _("请选择返岗需求"))
        elif request.POST.get("do") == "subsidy":
            _run(request, lambda: commutes.pay_subsidy(user, demand, request.POST.get("subsidy")),
                 _("已登记包车补贴"))  # fmt: skip
        else:
            _run(request, lambda: commutes.board(user, bus, demand), _("已安排乘车"))
        return redirect("workforce:bus", pk=bus.pk)
    demands = TravelDemand.objects.visible_to(user).filter(bus=bus).select_related("enterprise")
    return render(
        request,
        "workforce/bus.html",
        {
            "bus": bus,
            "demands": demands,
            "passengers": commutes.passengers(bus),
            "waiting": TravelDemand.objects.visible_to(user).filter(bus=None, origin=bus.origin)
            if user.arranges_hiring
            else (),
        },
    )


@login_required
def lines(request):
    user = request.user
    if not _sees(user):
        raise PermissionDenied
    form = LineForm(request.POST or None, regions=scope_regions(user))
    if request.method == "POST" and form.is_valid():
        try:
            made = commutes.create_line(user, form.cleaned_data)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            return redirect("workforce:line", pk=made.pk)
    return render(
        request,
        "workforce/lines.html",
        {
            "lines": CommuterLine.objects.visible_to(user).prefetch_related("enterprises"),
            "form": form if user.arranges_commutes else None,
        },
    )


@login_required
@scoped(CommuterLine)
def line(request, line):
    user = request.user
    bookings = SeatBooking.objects.visible_to(user).filter(line=line, day__gte=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        return xlsx_response(commutes.export_bookings(user, bookings), f"line-{line.pk}.xlsx")
    enterprise = own_enterprise(user)
    form = BookingForm(request.POST or None, departures=line.departures)
    if request.method == "POST" and enterprise is not None and form.is_valid():
        try:
            commutes.book(user, line, enterprise, form.cleaned_data)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已预约座位"))
            return redirect("workforce:line", pk=line.pk)
    return render(
        request,
        "workforce/line.html",
        {
            "line": line,
            "served": line.enterprises.all() if user.is_government else (),
            "bookings": bookings.select_related("enterprise"),
            "form": form if enterprise is not None else None,
        },
    )
