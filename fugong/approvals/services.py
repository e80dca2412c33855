"""Application use-cases. Each is one transaction; each decision is guarded by the
application's version (of two reviewers acting at once one wins, the other gets Conflict),
recorded in the timeline (core.Step) and the audit log, and announced to the applicant."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.codes import check_code, new_code
from fugong.core.inputs import BadInput, parse_int
from fugong.core.models import SEVEN_MUSTS, Role, Unit
from fugong.core.services import (
    absolute_url,
    advance,
    announce,
    announce_to_units,
    as_date,
    audit,
    campaign_for,
    record_step,
    units_above,
    working_deadline,
)
from fugong.core.uploads import attach, check_uploads
from fugong.registry.models import Enterprise, enterprise_id_of

from .models import Application

State = Application.State
Kind = Application.Kind

CODE_KIND = "certificate"
DEFAULT_STEPS = 2  # campaign.sla["approval_steps"]: 2 = township/park, then county; 1 = county
DEFAULT_REVIEW_HOURS = 48  # campaign.sla["approval_hours"], per step, in working days
MIN_CLOSED_LOOP_DAYS = 7  # campaign.sla["closed_loop_min_days"]: food and stock to last


def steps_of(campaign):
    return 1 if (campaign.sla or {}).get("approval_steps", DEFAULT_STEPS) == 1 else 2


def _due(campaign, now=None):
    return working_deadline((campaign.sla or {}).get("approval_hours", DEFAULT_REVIEW_HOURS), now)


# --- validation -----------------------------------------------------------------------------


def checklist_of(campaign):
    """The campaign's checklist, the seven musts (七个必须到位) when it sets none."""
    return campaign.checklist or SEVEN_MUSTS


def clean_checklist(campaign, answers):
    """The campaign's checklist answered: every item yes or no; a "no" needs a note saying
    why, and so does a "yes" where the campaign demands one (note_required)."""
    by_key = {a.get("key"): a for a in answers or [] if isinstance(a, dict)}
    cleaned, errors = [], []
    for i, item in enumerate(checklist_of(campaign), 1):
        answer = by_key.get(item["key"])
        label = item["label"]
        if answer is None or answer.get("done") is None:
            errors.append(_("第%(i)d项“%(l)s”未填写") % {"i": i, "l": label})
            continue
        done = answer["done"] in (True, "true", "1", "yes", 1)
        note = str(answer.get("note") or "").strip()[:500]
        if not done and not note:
            errors.append(_("第%(i)d项“%(l)s”未到位，须说明原因") % {"i": i, "l": label})
        elif done and item.get("note_required") and not note:
            errors.append(_("第%(i)d项“%(l)s”须填写落实情况说明") % {"i": i, "l": label})
        cleaned.append({"key": item["key"], "label": label, "done": done, "note": note})
    if errors:
        raise ValidationError({"checklist": errors})
    return cleaned


RESUMPTION_FIELDS = ("staff_expected", "planned_date", "contact_phone")
CLOSED_LOOP_FIELDS = (
    "boundary_sealable",
    "lodging_assured",
    "stock_ready",
    "staff_inside",
    "beds",
    "food_days",
    "stock_days",
    "boundary_plan",
    "contact_phone",
)


def clean_data(campaign, kind, data, today=None):
    """The fields of an application of `kind`, checked; raises with every broken rule."""
    today = today or timezone.localdate()
    errors = {}
    fields = {}
    if kind == Kind.RESUMPTION:
        try:
            fields["checklist"] = clean_checklist(campaign, data.get("checklist"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            staff = parse_int(data.get("staff_expected"), low=0)
        except BadInput:
            staff = None
        if staff is None:
            errors["staff_expected"] = [_("请填写预计返岗人数（不小于 0）")]
        else:
            fields["staff_expected"] = staff
        planned = as_date(data.get("planned_date"))
        if planned is None:
            errors["planned_date"] = [_("请填写计划复工日期（YYYY-MM-DD）")]
        elif planned < today:
            errors["planned_date"] = [_("计划复工日期不能早于今天")]
        else:
            fields["planned_date"] = planned
    elif kind == Kind.CLOSED_LOOP:
        labels = {
            "boundary_sealable": _("边界可封"),
            "lodging_assured": _("食宿可保"),
            "stock_ready": _("备货可用"),
        }
        for key, label in labels.items():
            fields[key] = data.get(key) in (True, "true", "on", "1", 1)
            if not fields[key]:
                errors[key] = [_("闭环生产须满足“%(c)s”") % {"c": label}]
        minimum = int((campaign.sla or {}).get("closed_loop_min_days", MIN_CLOSED_LOOP_DAYS))
        for key, label, least in (
            ("staff_inside", _("闭环内员工数"), 1),
            ("beds", _("床位数"), 1),
            ("food_days", _("食品储备天数"), minimum),
            ("stock_days", _("原料/备货天数"), minimum),
        ):
            try:
                value = parse_int(data.get(key))
            except BadInput:
                value = None
            if value is None or value < least:
                errors[key] = [_("%(f)s应不少于 %(n)d") % {"f": label, "n": least}]
            else:
                fields[key] = value
        if (
            "beds" in fields
            and "staff_inside" in fields
            and fields["beds"] < fields["staff_inside"]
        ):
            errors["beds"] = [
                _("床位数（%(b)d）少于闭环内员工数（%(s)d），食宿无法保障")
                % {"b": fields["beds"], "s": fields["staff_inside"]}
            ]
        plan = str(data.get("boundary_plan") or "").strip()
        if not plan:
            errors["boundary_plan"] = [_("请填写封闭管理方案（边界、出入口、物资交接）")]
        fields["boundary_plan"] = plan[:5000]
    else:
        errors["kind"] = [_("未知的申请类型")]
    phone = str(data.get("contact_phone") or "").strip()
    if phone:
        from fugong.core.validators import normalize_phone

        try:
            fields["contact_phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return fields


# --- the applicant --------------------------------------------------------------------------


def _applicant_may(user, enterprise):
    if not (user.is_superuser or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以提交和修改申请"))


@transaction.atomic
def submit(user, enterprise, kind, data, files=(), now=None):
    """A new application of `kind` for the running campaign; the resumption plan (PDF, image
    or Office file) is required."""
    _applicant_may(user, enterprise)
    now = now or timezone.now()
    campaign = campaign_for(enterprise, timezone.localdate(now))
    if campaign is None:
        raise ValidationError(_("当前没有覆盖本企业的应急事件"))
    if kind not in Kind.values:
        raise ValidationError({"kind": _("未知的申请类型")})
    existing = Application.objects.filter(campaign=campaign, enterprise=enterprise, kind=kind)
    if existing.filter(state__in=Application.OPEN).exists():
        raise ValidationError(_("已有一份在审或待修改的同类申请，请在原申请上修改"))
    if existing.filter(state=State.APPROVED).exists():
        raise ValidationError(_("本企业的同类申请已获批准"))
    fields = clean_data(campaign, kind, data, timezone.localdate(now))
    checked = check_uploads(list(files)) if files else []
    if kind == Kind.RESUMPTION and not checked:
        raise ValidationError({"files": _("请上传疫情防控方案（PDF、图片或 Office 文件）")})
    app = Application.objects.create(
        campaign=campaign,
        enterprise=enterprise,
        kind=kind,
        submitted_by=user,
        due_at=_due(campaign, now),
        **fields,
    )
    attach(user, app, checked)
    record_step(app, "submit", user, to_state=app.state)
    audit(user, "create", app, detail={"kind": kind})
    _tell_reviewers(app)
    return app


@transaction.atomic
def resubmit(user, app, version, data, files=()):
    """The applicant corrects a returned application and sends it back to the first step."""
    _applicant_may(user, app.enterprise)
    fields = clean_data(app.campaign, app.kind, data)
    checked = check_uploads(list(files)) if files else []
    app = advance(
        app,
        version,
        (State.RETURNED,),
        State.SUBMITTED,
        user=user,
        action="resubmit",
        due_at=_due(app.campaign),
        **fields,
    )
    attach(user, app, checked)
    _tell_reviewers(app)
    return app


@transaction.atomic
def withdraw(user, app, version):
    _applicant_may(user, app.enterprise)
    app = advance(app, version, Application.OPEN, State.WITHDRAWN, user=user, action="withdraw")
    return app


# --- reviewers ------------------------------------------------------------------------------

REVIEW_ACTIONS = {
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("驳回"),
    "return": gettext_lazy("退回修改"),
    "revoke": gettext_lazy("取缔"),
}


def current_step(app):
    """1 (township/park) or 2 (county) for a pending application, else None."""
    if app.state == State.SUBMITTED:
        return 1 if steps_of(app.campaign) == 2 else 2
    if app.state == State.FIRST_APPROVED:
        return 2
    return None


def _is_county_reviewer(user):
    return (
        user.role in (Role.COMMAND_CENTRE, Role.DEPARTMENT)
        and user.unit_id is not None
        and user.unit.region.level in ("province", "city", "county")
    )


def may_review(user, app, step=None):
    """Whether this user reviews the application at `step` (its current one by default):
    step 1 a township or park officer, step 2 a county (or higher) command centre or
    department — in both cases one whose scope holds the enterprise."""
    step = step or current_step(app)
    if step is None or not Application.objects.visible_to(user).filter(pk=app.pk).exists():
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if step == 1:
        return user.role == Role.TOWNSHIP
    return _is_county_reviewer(user)


def allowed_actions(user, app):
    if app.state in Application.PENDING and may_review(user, app):
        return ["approve", "return", "reject"]
    if (
        app.kind == Kind.CLOSED_LOOP
        and app.state == State.APPROVED
        and may_review(user, app, step=2)
    ):
        return ["revoke"]
    return []


@transaction.atomic
def review(user, app, action, version, comment="", cleared_from=None, now=None):
    """approve (to the next step, or finally: cleared from a date, certificate issued),
    return for changes or reject (both with reasons), revoke a closed-loop qualification."""
    now = now or timezone.now()
    if action not in REVIEW_ACTIONS:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, app):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": app.get_state_display(), "a": REVIEW_ACTIONS[action]}
        )
    comment = (comment or "").strip()
    if action in ("reject", "return", "revoke") and not comment:
        raise ValidationError({"comment": _("“%(a)s”必须说明理由") % {"a": REVIEW_ACTIONS[action]}})
    step = current_step(app)
    if action == "approve" and step == 1:
        app = advance(
            app,
            version,
            (State.SUBMITTED,),
            State.FIRST_APPROVED,
            user=user,
            action="approve_first",
            comment=comment,
            due_at=_due(app.campaign, now),
        )
    elif action == "approve":
        cleared = as_date(cleared_from or app.planned_date or timezone.localdate(now))
        if cleared is None:
            raise ValidationError({"cleared_from": _("日期格式应为 YYYY-MM-DD")})
        app = advance(
            app,
            version,
            Application.PENDING,
            State.APPROVED,
            user=user,
            action="approve",
            comment=comment,
            cleared_from=cleared,
            approving_unit=user.unit,
            decided_at=now,
            code=new_code(CODE_KIND),
        )
    elif action == "revoke":
        app = advance(
            app,
            version,
            (State.APPROVED,),
            State.REVOKED,
            user=user,
            action="revoke",
            comment=comment,
            decided_at=now,
        )
    else:
        target = State.REJECTED if action == "reject" else State.RETURNED
        app = advance(
            app,
            version,
            Application.PENDING,
            target,
            user=user,
            action=action,
            comment=comment,
            decided_at=now if action == "reject" else None,
        )
    _tell_applicant(app, action, comment)
    if app.state == State.FIRST_APPROVED:
        _tell_reviewers(app)
    return app


def _tell_applicant(app, action, comment):
    title = _("%(k)s #%(n)d：%(s)s") % {
        "k": app.get_kind_display(),
        "n": app.pk,
        "s": app.get_state_display(),
    }
    users = app.enterprise.active_users()
    body = comment or ""
    if app.state == State.APPROVED and app.cleared_from:
        body = _("准予自 %(d)s 起复工复产。%(c)s") % {"d": app.cleared_from, "c": comment}
    announce(users, kind="application", title=title, body=body, url=f"/applications/{app.pk}/")


def _tell_reviewers(app):
    """The units that review the application's current step: in-app, e-mail, group bot."""
    step = current_step(app)
    region = app.enterprise.region
    if step == 1:
        units = units_above(region, kind__in=(Unit.Kind.TOWNSHIP, Unit.Kind.PARK))
    else:
        units = units_above(
            region, kind=Unit.Kind.COMMAND_CENTRE, region__level__in=("county", "city")
        )[:1]
    title = _("待审核：%(e)s 的%(k)s") % {"e": app.enterprise.name, "k": app.get_kind_display()}
    announce_to_units(units, kind="application", title=title, url=f"/applications/{app.pk}/")


# --- queues, roster, certificate ------------------------------------------------------------


def queue_for(user, params):
    """Applications in the user's scope, filtered by kind, state and "to me" (awaiting a step
    this user reviews), oldest due first."""
    qs = Application.objects.visible_to(user).select_related(
        "enterprise", "enterprise__region", "campaign", "approving_unit"
    )
    if params.get("kind") in Kind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("state") in State.values:
        qs = qs.filter(state=params["state"])
    if params.get("view") == "todo":
        if user.role == Role.TOWNSHIP:
            qs = qs.filter(state=State.SUBMITTED)
        elif _is_county_reviewer(user) or user.is_superuser or user.role == Role.ADMIN:
            qs = qs.filter(state__in=Application.PENDING)
        else:
            qs = qs.none()
        qs = qs.order_by("due_at", "created_at")
    return qs


def closed_loop_by_region(user, campaign, region):
    """The closed-loop roster per child region of `region`: qualified enterprises, above-scale
    enterprises, qualified above-scale ones and their share ("463 家，占规上企业 65.1%")."""
    from decimal import ROUND_HALF_UP, Decimal

    from fugong.core.models import Region

    children = list(Region.objects.filter(parent=region).order_by("code")) or [region]
    enterprises = Enterprise.objects.visible_to(user)
    qualified = Application.objects.filter(
        campaign=campaign, kind=Kind.CLOSED_LOOP, state=State.APPROVED
    ).values("enterprise")
    rows = []
    for child in children:
        inside = enterprises.filter(region__path__startswith=child.path)
        counts = inside.aggregate(
            qualified=Count("pk", filter=Q(pk__in=qualified)),
            above=Count("pk", filter=Q(scale=Enterprise.Scale.ABOVE)),
            qualified_above=Count("pk", filter=Q(pk__in=qualified, scale=Enterprise.Scale.ABOVE)),
        )
        share = None
        if counts["above"]:
            share = (Decimal(100 * counts["qualified_above"]) / counts["above"]).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
        rows.append({"region": child, **counts, "share": share})
    total = {k: sum(r[k] for r in rows) for k in ("qualified", "above", "qualified_above")}
    total["share"] = (
        (Decimal(100 * total["qualified_above"]) / total["above"]).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
        if total["above"]
        else None
    )
    return rows, total


def counts(user, campaign):
    """Applications in scope by kind: pending, approved (in force), and overdue reviews."""
    now = timezone.now()
    rows = (
        Application.objects.visible_to(user)
        .filter(campaign=campaign)
        .values("kind")
        .annotate(
            pending=Count("id", filter=Q(state__in=Application.PENDING)),
            overdue=Count("id", filter=Q(state__in=Application.PENDING, due_at__lt=now)),
            approved=Count("id", filter=Q(state=State.APPROVED)),
        )
    )
    labels = dict(Kind.choices)
    return [{**r, "label": labels[r["kind"]]} for r in rows.order_by("kind")]


def verify_certificate(code, today=None):
    """What a phone that scanned a certificate sees: the enterprise, kind, date, approving unit
    and whether it stands. None for a forged, altered or unknown code."""
    if not check_code(CODE_KIND, code):
        return None
    app = (
        Application.objects.select_related("enterprise", "approving_unit").filter(code=code).first()
    )
    if app is None:
        return None
    return {
        "enterprise": app.enterprise.name,
        "uscc": app.enterprise.uscc,
        "kind": app.get_kind_display(),
        "cleared_from": app.cleared_from,
        "approving_unit": str(app.approving_unit or ""),
        "status": "valid" if app.state == State.APPROVED else "revoked",
        "status_label": _("有效") if app.state == State.APPROVED else _("已取缔，失效"),
    }


def certificate_pdf(app):
    """The certificate of an approved application: A4, Chinese, the enterprise, the date, the
    approving unit and a QR code of the verification URL."""
    import io

    from django.urls import reverse
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from fugong.core.pdf import FONT, draw_qr

    if app.state != State.APPROVED or not app.code:
        raise ValidationError(_("只有已批准的申请才有证明"))
    buf = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(f"{app.get_kind_display()} {app.enterprise.name}")
    c.setLineWidth(2)
    c.setStrokeColorRGB(0.75, 0.1, 0.1)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    title = _("复工复产备案证明") if app.kind == Kind.RESUMPTION else _("闭环生产资格证明")
    c.setFont(FONT, 26)
    c.drawCentredString(width / 2, height - 55 * mm, title)
    c.setFont(FONT, 13)
    c.drawCentredString(
        width / 2, height - 66 * mm, _("编号：%(n)s-%(p)06d") % {"n": app.campaign_id, "p": app.pk}
    )
    lines = [
        (_("企业名称"), app.enterprise.name),
        (_("统一社会信用代码"), app.enterprise.uscc),
        (_("所在地区"), app.enterprise.region.name),
    ]
    if app.kind == Kind.RESUMPTION:
        lines.append((_("准予复工日期"), f"{app.cleared_from:%Y年%-m月%-d日}"))
        if app.staff_expected is not None:
            lines.append((_("预计返岗人数"), str(app.staff_expected)))
    else:
        lines.append((_("闭环内员工数"), str(app.staff_inside)))
        lines.append((_("批准日期"), f"{app.cleared_from:%Y年%-m月%-d日}"))
    lines.append((_("审批单位"), str(app.approving_unit or "")))
    y = height - 90 * mm
    for label, value in lines:
        c.setFont(FONT, 14)
        c.drawString(35 * mm, y, f"{label}：")
        c.drawString(80 * mm, y, value)
        y -= 11 * mm
    c.setFont(FONT, 12)
    body = (
        _("经审核，该企业疫情防控措施落实到位，准予复工复产。请严格落实各项防控措施。")
        if app.kind == Kind.RESUMPTION
        else _("经审核，该企业满足边界可封、食宿可保、备货可用条件，准予闭环生产。")
    )
    for i, sentence in enumerate(s for s in body.split("。") if s):
        c.drawString(35 * mm, y - (4 + 8 * i) * mm, sentence + "。")
    url = absolute_url(reverse("approvals:verify", args=[app.code]))
    draw_qr(c, url, width - 75 * mm, 30 * mm, 45 * mm)
    c.setFont(FONT, 10)
    c.drawCentredString(width - 52.5 * mm, 26 * mm, _("扫码核验真伪"))
    c.setFont(FONT, 14)
    c.drawString(35 * mm, 55 * mm, str(app.approving_unit or ""))
    c.drawString(35 * mm, 45 * mm, f"{timezone.localtime(app.decided_at):%Y年%-m月%-d日}")
    c.showPage()
    c.save()
    return buf.getvalue()


def export_applications(user, qs) -> bytes:
    from fugong.core.excel import write_xlsx

    headers = [
        "编号",
        "类型",
        "企业名称",
        "统一社会信用代码",
        "所在区划",
        "状态",
        "提交时间",
        "审核时限",
        "准予复工日期",
        "审批单位",
        "预计返岗人数",
        "闭环内员工数",
        "床位数",
    ]
    rows = [
        [
            a.pk,
            a.get_kind_display(),
            a.enterprise.name,
            a.enterprise.uscc,
            a.enterprise.region.name,
            a.get_state_display(),
            timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M") if a.due_at else "",
            a.cleared_from.isoformat() if a.cleared_from else "",
            str(a.approving_unit or ""),
            a.staff_expected,
            a.staff_inside,
            a.beds,
        ]
        for a in qs.select_related("enterprise__region", "approving_unit")[:50000]
    ]
    audit(user, "export", target_type="approvals.application", detail={"rows": len(rows)})
    return write_xlsx("申请", headers, rows)
