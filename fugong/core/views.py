import hmac
import ipaddress
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from huey.contrib.djhuey import HUEY

from . import mappings, replicas, services, sheets
from .excel import IMPORTERS
from .forms import ImportForm, TokenForm
from .imports import export_regions, export_units
from .inputs import parse_int_or_zero
from .jobs import last_beat
from .lockout import client_ip
from .models import ApiToken, Attachment, Notification, Region, Unit
from .pdf import qr_svg
from .security import confirm_totp, start_totp
from .uploads import serve

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LogoutView(auth_views.LogoutView):
    """Logging out also clears what the browser keeps of the user for this site: IndexedDB
    (the inspections' drafts), the service worker's caches and its registration (README
    "Inspections": offline drafts). base.html's logout.js clears them first where the header
    is not honoured (plain http other than localhost)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def region_tree(request):
    if request.GET.get("format") == "xlsx":
        return xlsx_response(export_regions(request.user), "regions.xlsx")
    scope = request.user.scope_region
    regions = [  # ordered by path: a depth-first walk of the tree
        (r, 20 * r.depth, bool(scope and r.path.startswith(scope.path)))
        for r in Region.objects.all()
    ]
    return render(request, "core/region_tree.html", {"regions": regions, "scope": scope})


@login_required
def unit_list(request):
    units = Unit.objects.select_related("region", "parent")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(export_units(request.user), "units.xlsx")
    users = services.users_visible_to(request.user).select_related("unit")
    return render(request, "core/unit_list.html", {"units": units, "users": users})


@login_required
def profile(request):

    if request.method == "POST" and request.POST.get("action") in ("totp_start", "totp_confirm"):
        if request.POST["action"] == "totp_start":
            secret, uri = start_totp(request.user)
            request.session["totp_setup"] = secret
            request.session["totp_uri"] = uri
        else:
            try:
                confirm_totp(
                    request.user, request.session.get("totp_setup", ""), request.POST.get("code")
                )
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                request.session.pop("totp_setup", None)
                request.session.pop("totp_uri", None)
                messages.success(request, _("两步验证已启用"))
        return redirect("core:profile")
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _token, raw = services.issue_token(request.user, form.cleaned_data["name"])
        messages.success(request, _("令牌已创建。它只显示这一次，请立即复制保存。"))
        form = TokenForm()
    return render(
        request,
        "core/profile.html",
        {
            "form": form,
            "raw": raw,
            "tokens": request.user.api_tokens.all(),
            "totp_qr": qr_svg(request.session["totp_uri"], width=200)
            if request.session.get("totp_uri")
            else "",
        },
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(token, request.user)
    messages.success(request, _("令牌已作废"))
    return redirect("core:profile")


@login_required
def import_index(request):
    kinds = [cls for cls in IMPORTERS.values() if cls.allowed(request.user)]
    return render(request, "core/import_index.html", {"kinds": kinds})


def _importer(request, kind):
    cls = IMPORTERS.get(kind)
    if cls is None:
        raise Http404
    if not cls.allowed(request.user):
        raise PermissionDenied
    return cls


@login_required
def import_template(request, kind):
    cls = _importer(request, kind)
    return xlsx_response(cls.template(), f"template-{kind}.xlsx")


@login_required
def import_kind(request, kind):
    """Upload and import; or, with `step=preview`, the mapping step first: each column of the
    file beside its field (changeable), the first rows as they will be stored, the bad rows;
    `step=commit` imports the staged file with the chosen mapping (and may save it)."""
    cls = _importer(request, kind)
    report, token, saved = None, "", None
    step = request.POST.get("step", "")
    staged_step = request.method == "POST" and step in ("preview", "commit")
    staged_step = staged_step and bool(request.POST.get("token"))
    # the upload form is bound only to an upload (the mapping step posts no file)
    form = ImportForm() if staged_step else ImportForm(request.POST or None, request.FILES or None)
    if staged_step:
        token = request.POST["token"]
        data = mappings.staged(request.user, token)
        if data is None:
            raise Http404
        chosen = _chosen_mapping(request.POST)
        skip_bad = request.POST.get("skip_bad") == "on"
        report, _m, _s = mappings.run_import(
            request.user, cls, data, mapping=chosen, skip_bad=skip_bad, dry_run=step == "preview"
        )
        if step == "commit":
            if request.POST.get("save_mapping") and report.headers:
                mappings.save_mapping(
                    request.user,
                    cls.kind,
                    report.headers,
                    chosen,
                    for_unit=request.POST.get("save_mapping") == "unit",
                )
            if report.written:
                mappings.unstage(request.user, token)
                token = ""
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.FUGONG_IMPORT_MAX_BYTES:
            form.add_error(
                "file",
                _("文件过大（上限 %(n)d MB）")
                % {"n": settings.FUGONG_IMPORT_MAX_BYTES // 1024 // 1024},
            )
        else:
            data = upload.read()
            preview = step == "preview"
            report, _m, saved = mappings.run_import(
                request.user,
                cls,
                data,
                skip_bad=form.cleaned_data["skip_bad"],
                dry_run=preview,
            )
            if preview:
                token = mappings.stage_upload(request.user, data)
    return render(
        request,
        "core/import_kind.html",
        {
            "importer": cls,
            "form": form,
            "report": report,
            "columns": cls.columns,
            "token": token,
            "saved": saved,
            "skip_bad": request.POST.get("skip_bad") == "on",
        },
    )


def _chosen_mapping(post) -> dict[str, str]:
    """The mapping step's selects: `head<i>` (the header text) -> `col<i>` (a field key or "")."""
    chosen = {}
    for name, text in post.items():
        if name.startswith("head") and name[4:].isdigit():
            chosen[sheets.normalise_header(text)] = post.get(f"col{name[4:]}", "")
    return chosen


@login_required
def attachment(request, pk):
    """Download an attachment; only a user who may see its owner record gets it."""

    att = get_object_or_404(Attachment, pk=pk)
    try:
        owner_model = apps.get_model(att.owner_type)
    except LookupError as exc:
        raise Http404 from exc
    if not owner_model.objects.visible_to(request.user).filter(pk=att.owner_id).exists():
        raise Http404
    return serve(att)


@login_required
def inbox(request):
    """The in-app inbox: the user's notifications, newest first; opening one marks it read."""

    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("core:inbox")
    if parse_int_or_zero(request.GET.get("open")) > 0:
        note = get_object_or_404(mine, pk=parse_int_or_zero(request.GET["open"]))
        if note.read_at is None:
            note.read_at = timezone.now()
            note.save(update_fields=["read_at"])
        if url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):  # "/x", not "//evil"
            return redirect(note.url)
        return redirect("core:inbox")
    return render(request, "core/inbox.html", {"notifications": mine[:200]})


def unread(request):
    """Context processor: the number of unread notifications for the top bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread": user.notifications.filter(read_at__isnull=True).count()}


def filtered(request, select, model):
    """The list's rows, `select()` (a service applying the request's filter object); a bad
    filter is an error message on the page and an empty list, never a 500."""
    try:
        return select()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return model.objects.none()


def listing(request, qs, template, *, export, filename, **context):
    """A list page: `?format=xlsx` exports what is shown (`export(user, qs)`), otherwise a page
    of `qs` with the filters kept for the pager and the export link."""

    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            export(request.user, qs), f"{filename}-{timezone.localdate():%Y%m%d}.xlsx"
        )
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        template,
        {
            "page": Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": filters.urlencode(),
            "query": {k: v for k, v in request.GET.items() if k != "page"},
            **context,
        },
    )


def health_details_allowed(request) -> bool:
    """What is down is for the operators: the health token, or a client on the internal
    network (FUGONG_HEALTH_NETWORKS); the public learns only up or down."""
    token = settings.FUGONG_HEALTH_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    try:
        ip = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in settings.FUGONG_HEALTH_NETWORKS)


def healthz(request):
    """For load balancers and monitoring: the database answers, the queue's storage answers,
    and a worker beat within the last three minutes. 200 when all hold, 503 otherwise; which
    check failed only for `health_details_allowed`."""

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001  (any failure is the answer)
        checks["database"] = f"fail: {type(exc).__name__}"
    try:
        checks["queue"] = f"ok ({HUEY.pending_count()} pending)"
    except Exception as exc:  # noqa: BLE001
        checks["queue"] = f"fail: {type(exc).__name__}"
    try:
        beat = last_beat()
        if beat and beat > timezone.now() - timedelta(minutes=3):
            checks["workers"] = f"ok (last beat {timezone.localtime(beat):%H:%M:%S})"
        else:
            checks["workers"] = "fail: no worker heartbeat in 3 minutes"
    except Exception as exc:  # noqa: BLE001
        checks["workers"] = f"fail: {type(exc).__name__}"
    healthy = all(v.startswith("ok") for v in checks.values())
    if replicas.configured():  # not part of `healthy`: without it, reads use the primary
        status = replicas.replica_status()
        checks["replica"] = "ok" if status == "ok" else f"degraded: {status}, reads on the primary"
    body = {"status": "ok" if healthy else "fail"}
    if health_details_allowed(request):
        body["checks"] = checks
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


# the errors a service raises for the user to correct (a refusal, PermissionError, is a 403 by
# ServiceErrorMiddleware): a view catches them explicitly, shows them as a message or puts
# them on its form with core.forms.add_service_errors
SERVICE_ERRORS = (services.Conflict, ValidationError)
# the same and the refusals, for the pages that show a refusal as a message rather than a 403
REFUSED = (*SERVICE_ERRORS, PermissionError)


def service_error_text(exc: Exception) -> str:
    """One line for a message: a conflict's text, or a broken rule's messages joined."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def run_action(request, form, call, to: str, *, done=None, errors=SERVICE_ERRORS):  # noqa: ANN001, ANN201
    """One button of a detail page, POSTed: `form` checked (None: no form), `call(data)` runs
    the service step with its cleaned data, an error among `errors` (a conflict, a broken rule;
    PermissionError too where the page shows refusals) becomes a message, success shows `done`
    ("已处理" unless given; "" for none); then back to `to`, unless `call` returned a response."""
    try:
        if form is not None and not form.is_valid():
            raise ValidationError(_("请求数据格式不正确，请刷新后再试"))
        response = call(form.cleaned_data if form is not None else {})
    except errors as exc:
        messages.error(request, service_error_text(exc))
    else:
        if isinstance(response, HttpResponse):
            return response
        if done != "":
            messages.success(request, done or _("已处理"))
    return redirect(to)
