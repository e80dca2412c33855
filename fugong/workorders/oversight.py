"""The oversight pages of work orders: the dispatch catalogue (派单目录) and the scorecard per
unit (考核)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.forms import add_service_errors
from fugong.core.views import service_error_text, xlsx_response

from . import services
from .forms import CatalogueForm
from .services import catalogue as dispatch_catalogue
from .services import scorecard_reports


@login_required
def catalogue(request):
    """The dispatch catalogue (派单目录) of the officer's regions: add, change or delete a line;
    export and import it as xlsx (the import page of `catalogue`)."""
    if not dispatch_catalogue.may_edit_catalogue(request.user):
        raise PermissionDenied
    lines = dispatch_catalogue.catalogue_visible_to(request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            dispatch_catalogue.export_catalogue(request.user),
            f"catalogue-{timezone.localdate():%Y%m%d}.xlsx",
        )
    editing = lines.filter(pk=request.GET.get("edit") or 0).first()
    form = CatalogueForm(request.POST or None, instance=editing, user=request.user)
    if request.method == "POST" and request.POST.get("delete"):
        line = lines.filter(pk=request.POST["delete"]).first()
        if line is None:
            raise Http404
        dispatch_catalogue.delete_line(request.user, line)
        messages.success(request, _("已删除"))
        return redirect("workorders:catalogue")
    if request.method == "POST" and form.is_valid():
        try:
            dispatch_catalogue.save_line(request.user, form.save(commit=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("workorders:catalogue")
    return render(
        request,
        "workorders/catalogue.html",
        {"lines": lines, "form": form, "editing": editing},
    )


@login_required
def scorecard(request):
    """The scorecard per unit (考核) for a region and a period, ranked, each figure linking to
    its orders; `?format=xlsx` / `pdf` is the report."""
    flt = services.WorkOrderFilter.from_params(request.GET)
    errors = {k: v for k, v in flt.errors().items() if k in ("region", "from", "to")}
    if errors:
        for name, message in errors.items():
            messages.error(request, f"{name}：{message}")
        flt = services.WorkOrderFilter()
    period = flt.period()
    try:
        region, rows = scorecard_reports.scorecard_for(request.user, flt.region, period)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, service_error_text(exc))
        region, rows = scorecard_reports.scorecard_for(request.user, "", period)
    stamp = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        data = scorecard_reports.scorecard_xlsx(request.user, region, period, rows)
        return xlsx_response(data, f"scorecard-{region.code}-{stamp}.xlsx")
    if request.GET.get("format") == "pdf":
        data = scorecard_reports.scorecard_pdf(request.user, region, period, rows)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="scorecard-{region.code}-{stamp}.pdf"'
        )
        return response
    return render(
        request,
        "workorders/scorecard.html",
        {
            "rows": rows,
            "region": region,
            "period": period,
        },
    )
