"""Health pages. Named records only for the enterprise's own accounts (masked unless the
health officer, whose unmasked views are audited); government pages show counts; the
declaration page is public behind the employee's personal link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.forms import add_service_errors
from fugong.core.models import User
from fugong.core.services import timeline_of
from fugong.core.views import SERVICE_ERRORS, service_error_text, xlsx_response

from . import services
from .forms import (
    EmployeeForm,
    GateForm,
    GrantForm,
    RoundForm,
    SamplingForm,
    VisitorForm,
)
from .models import Declaration, InvestigationGrant, RoundEnterprise, TestRound


def _own(request):
    """The user's own enterprise; government users reach no named page (404)."""
    enterprise = services.own_enterprise(request.user)
    if enterprise is None:
        raise Http404
    return enterprise


@login_required
def index(request):
    rows, total = services.counts(request.user)
    enterprise = services.own_enterprise(request.user)
    parts = (
        RoundEnterprise.objects.filter(enterprise_id=enterprise.pk)
        if enterprise
        else RoundEnterprise.objects.visible_to(request.user)
    )
    rounds = TestRound.objects.filter(pk__in=parts.values("round_id"))[:20]
    return render(
        request,
        "health/index.html",
        {
            "rows": rows[:500],
            "total": total,
            "enterprise": enterprise,
            "rounds": rounds,
            "round_form": RoundForm(initial={"day": timezone.localdate()})
            if request.user.coordinates
            else None,
        },
    )


@login_required
def roster(request):
    enterprise = _own(request)
    unmasked = services.may_unmask(request.user, enterprise)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            services.export_roster(request.user, enterprise),
            f"roster-{timezone.localdate():%Y%m%d}.xlsx",
        )
    qs = services.roster_of(request.user).filter(active=True)
    if request.GET.get("q"):
        qs = qs.filter(name__contains=request.GET["q"].strip())
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    if unmasked and page.object_list:
        services.audit_unmasked(request.user, enterprise, "roster", len(page.object_list))
    return render(
        request,
        "health/roster.html",
        {
            "page": page,
            "unmasked": unmasked,
            "enterprise": enterprise,
            "query": {k: v for k, v in request.GET.items() if k != "page"},
        },
    )


@login_required
def employee(request, pk=None):
    enterprise = _own(request)
    person = None
    if pk is not None:
        person = services.roster_of(request.user).filter(pk=pk).first()
        if person is None:
            raise Http404
    unmasked = services.may_unmask(request.user, enterprise)
    initial = {}
    if person is not None:
        initial = {
            "name": person.name,
            "id_number": person.id_number if unmasked else "",
            "phone": person.phone if unmasked else "",
            "department": person.department,
            "lives_on_site": person.lives_on_site,
            "in_bubble": person.in_bubble,
        }
        if unmasked:
            services.audit_unmasked(request.user, enterprise, "employee", 1)
    form = EmployeeForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") == "readmit" and person:
        try:
            services.readmit(request.user, person, request.POST.get("reason", ""))
        except SERVICE_ERRORS as exc:
            messages.error(request, service_error_text(exc))
        else:
            messages.success(request, _("已核准返岗"))
        return redirect("health:employee", pk=person.pk)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_employee(request.user, enterprise, form.cleaned_data, person)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("health:employee", pk=saved.pk)
    return render(
        request,
        "health/employee.html",
        {
            "form": form,
            "person": person,
            "unmasked": unmasked,
            "steps": timeline_of(person) if person else [],
            "sms": services.sms_available(),
        },
    )


@login_required
def declarations(request):
    enterprise = _own(request)
    day = timezone.localdate()
    qs = services.declarations_of(request.user).filter(day=day)
    if request.GET.get("abnormal"):
        qs = qs.filter(abnormal=True)
    declared = set(qs.values_list("employee_id", flat=True))
    missing = services.roster_of(request.user).filter(active=True).exclude(pk__in=declared)
    unmasked = services.may_unmask(request.user, enterprise)
    rows = list(services.with_employees(qs, enterprise.pk).order_by("-abnormal", "id")[:1000])
    rows.sort(key=lambda d: (not d.abnormal, d.employee.name, d.pk))
    if unmasked and rows:
        services.audit_unmasked(request.user, enterprise, "declarations", len(rows))
    return render(
        request,
        "health/declarations.html",
        {
            "rows": rows,
            "missing": missing[:1000] if not request.GET.get("abnormal") else [],
            "unmasked": unmasked,
            "day": day,
        },
    )


@login_required
def gate(request):
    """The guard's page: find an employee (by name, or by the QR of today's declaration) or
    register a visitor; check temperature and mask; admit or refuse, always recorded."""
    enterprise = _own(request)
    today = timezone.localdate()
    employee, candidates, result = None, [], None
    code = request.GET.get("code") or request.POST.get("code") or ""
    try:
        if code:
            employee = services.employee_by_gate_code(enterprise, code, today)
        elif request.POST.get("employee") or request.GET.get("employee"):
            employee = (
                services.roster_of(request.user)
                .filter(pk=request.POST.get("employee") or request.GET.get("employee"))
                .first()
            )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    if request.GET.get("q"):
        candidates = services.roster_of(request.user).filter(
            active=True, name__contains=request.GET["q"].strip()
        )[:20]
    form = GateForm(request.POST or None)
    visitor_form = VisitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and visitor_form.is_valid():
        v = visitor_form.cleaned_data
        visitor = None
        if employee is None:
            visitor = {
                "name": v["visitor_name"],
                "phone": v["visitor_phone"],
                "came_from": v["came_from"],
                "host": v["host"],
                "reason": v["reason"],
            }
        try:
            result = services.check(
                request.user,
                enterprise,
                direction=form.cleaned_data["direction"],
                temperature=form.cleaned_data["temperature"],
                mask=form.cleaned_data["mask"],
                employee=employee,
                visitor=visitor,
            )
        except ValidationError as exc:
            add_service_errors(visitor_form if visitor else form, exc)
        else:
            form = GateForm()
            visitor_form = VisitorForm()
    recent = services.with_employees(services.gate_checks_of(request.user), enterprise.pk)
    recent = recent.filter(day=today)
    return render(
        request,
        "health/gate.html",
        {
            "employee": employee,
            "code": code,
            "candidates": candidates,
            "form": form,
            "visitor_form": visitor_form,
            "result": result,
            "recent": recent.order_by("-at")[:20],
            "declared": Declaration.objects.filter(
                enterprise=enterprise, employee=employee, day=today
            ).first()
            if employee
            else None,
        },
    )


@login_required
def rounds(request):
    if request.method != "POST":
        return redirect("health:index")
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            rnd = services.open_round(
                request.user, form.cleaned_data["title"], form.cleaned_data["day"]
            )
        except SERVICE_ERRORS as exc:
            messages.error(request, service_error_text(exc))
        else:
            return redirect("health:round", pk=rnd.pk)
    else:
        messages.error(request, _("请填写名称和采样日期"))
    return redirect("health:index")


@login_required
def round_detail(request, pk):
    rnd = TestRound.objects.filter(pk=pk).first()
    if rnd is None:
        raise Http404
    rows, total = services.round_coverage(request.user, rnd)
    if not rows:
        raise Http404
    if request.method == "POST":
        chosen = request.POST.get("part")  # one of the parts shown: no lookup by id alone
        part = next((r["part"] for r in rows if str(r["part"].pk) == chosen), None)
        if part is None:
            raise Http404
        form = SamplingForm(request.POST)

        def record():
            if not form.is_valid():
                raise ValidationError(_("人数应为不小于 0 的整数"))
            ids = [int(i) for i in request.POST.getlist("employee") if i.isdigit()]
            return services.record_sampling(
                request.user,
                part,
                employee_ids=ids or None,
                sampled=form.cleaned_data["sampled"] if not ids else None,
                positive=form.cleaned_data["positive"] or 0,
                pending=form.cleaned_data["pending"] or 0,
            )

        try:
            record()
        except SERVICE_ERRORS as exc:
            messages.error(request, service_error_text(exc))
        else:
            messages.success(request, _("已登记"))
        return redirect("health:round", pk=pk)
    enterprise = services.own_enterprise(request.user)
    return render(
        request,
        "health/round.html",
        {
            "round": rnd,
            "rows": rows,
            "total": total,
            "roster": services.roster_of(request.user).filter(active=True) if enterprise else [],
        },
    )


@login_required
def grants(request):
    enterprise = services.own_enterprise(request.user)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        to_user = User.objects.filter(username=form.cleaned_data["username"]).first()
        if to_user is None:
            form.add_error("username", _("没有这个账号"))
        else:
            try:
                services.grant_investigation(
                    request.user,
                    to_user,
                    form.cleaned_data["reason"],
                    form.cleaned_data["start"],
                    form.cleaned_data["end"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已授权"))
                return redirect("health:grants")
    mine = InvestigationGrant.objects.select_related("enterprise", "granted_to")
    mine = (
        mine.filter(enterprise=enterprise) if enterprise else mine.filter(granted_to=request.user)
    )
    return render(
        request,
        "health/grants.html",
        {
            "grants": mine.order_by("-created_at")[:100],
            "form": form if enterprise else None,
            "now": timezone.now(),
        },
    )


@login_required
def grant_export(request, pk):
    grant = InvestigationGrant.objects.filter(pk=pk, granted_to=request.user).first()
    if grant is None:
        raise Http404
    try:
        data = services.investigation_export(request.user, grant)
    except PermissionError as exc:
        raise Http404 from exc
    return xlsx_response(data, f"investigation-{grant.pk}.xlsx")


def enterprise_panel(request, enterprise):
    """The enterprise page's health figures: counts only."""
    rows, _total = services.counts(request.user, enterprise=enterprise)
    row = rows[0] if rows else None
    if row is None:
        return ""
    return render_to_string("health/_enterprise_panel.html", {"figures": row}, request=request)
