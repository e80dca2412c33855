import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.models import Unit
from fugong.core.permissions import scoped
from fugong.core.services import campaign_for
from fugong.core.uploads import attachments_of
from fugong.core.views import SERVICE_ERRORS, listing, service_error_text
from fugong.registry.models import Assignment, Enterprise, own_enterprise

from . import services, triage
from .forms import ActionForm, ProblemForm
from .models import (
    ACTION_LABELS,
    OPEN_STATES,
    Category,
    Channel,
    ProblemGroup,
    Refusal,
    State,
    WorkOrder,
)


@login_required
def my_problems(request):
    """The enterprise's own problems on the phone: raise one, follow them, confirm and rate."""
    enterprise = own_enterprise(request.user)
    if enterprise is None:
        raise PermissionDenied
    form = ProblemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        campaign = campaign_for(enterprise, timezone.localdate())
        if campaign is None:
            form.add_error(None, _("当前没有覆盖本企业的应急事件"))
        else:
            try:
                services.create_order(
                    request.user,
                    campaign,
                    enterprise,
                    form.cleaned_data["text"],
                    Channel.H5,
                    form.needs(),
                    files=form.cleaned_data["files"],
                )
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, _("问题已提交，我们会尽快处理"))
                return redirect("workorders:my_problems")
    orders = WorkOrder.objects.filter(enterprise=enterprise).select_related("unit")[:50]
    return render(request, "workorders/my_problems.html", {"form": form, "orders": orders})


def _government(user):
    if not user.is_government:
        raise PermissionDenied


@login_required
def queue(request):
    """Government users: orders in scope — open, my unit's, overdue, all — by state, category
    and unit."""
    if not request.user.is_government:
        return redirect("workorders:my_problems")
    flt = services.WorkOrderFilter.from_params(request.GET)
    for name, message in flt.errors().items():
        messages.error(request, f"{name}：{message}")
    return listing(
        request,
        flt.queryset(request.user),
        "workorders/queue.html",
        export=services.export_orders,
        filename=f"workorders-{flt.view}",
        view=flt.view,
        order_filter=flt,
        now=timezone.now(),
        categories=Category.objects.all(),
        category=request.GET.get("category", ""),
    )


BOARD_COLUMNS = (
    (State.NEW, State.REOPENED),
    (State.TRIAGED,),
    (State.DISPATCHED,),
    (State.ACCEPTED, State.IN_PROGRESS),
    (State.RESOLVED,),
    (State.CLOSED,),
)
BOARD_CARDS = 60  # per column, most urgent first


@login_required
def board(request):
    """The kanban: one column per stage, the most urgent and overdue on top."""
    _government(request.user)
    flt = services.WorkOrderFilter.from_params(request.GET, default_view="all")
    if flt.view == "open":
        flt.view = "all"  # the board's columns are the stages, closed ones included
    qs, view = flt.queryset(request.user), flt.view
    columns = []
    for states in BOARD_COLUMNS:
        column = qs.filter(state__in=states)
        if states == (State.CLOSED,):
            column = column.filter(updated_at__gte=timezone.now() - timedelta(days=7))
        cards = column.order_by("deadline", "-priority", "created_at")
        columns.append(
            {
                "label": " / ".join(str(State(s).label) for s in states),
                "count": column.count(),
                "cards": cards[:BOARD_CARDS],
            }
        )
    return render(
        request,
        "workorders/board.html",
        {
            "columns": columns,
            "view": view,
            "now": timezone.now(),
            "categories": Category.objects.all(),
            "category": request.GET.get("category", ""),
        },
    )


@login_required
def assigned(request):
    """A commissioner's page: the enterprises assigned to them (包保), each with its open
    orders and latest visit; officers see the same for any commissioner in their scope."""

    _government(request.user)
    assignments = (
        Assignment.objects.visible_to(request.user)
        .filter(commissioners=request.user)
        .select_related("enterprise", "enterprise__region")
        .order_by("enterprise__name")
    )
    enterprises = [a.enterprise for a in assignments]
    open_orders = {}
    for o in (
        WorkOrder.objects.filter(enterprise__in=enterprises, state__in=OPEN_STATES)
        .select_related("unit", "category")
        .order_by("deadline", "created_at")
    ):
        open_orders.setdefault(o.enterprise_id, []).append(o)
    rows = [
        (e, open_orders.get(e.pk, []), e.visits.order_by("-visited_on").first())
        for e in enterprises
    ]
    return render(request, "workorders/assigned.html", {"rows": rows, "now": timezone.now()})


@login_required
@scoped(Enterprise, related=("region",))
def raise_for(request, enterprise):
    """Raise a problem on an enterprise's behalf: a commissioner from a visit or a call, a
    hotline operator taking a call (代帮办)."""
    _government(request.user)
    channel = Channel.COMMISSIONER if request.user.is_commissioner else Channel.HOTLINE
    form = ProblemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        campaign = campaign_for(enterprise, timezone.localdate())
        if campaign is None:
            form.add_error(None, _("当前没有覆盖该企业的应急事件"))
        else:
            try:
                order = services.create_order(
                    request.user,
                    campaign,
                    enterprise,
                    form.cleaned_data["text"],
                    channel,
                    form.needs(),
                    source=request.POST.get("caller", "")[:60],
                    files=form.cleaned_data["files"],
                )
            except SERVICE_ERRORS as exc:
                messages.error(request, service_error_text(exc))
            else:
                messages.success(request, _("已代企业提交工单 #%(n)d") % {"n": order.pk})
                return redirect("workorders:detail", pk=order.pk)
    return render(
        request,
        "workorders/raise_for.html",
        {"form": form, "enterprise": enterprise, "channel": Channel(channel).label},
    )


@login_required
@scoped(WorkOrder, related=("enterprise__region", "unit", "category", "campaign"))
def detail(request, order):
    actions = services.allowed_actions(request.user, order)
    proposed = Category.objects.filter(code=order.proposed_label).first()
    # a confident proposal is pre-selected; a weak one is only suggested beside the select
    preselected = proposed if proposed and triage.preselect(order.proposed_confidence) else None
    refusal = services.pending_refusal(order)
    suggested = services.suggested_unit(order)
    # re-dispatching after a refusal pre-selects the unit the refusing unit suggested
    unit_initial = (refusal.suggested_unit if refusal else None) or suggested
    return render(
        request,
        "workorders/detail.html",
        {
            "order": order,
            # one form per action, each with its own element ids (no duplicates on the page)
            "actions": [
                (
                    a,
                    services.ACTION_LABELS[a],
                    ActionForm(
                        initial={
                            "version": order.version,
                            "category": order.category or preselected,
                            "unit": unit_initial if a in ("dispatch", "rule_return") else None,
                        },
                        order=order,
                        action=a,
                        auto_id=f"id_{a}_%s",
                    ),
                )
                for a in actions
            ],
            "proposed": proposed,
            "preselected": preselected,
            "next_actor": services.next_actor(order),
            "events": services.events_visible_to(request.user, order),
            "needs": order.needs.all(),
            "attachments": attachments_of(order),
            "suggested": suggested,
            "refusal": refusal,
            "assists": services.assists_visible_to(request.user, order),
            "refusal_reasons": Refusal.Reason.choices,
            "extension": services.pending_extension(order),
            "extension_requests": order.extension_requests.select_related("unit"),
            "paused_hours": services.paused_for(order).total_seconds() / 3600,
            "refusals": order.refusals.select_related("unit", "suggested_unit"),
            "similar": services.similar_open_orders(order)
            if request.user.is_government and order.is_open
            else [],
        },
    )


@login_required
@require_POST
@scoped(WorkOrder, related=("enterprise__region", "unit", "category", "campaign"))
def act(request, order, action):
    form = ActionForm(request.POST, order=order, action=action)
    if not form.is_valid():
        messages.error(
            request,
            "；".join(f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items()),
        )
        return redirect("workorders:detail", pk=order.pk)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    extension_decision, redo = data.pop("extension_decision"), data.pop("redo")
    if action == "decide_extension":
        data["decision"] = extension_decision
    if action == "visit_back" and redo:
        data["decision"] = "redo"
    try:
        services.transition(request.user, order, action, version, **data)
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, _("已%(a)s") % {"a": services.ACTION_LABELS[action]})
    return redirect("workorders:detail", pk=order.pk)


@login_required
@require_POST
@scoped(WorkOrder, related=("enterprise__region", "unit", "category", "campaign"))
def group(request, order):
    """Merge the order with the chosen similar orders into one common problem, or split it."""
    try:
        if request.POST.get("split"):
            services.split_order(request.user, order)
            messages.success(request, _("已移出共性问题"))
        else:
            ids = [int(i) for i in request.POST.getlist("with") if i.isdigit()]
            others = list(WorkOrder.objects.visible_to(request.user).filter(pk__in=ids))
            grp = services.group_orders(
                request.user, [order, *others], request.POST.get("title", "")
            )
            messages.success(request, _("已并入共性问题：%(g)s") % {"g": grp})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("workorders:detail", pk=order.pk)


@login_required
def groups(request):
    """Open common problems, biggest first: the command centre's view of what hurts most."""
    if not request.user.is_government:
        raise PermissionDenied
    visible = WorkOrder.objects.visible_to(request.user).filter(state__in=OPEN_STATES)
    rows = (
        ProblemGroup.objects.filter(members__in=visible)
        .annotate(open=Count("members"))
        .select_related("category")
        .order_by("-open", "-created_at")
    )
    return render(request, "workorders/groups.html", {"groups": rows[:200]})


@login_required
def group_detail(request, pk):
    grp = (
        ProblemGroup.objects.filter(pk=pk, members__in=WorkOrder.objects.visible_to(request.user))
        .distinct()
        .first()
    )
    if grp is None:
        raise Http404
    members = (
        WorkOrder.objects.visible_to(request.user)
        .filter(group=grp)
        .select_related("enterprise", "unit")
    )
    if request.method == "POST" and request.POST.get("action") in ("rename", "add"):
        numbers = [int(n) for n in re.findall(r"\d+", request.POST.get("orders", ""))]
        add = list(WorkOrder.objects.visible_to(request.user).filter(pk__in=numbers))
        if len(add) != len(set(numbers)):
            messages.error(request, _("工单号不存在或不在您的管辖范围内"))
        else:
            try:
                services.edit_group(
                    request.user,
                    grp,
                    title=request.POST.get("title") if "title" in request.POST else None,
                    add=add,
                )
            except SERVICE_ERRORS as exc:
                messages.error(request, service_error_text(exc))
            else:
                messages.success(request, _("已保存"))
        return redirect("workorders:group_detail", pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first()
        try:
            done = services.transition_group(
                request.user, grp, action, unit=unit, comment=request.POST.get("comment", "")
            )
        except SERVICE_ERRORS as exc:
            messages.error(request, service_error_text(exc))
        else:
            messages.success(
                request,
                _("已对 %(n)d 张工单%(a)s")
                % {"n": len(done), "a": ACTION_LABELS.get(action, action)},
            )
        return redirect("workorders:group_detail", pk=pk)
    first = members.first()
    units = ActionForm(order=first).fields["unit"].queryset if first else Unit.objects.none()
    return render(
        request, "workorders/group_detail.html", {"group": grp, "members": members, "units": units}
    )


@login_required
@require_POST
@scoped(WorkOrder, related=("enterprise__region", "unit", "category", "campaign"))
def deliver(request, order, line):
    need = order.needs.filter(pk=line).first()
    if need is None:
        raise Http404
    try:
        services.deliver(
            request.user, need, request.POST.get("amount"), request.POST.get("comment", "")
        )
    except SERVICE_ERRORS as exc:
        messages.error(request, service_error_text(exc))
    else:
        messages.success(request, _("已登记"))
    return redirect("workorders:detail", pk=order.pk)


MAX_CHAT_BYTES = 2 * 1024 * 1024


@login_required
def chat_import(request):
    """Upload an exported group chat, preview the orders it would create, map unknown senders
    to enterprises, confirm."""
    if not request.user.coordinates:
        raise PermissionDenied
    action = request.POST.get("action")
    if request.method == "POST" and action == "preview":
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_CHAT_BYTES:
            messages.error(request, _("请上传不超过 2 MB 的聊天记录文本文件（.txt）"))
            return redirect("workorders:chat_import")
        request.session["chat_text"] = upload.read().decode("utf-8", "replace")
    text = request.session.get("chat_text")
    if request.method == "POST" and action == "map" and text:
        enterprise = (
            Enterprise.objects.visible_to(request.user)
            .filter(uscc=request.POST.get("uscc", "").strip().upper())
            .first()
        )
        if enterprise is None:
            messages.error(request, _("没有找到该企业，或不在您的管辖范围内"))
        else:
            services.map_sender(request.user, request.POST.get("sender", ""), enterprise)
    if request.method == "POST" and action == "confirm" and text:
        lines = {int(v) for v in request.POST.getlist("line") if v.isdigit()}
        created = services.import_chat(
            request.user, services.preview_chat(request.user, text), lines
        )
        del request.session["chat_text"]
        messages.success(request, _("已生成 %(n)d 张工单") % {"n": len(created)})
        return redirect("workorders:queue")
    proposals = services.preview_chat(request.user, text) if text else None
    return render(request, "workorders/chat_import.html", {"proposals": proposals})


def enterprise_panel(request, enterprise):
    """The enterprise page's section: its latest orders, and raising one on its behalf."""

    orders = WorkOrder.objects.visible_to(request.user).filter(enterprise=enterprise)
    return render_to_string(
        "workorders/_enterprise_panel.html",
        {
            "orders": orders.select_related("unit")[:10],
            "count": orders.count(),
            "enterprise": enterprise,
        },
        request=request,
    )
