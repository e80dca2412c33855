from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.permissions import get_scoped, scoped
from fugong.core.views import xlsx_response

from . import exports, services
from .forms import (
    AssignmentForm,
    EnterpriseFilterForm,
    EnterpriseForm,
    ListForm,
    MembershipForm,
    RemovalForm,
    VisitForm,
)
from .models import Assignment, Enterprise, EnterpriseList, ListMembership
from .panels import panels_for


def _require_manager(user):
    if not services.can_manage(user):
        raise PermissionDenied


def _page(request, qs):
    return Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def enterprise_list(request):
    flt = services.EnterpriseFilter.from_params(request.GET)
    form = EnterpriseFilterForm(request.GET or None, user=request.user)
    errors = flt.errors()
    qs = services.enterprises_for(request.user, flt) if not errors else Enterprise.objects.none()
    if request.GET.get("format") == "xlsx":
        data = exports.export_enterprises(request.user, qs)
        return xlsx_response(data, f"enterprises-{timezone.localdate():%Y%m%d}.xlsx")
    page = _page(request, qs)
    return render(
        request,
        "registry/enterprise_list.html",
        {
            "form": form,
            "page": page,
            "filter_errors": errors,
            "query": flt.as_query(),
            "can_manage": services.can_manage(request.user),
        },
    )


@login_required
def enterprise_detail(request, pk):
    try:
        enterprise, assignment = services.enterprise_detail(request.user, pk)
    except Enterprise.DoesNotExist as exc:
        raise Http404 from exc
    can_visit = services.can_log_visit(request.user, enterprise)
    visit_form = VisitForm(initial={"visited_on": timezone.localdate()}) if can_visit else None
    return render(
        request,
        "registry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "assignment": assignment,
            "visit_form": visit_form,
            "memberships": enterprise.memberships.all(),
            "visits": enterprise.visits.all(),
            "can_manage": services.can_manage(request.user),
            "ancestors": enterprise.region.ancestors(),
            "panels": panels_for(request, enterprise),
        },
    )


@login_required
def enterprise_edit(request, pk=None):
    _require_manager(request.user)
    enterprise = get_scoped(Enterprise, request.user, pk, ("region",)) if pk else Enterprise()
    form = EnterpriseForm(request.POST or None, instance=enterprise, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_enterprise(request.user, form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存：%(e)s") % {"e": enterprise})
            return redirect("registry:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("编辑企业") if pk else _("新增企业"),
            "back": enterprise.pk and enterprise,
        },
    )


@login_required
@require_POST
@scoped(Enterprise, related=("region",))
def visit_create(request, enterprise):
    if not services.can_log_visit(request.user, enterprise):
        raise PermissionDenied
    form = VisitForm(request.POST)
    if form.is_valid():
        services.log_visit(request.user, enterprise, **form.cleaned_data)
        messages.success(request, _("走访记录已保存"))
    else:
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errs)}")
    return redirect("registry:enterprise_detail", pk=enterprise.pk)


@login_required
@scoped(Enterprise, related=("region",))
def assignment_edit(request, enterprise):
    _require_manager(request.user)
    current = Assignment.objects.filter(enterprise=enterprise).first()
    initial = {}
    if current:
        initial = {
            f: getattr(current, f)
            for f in ("leader_name", "leader_title", "leader_phone", "department", "township")
        }
        initial["commissioners"] = list(current.commissioners.all())
    form = AssignmentForm(request.POST or None, initial=initial, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_assignment(request.user, enterprise, **form.cleaned_data)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("包保责任已保存"))
            return redirect("registry:enterprise_detail", pk=enterprise.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("包保责任：%(e)s") % {"e": enterprise},
            "back": enterprise,
        },
    )


@login_required
def assignment_list(request):
    flt = services.EnterpriseFilter.from_params(request.GET)
    form = EnterpriseFilterForm(request.GET or None, user=request.user)
    errors = flt.errors()
    qs = (
        services.enterprises_for(request.user, flt)
        .select_related("assignment__department", "assignment__township")
        .prefetch_related("assignment__commissioners")
        if not errors
        else Enterprise.objects.none()
    )
    if request.GET.get("format") == "xlsx":
        data = exports.export_assignments(request.user, qs)
        return xlsx_response(data, f"assignments-{timezone.localdate():%Y%m%d}.xlsx")
    return render(
        request,
        "registry/assignment_list.html",
        {
            "form": form,
            "page": _page(request, qs),
            "filter_errors": errors,
            "query": flt.as_query(),
        },
    )


@login_required
def list_index(request):
    form = None
    if services.can_manage(request.user):
        form = ListForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            lst = services.create_list(request.user, form.save(commit=False))
            messages.success(request, _("已新建名单：%(n)s") % {"n": lst})
            return redirect("registry:list_detail", pk=lst.pk)
    counts = services.list_member_counts(request.user)
    lists = [(lst, counts.get(lst.pk, 0)) for lst in EnterpriseList.objects.all()]
    return render(request, "registry/list_index.html", {"lists": lists, "form": form})


@login_required
def list_detail(request, pk):
    lst = get_object_or_404(EnterpriseList, pk=pk)
    show_history = request.GET.get("history") == "1"
    qs = (
        ListMembership.objects.visible_to(request.user)
        .filter(list=lst)
        .select_related("enterprise", "enterprise__region", "added_by", "removed_by")
    )
    if not show_history:
        qs = qs.current()
    if request.GET.get("format") == "xlsx":
        data = exports.export_memberships(request.user, lst, qs)
        return xlsx_response(data, f"list-{lst.pk}-{timezone.localdate():%Y%m%d}.xlsx")
    can_manage = services.can_manage(request.user)
    form = MembershipForm(request.POST or None, user=request.user) if can_manage else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.add_to_list(
                request.user,
                lst,
                form.enterprise,
                form.cleaned_data["reason"],
                form.cleaned_data["on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已列入：%(e)s") % {"e": form.enterprise})
            return redirect("registry:list_detail", pk=pk)
    return render(
        request,
        "registry/list_detail.html",
        {
            "list": lst,
            "page": _page(request, qs),
            "form": form,
            "history": show_history,
            "can_manage": can_manage,
            "removal_form": RemovalForm() if can_manage else None,
        },
    )


@login_required
@require_POST
def membership_remove(request, pk, mid):
    _require_manager(request.user)
    try:
        membership = ListMembership.objects.visible_to(request.user).get(pk=mid, list_id=pk)
    except ListMembership.DoesNotExist as exc:
        raise Http404 from exc
    form = RemovalForm(request.POST)
    if form.is_valid():
        try:
            services.remove_from_list(
                request.user, membership, form.cleaned_data["reason"], form.cleaned_data["on"]
            )
            messages.success(request, _("已移出：%(e)s") % {"e": membership.enterprise})
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("移出失败：请填写移出原因和日期"))
    return redirect("registry:list_detail", pk=pk)
