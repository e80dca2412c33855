"""Health pages around the declaration: the poster, the public pages (the poster's page and
the employee's personal link: GET shows the form, one POST identifies and declares) and the
health officer's issuing, texting and revoking of personal links (the printed slip)."""

import functools
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from fugong.core.forms import add_service_errors
from fugong.core.lockout import client_ip
from fugong.core.pdf import FONT, draw_qr, qr_svg
from fugong.core.security import rate_limit
from fugong.core.services import absolute_url
from fugong.core.views import SERVICE_ERRORS, service_error_text

from . import services
from .forms import DeclarationForm
from .models import Declaration
from .views import _own


@login_required
def poster(request):
    """The printable poster with the QR of the enterprise's declaration page."""

    enterprise = _own(request)
    url = absolute_url(reverse("health:declare", args=[services.declaration_code(enterprise)]))
    buf = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont(FONT, 28)
    c.drawCentredString(width / 2, height - 45 * mm, _("员工每日健康申报"))
    c.setFont(FONT, 16)
    c.drawCentredString(width / 2, height - 58 * mm, enterprise.name)
    size = 120 * mm
    draw_qr(c, url, (width - size) / 2, height - 190 * mm, size)
    c.setFont(FONT, 14)
    for i, line in enumerate(
        [
            _("请用防疫专员发给您的个人申报链接（申报条或短信），每天上岗前申报一次"),
            _("体温异常、有症状或到过风险地区的，请如实申报并留在家中"),
        ]
    ):
        c.drawCentredString(width / 2, height - (205 + 10 * i) * mm, line)
    c.showPage()
    c.save()
    response = HttpResponse(buf.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="declaration-poster.pdf"'
    return response


@rate_limit("declare", methods=("POST",))
def declare(request, code):
    """Public: the poster's page. Employees identify only through their personal link (the
    enterprise contact could answer a name-plus-digits question for anyone), so this page only
    tells them where to get one."""
    enterprise = services.enterprise_by_code(code)
    if enterprise is None:
        raise Http404
    return render(request, "health/declare_info.html", {"enterprise": enterprise})


def _link_url(token):
    return absolute_url(reverse("health:personal", args=[token]))


# the personal page is the morning's hot path: its gate QR takes a fixed mask (see qr_svg)
GATE_QR_MASK = 2


@functools.lru_cache(maxsize=2048)  # ≈ 3.3 kB each: under 7 MB a worker
def gate_qr(url: str) -> str:
    """The gate QR of a gate page address. The code in it is the same all day, so a worker
    draws an employee's QR once (≈ 5 ms, a quarter of the page) and then reuses it for every
    view of the day that reaches it."""
    return qr_svg(url, width=220, mask=GATE_QR_MASK)


@rate_limit("declare")
def personal(request, token):
    """Public: the employee's personal link identifies them (audited, success or failure); GET
    shows today's form (and the gate QR once declared), one POST declares."""
    ip = client_ip(request)
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declared = services.declare_by_link(token, form.cleaned_data, ip=ip)
        except SERVICE_ERRORS as exc:
            add_service_errors(form, exc)
        else:
            if declared is None:
                raise Http404
            messages.success(request, _("今日健康申报已提交"))
            return redirect("health:personal", token=token)
    employee = services.employee_by_link(token, ip=ip)
    if employee is None:
        raise Http404
    enterprise = employee.enterprise
    existing = Declaration.objects.filter(
        enterprise_id=enterprise.pk, employee=employee, day=timezone.localdate()
    ).first()
    if existing and not form.is_bound:
        form = DeclarationForm(
            initial={
                "temperature": existing.temperature,
                "symptoms": existing.symptoms,
                "risk_area": existing.risk_area,
                "contact": existing.contact,
                "test_result": existing.test_result,
            }
        )
    gate = None
    if existing is not None and request.method == "GET":
        gate = gate_qr(
            absolute_url(reverse("health:gate") + "?code=" + services.gate_code(existing))
        )
    response = render(
        request,
        "health/declare.html",
        {
            "form": form,
            "enterprise": enterprise,
            "employee": employee,
            "existing": existing,
            "gate_qr": gate,
        },
    )
    response["Cache-Control"] = "no-store"
    # the token is in the address: the site-wide Referrer-Policy same-origin keeps it from other
    # sites ("no-referrer" would make the browser send Origin: null and fail the CSRF check)
    return response


@login_required
def employee_link(request, pk):
    """The health officer issues (prints a slip), texts, or revokes an employee's personal
    declaration link."""
    enterprise = _own(request)
    person = services.roster_of(request.user).filter(pk=pk, enterprise=enterprise).first()
    if person is None or request.method != "POST":
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "issue":
            token = services.issue_link(request.user, person)
            url = _link_url(token)
            response = render(
                request,
                "health/slip.html",
                {
                    "person": person,
                    "enterprise": enterprise,
                    "url": url,
                    "qr": qr_svg(url, width=260),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
        if action == "sms":
            if services.send_link_sms(request.user, person, _link_url):
                messages.success(request, _("已发送申报链接短信，原链接已作废"))
            else:
                messages.error(request, _("未配置短信网关或该员工没有手机号，请打印申报条"))
        elif action == "revoke":
            services.revoke_link(request.user, person)
            messages.success(request, _("申报链接已作废"))
        else:
            raise Http404
    except PermissionError as exc:
        messages.error(request, service_error_text(exc))
    return redirect("health:employee", pk=person.pk)
