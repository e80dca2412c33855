"""Consultation pages: the lines with their numbers and hours (an enterprise's phone: tap to
call), the calls taken, logging a call, configuring the lines."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fugong.core.forms import add_service_errors
from fugong.core.permissions import scoped
from fugong.core.views import listing
from fugong.registry.models import own_enterprise

from . import services
from .forms import CallForm, LineForm
from .models import Call, Line


@login_required
def index(request):
    user = request.user
    if not (user.is_government or own_enterprise(user)):
        raise PermissionDenied
    calls = services.calls_for(user, {})
    return render(
        request,
        "consultations/index.html",
        {
            "lines": services.lines_for(user),
            "recent": calls[:10],
            "counts": services.counts_by_line(user) if user.is_government else [],
            "manages": services.manages_lines(user),
            "takes_calls": services.takes_calls(user),
        },
    )


@login_required
def calls(request):
    if not request.user.is_government:
        raise PermissionDenied
    return listing(
        request,
        services.calls_for(request.user, request.GET),
        "consultations/calls.html",
        export=services.export_calls,
        filename="consultation-calls",
        lines=services.lines_for(request.user),
    )


def _line_form(request, line):
    if not services.manages_lines(request.user):
        raise PermissionDenied
    form = LineForm(request.POST or None, instance=line, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_line(request.user, form.save(commit=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("热线已保存"))
            return redirect("consultations:index")
    return render(request, "consultations/line_form.html", {"form": form, "line": line})


@login_required
def new_line(request):
    return _line_form(request, Line())


@login_required
def edit_line(request, pk):
    line = get_object_or_404(services.lines_for(request.user), pk=pk)
    return _line_form(request, line)


@login_required
def new_call(request):
    if not services.takes_calls(request.user):
        raise PermissionDenied
    form = CallForm(request.POST or None, lines=services.lines_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            call = services.log_call(request.user, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if call.work_order_id:
                messages.success(
                    request, _("已登记，并转为工单 #%(n)d") % {"n": call.work_order_id}
                )
            else:
                messages.success(request, _("来电已登记"))
            return redirect("consultations:call", pk=call.pk)
    return render(request, "consultations/call_form.html", {"form": form})


@login_required
@scoped(Call, related=("line", "enterprise", "taken_by"))
def call_detail(request, call):
    return render(request, "consultations/call.html", {"call": call})
