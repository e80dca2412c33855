"""Proxy purchasing pages: the enterprise orders and follows on its phone, the buyer accepts
and records on the phone, the organisers see the open orders by township and assign buyers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.core.forms import add_service_errors
from fugong.core.permissions import scoped
from fugong.core.services import timeline_of
from fugong.core.views import listing, run_action
from fugong.registry.models import own_enterprise

from . import services
from .forms import ActForm, ItemFormSet, OrderForm
from .models import SupplyOrder

STEP_LABELS = {"submit": gettext_lazy("下单"), **services.ACTIONS}


@login_required
def index(request):
    user = request.user
    if not (user.is_government or own_enterprise(user)):
        raise PermissionDenied
    return listing(
        request,
        services.orders_for(user, request.GET),
        "supplies/index.html",
        export=services.export_orders,
        filename="supply-orders",
        states=SupplyOrder.State.choices,
        enterprise=own_enterprise(user),
    )


@login_required
def new_order(request):
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = OrderForm(request.POST or None)
    items = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        try:
            order = services.place_order(
                request.user, enterprise, form.cleaned_data, [f.cleaned_data for f in items]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("订单已提交，街镇将安排代购人"))
            return redirect("supplies:detail", pk=order.pk)
    return render(request, "supplies/new.html", {"form": form, "items": items})


@login_required
@scoped(SupplyOrder, related=("enterprise__region", "buyer"))
def detail(request, order):
    actions = [(a, services.ACTIONS[a]) for a in services.allowed_actions(request.user, order)]
    return render(
        request,
        "supplies/detail.html",
        {
            "order": order,
            "items": order.items.all(),
            "actions": actions,
            "buyers": services.buyers_for(order) if "assign" in dict(actions) else (),
            "steps": timeline_of(order, STEP_LABELS, SupplyOrder.State),
        },
    )


@login_required
@require_POST
@scoped(SupplyOrder, related=("enterprise", "buyer"))
def act(request, order, action):
    return run_action(
        request,
        ActForm(request.POST),
        lambda d: services.act(request.user, order, action, d["version"], d),
        reverse("supplies:detail", args=[order.pk]),
    )


@login_required
def townships(request):
    if not request.user.is_government:
        raise PermissionDenied
    rows = services.open_by_township(request.user)
    return render(
        request,
        "supplies/townships.html",
        {"rows": rows, "now": timezone.now(), "total": sum(r["open"] for r in rows)},
    )
