"""Health use-cases. Who sees what: an enterprise's own accounts see its people (its health
officer unmasked, every unmasked view or export audited; the contact masked); government users
see counts, never a named record, unless a health officer grants an investigation export. Each
call is one transaction."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import crypto
from fugong.core.codes import check_code, new_code
from fugong.core.excel import write_xlsx
from fugong.core.models import Campaign, Role, User
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import announce, as_date, audit, campaign_for, record_step
from fugong.core.validators import normalize_id_card, normalize_mobile
from fugong.registry.models import (  # noqa: F401  (own_enterprise re-exported)
    Enterprise,
    enterprise_id_of,
    own_enterprise,
)

from .models import (
    SYMPTOMS,
    Declaration,
    Employee,
    EnterpriseHealth,
    GateCheck,
    InvestigationGrant,
    RoundEnterprise,
    TestResult,
    TestRound,
)

DEFAULT_THRESHOLD = 373  # campaign.sla["fever_threshold_tenths"]: 37.3 °C
DEFAULT_RETENTION = 30  # campaign.sla["health_retention_days"]
LOWEST, HIGHEST = Decimal("34.0"), Decimal("42.0")  # a body temperature outside is a typo
CODE_KIND = "declare"
GATE_SALT = "fugong.health.gate"


def threshold(campaign):
    return Decimal((campaign.sla or {}).get("fever_threshold_tenths", DEFAULT_THRESHOLD)) / 10


def retention(campaign):
    return int((campaign.sla or {}).get("health_retention_days", DEFAULT_RETENTION))


def _campaign(enterprise, day):
    campaign = campaign_for(enterprise, day)
    if campaign is None:
        raise ValidationError(_("当前没有覆盖本企业的应急事件"))
    return campaign


# --- who sees what ------------------------------------------------------------------------


def may_unmask(user, enterprise):
    return user.is_health_officer and enterprise_id_of(user) == enterprise.pk


def roster_of(user):
    """The roster this user may see by name: their own enterprise's, else nothing."""
    enterprise_id = enterprise_id_of(user)
    return Employee.objects.filter(enterprise_id=enterprise_id or 0)


def declarations_of(user):
    return Declaration.objects.filter(enterprise_id=enterprise_id_of(user) or 0)


def gate_checks_of(user):
    return GateCheck.objects.filter(enterprise_id=enterprise_id_of(user) or 0)


def audit_unmasked(user, enterprise, what, count):
    audit(
        user,
        "view_personal",
        enterprise,
        detail={"personal_data": what, "unmasked": True, "records": count},
    )


# --- the roster ---------------------------------------------------------------------------


def clean_person(data):
    """Name, ID card number (GB 11643), mobile; raises with every broken rule."""
    errors, out = {}, {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名")]
    out["name"] = name[:50]
    try:
        out["id_number"] = normalize_id_card(str(data.get("id_number") or ""))
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    phone = str(data.get("phone") or "").strip()
    out["phone"] = ""
    if phone:
        try:
            out["phone"] = normalize_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out


def fill_employee(employee, person, data):
    employee.name = person["name"]
    employee.id_enc = crypto.encrypt(person["id_number"])
    employee.id_hash = crypto.blind_index(person["id_number"])
    employee.phone_enc = crypto.encrypt(person["phone"])
    employee.phone_hash = crypto.blind_index(person["phone"])
    employee.department = str(data.get("department") or "").strip()[:50]
    employee.lives_on_site = bool(data.get("lives_on_site"))
    employee.in_bubble = bool(data.get("in_bubble"))


def _require_officer(user, enterprise):
    if not (enterprise_id_of(user) == enterprise.pk and user.works_for_enterprise):
        raise PermissionError(_("只有本企业的防疫专员和联系人可以管理员工名册"))


@transaction.atomic
def save_employee(user, enterprise, data, employee=None):
    _require_officer(user, enterprise)
    person = clean_person(data)
    index = crypto.blind_index(person["id_number"])
    clash = Employee.objects.filter(enterprise=enterprise, id_hash=index)
    if employee is not None:
        clash = clash.exclude(pk=employee.pk)
    if clash.exists():
        raise ValidationError({"id_number": _("该身份证号已在本企业名册中")})
    employee = employee or Employee(enterprise=enterprise)
    fill_employee(employee, person, data)
    employee.save()
    audit(user, "update" if employee.pk else "create", employee)
    return employee


# --- declarations -------------------------------------------------------------------------


def declaration_code(enterprise):
    """The signed code of the enterprise's declaration page (its poster's QR)."""
    health, _created = EnterpriseHealth.objects.get_or_create(
        enterprise=enterprise, defaults={"declare_code": new_code(CODE_KIND)}
    )
    return health.declare_code


def enterprise_by_code(code):
    if not check_code(CODE_KIND, code):
        return None
    health = EnterpriseHealth.objects.select_related("enterprise__region").filter(declare_code=code)
    health = health.first()
    return health.enterprise if health else None


def identify(enterprise, name, digits):
    """The active employee of this enterprise with this name whose ID number (or phone) ends
    with these four characters; one message for every mismatch, so the page reveals nothing."""
    name = (name or "").strip()
    digits = (digits or "").strip().upper()
    if len(digits) == 4:
        for e in Employee.objects.filter(enterprise=enterprise, name=name, active=True):
            if e.id_number.endswith(digits) or (e.phone and e.phone.endswith(digits)):
                return e
    raise ValidationError(_("姓名或身份证号（手机号）后四位不正确，或您不在本企业名册中"))


def _temperature(value, field="temperature"):
    try:
        t = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({field: _("请填写体温，如 36.5")}) from exc
    if not LOWEST <= t <= HIGHEST:
        raise ValidationError({field: _("体温 %(t)s℃ 不在 34.0–42.0℃ 之间，请重新测量") % {"t": t}})
    return t


def judge(campaign, temperature, symptoms, risk_area, contact, test_result):
    """The reasons a declaration is abnormal (empty: normal)."""
    reasons = []
    if temperature >= threshold(campaign):
        reasons.append(_("体温 %(t)s℃") % {"t": temperature})
    labels = dict(SYMPTOMS)
    reasons += [str(labels[s]) for s in symptoms]
    if risk_area:
        reasons.append(_("到过风险地区"))
    if contact:
        reasons.append(_("有接触史"))
    if test_result == TestResult.POSITIVE:
        reasons.append(_("检测阳性"))
    return reasons


@transaction.atomic
def declare(enterprise, employee, data, now=None):
    """Today's declaration of an employee (a second one the same day replaces it). An abnormal
    one alerts the enterprise's health officers."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if employee.enterprise_id != enterprise.pk or not employee.active:
        raise PermissionError(_("您不在本企业名册中"))
    day = as_date(data.get("day") or today)
    if day is None:
        raise ValidationError({"day": _("日期格式应为 YYYY-MM-DD")})
    if day != today:
        raise ValidationError({"day": _("只能申报当天（%(d)s）的健康情况") % {"d": today}})
    campaign = _campaign(enterprise, today)
    temperature = _temperature(data.get("temperature"))
    symptoms = [s for s in data.get("symptoms") or [] if s in dict(SYMPTOMS)]
    if len(symptoms) != len(data.get("symptoms") or []):
        raise ValidationError({"symptoms": _("症状选项不正确")})
    test_result = data.get("test_result") or TestResult.NONE
    if test_result not in TestResult.values:
        raise ValidationError({"test_result": _("检测结果选项不正确")})
    risk_area, contact = bool(data.get("risk_area")), bool(data.get("contact"))
    reasons = judge(campaign, temperature, symptoms, risk_area, contact, test_result)
    declaration, created = Declaration.objects.update_or_create(
        employee=employee,
        day=today,
        defaults={
            "campaign": campaign,
            "enterprise": enterprise,
            "temperature": temperature,
            "symptoms": symptoms,
            "risk_area": risk_area,
            "contact": contact,
            "test_result": test_result,
            "abnormal": bool(reasons),
            "reasons": reasons,
        },
    )
    if reasons:
        officers = User.objects.filter(
            role=Role.HEALTH_OFFICER, enterprise_account__enterprise=enterprise, is_active=True
        )
        announce(
            officers,
            kind="health_alert",
            title=_("健康异常：%(n)s（%(r)s）")
            % {"n": employee.masked_name, "r": "、".join(reasons)},
            url="/health/declarations/?abnormal=1",
        )
    return declaration


def gate_code(declaration):
    """The personal code of today's declaration (the QR the employee shows at the gate)."""
    return signing.dumps([declaration.employee_id, declaration.day.isoformat()], salt=GATE_SALT)


def employee_by_gate_code(enterprise, code, today):
    try:
        employee_id, day = signing.loads(code, salt=GATE_SALT, max_age=36 * 3600)
    except signing.BadSignature as exc:
        raise ValidationError(_("二维码无效或已被篡改")) from exc
    if day != today.isoformat():
        raise ValidationError(_("这是 %(d)s 的申报码，请出示今日申报码") % {"d": day})
    employee = Employee.objects.filter(pk=employee_id, enterprise=enterprise).first()
    if employee is None:
        raise ValidationError(_("该申报码不属于本企业"))
    return employee


# --- the gate -----------------------------------------------------------------------------


def _may_guard(user, enterprise):
    if enterprise_id_of(user) != enterprise.pk:
        raise PermissionError(_("只有本企业的账号和门岗设备可以登记进出"))


def check(
    user,
    enterprise,
    *,
    direction,
    temperature=None,
    mask=True,
    employee=None,
    visitor=None,
    at=None,
    device="",
):
    """One passage at the gate, judged and saved, admitted or refused.

    Entry is refused at or above the campaign's fever threshold, without a mask, for an
    employee without today's declaration or with an abnormal one, and for a closed-loop
    (bubble) employee who has left. Leaving marks a bubble employee out."""
    _may_guard(user, enterprise)
    at = at or timezone.now()
    day = timezone.localdate(at)
    declared = Declaration.objects.filter(employee=employee, day=day).first() if employee else None
    row = passage(
        user,
        enterprise,
        _campaign(enterprise, day),
        direction=direction,
        temperature=temperature,
        mask=mask,
        employee=employee,
        visitor=visitor,
        at=at,
        device=device,
        declared=declared,
    )
    with transaction.atomic():
        row.save()
        if (
            employee is not None
            and direction == GateCheck.Direction.OUT
            and employee.in_bubble
            and employee.left_bubble_at is None
        ):
            Employee.objects.filter(pk=employee.pk).update(left_bubble_at=at)
            employee.left_bubble_at = at
    return row


def passage(
    user,
    enterprise,
    campaign,
    *,
    direction,
    temperature,
    mask,
    employee,
    visitor,
    at,
    device,
    declared,
):
    """The gate check `check` saves, judged from what the caller looked up (no queries: the
    batch upload looks everything up at once)."""
    if direction not in GateCheck.Direction.values:
        raise ValidationError({"direction": _("方向应为进或出")})
    if (employee is None) == (visitor is None):
        raise ValidationError(_("请选择员工，或登记访客信息"))
    row = GateCheck(
        campaign=campaign,
        enterprise=enterprise,
        day=timezone.localdate(at),
        at=at,
        direction=direction,
        employee=employee,
        mask=bool(mask),
        guard=user if user.pk else None,
        device=device[:60],
    )
    if visitor is not None:
        name = str(visitor.get("name") or "").strip()
        errors = {}
        if not name:
            errors["name"] = [_("请填写访客姓名")]
        phone = str(visitor.get("phone") or "").strip()
        try:
            phone = normalize_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
        for key, label in (
            ("came_from", _("来自何处")),
            ("host", _("被访人")),
            ("reason", _("事由")),
        ):
            if not str(visitor.get(key) or "").strip():
                errors[key] = [_("请填写%(f)s") % {"f": label}]
        if errors:
            raise ValidationError(errors)
        row.name = name[:50]
        row.phone_enc, row.phone_hash = crypto.encrypt(phone), crypto.blind_index(phone)
        row.came_from = str(visitor["came_from"]).strip()[:100]
        row.host = str(visitor["host"]).strip()[:50]
        row.reason = str(visitor["reason"]).strip()[:100]
    refusals = []
    if direction == GateCheck.Direction.IN:
        if temperature in (None, ""):
            raise ValidationError({"temperature": _("进入须测量体温")})
        row.temperature = _temperature(temperature)
        limit = threshold(campaign)
        if row.temperature >= limit:
            refusals.append(_("体温 %(t)s℃，达到 %(l)s℃") % {"t": row.temperature, "l": limit})
        if not row.mask:
            refusals.append(_("未佩戴口罩"))
        if employee is not None:
            if declared is None:
                refusals.append(_("今日未做健康申报"))
            elif declared.abnormal:
                refusals.append(_("今日健康申报异常"))
            if employee.in_bubble and employee.left_bubble_at:
                refusals.append(_("闭环人员出厂后不得返岗（需防疫专员核准）"))
    elif temperature not in (None, ""):
        row.temperature = _temperature(temperature)
    row.admitted = not refusals
    row.refusal = "；".join(str(r) for r in refusals)[:200]
    return row


@transaction.atomic
def readmit(user, employee, reason):
    """The health officer lets a bubble employee who left back in, with a reason."""
    if not may_unmask(user, employee.enterprise):
        raise PermissionError(_("只有本企业的防疫专员可以核准返岗"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("核准返岗须说明理由（如：已完成隔离检测）")})
    if employee.left_bubble_at is None:
        raise ValidationError(_("该员工没有离开闭环"))
    Employee.objects.filter(pk=employee.pk).update(left_bubble_at=None)
    record_step(employee, "readmit", user, comment=reason.strip())
    audit(user, "update", employee, detail={"action": "readmit", "reason": reason.strip()})
    employee.left_bubble_at = None
    return employee


def ingest_gate_batch(user, enterprise, items):
    """A gate device's batch: every item judged as at the gate page and recorded, or — if any
    item is malformed — none, with every bad item's index and fields. Lookups (the roster by
    keyed hash, the days' declarations, the campaign) are made once for the batch. Returns the
    saved rows."""
    _may_guard(user, enterprise)
    now = timezone.now()
    hashes = list(
        {
            crypto.blind_index(str(i["id_number"]).strip().upper())
            for i in items
            if i.get("id_number")
        }
    )
    by_hash = {}
    for part in range(0, len(hashes), 5000):
        chunk = hashes[part : part + 5000]
        by_hash.update(
            (e.id_hash, e)
            for e in Employee.objects.filter(enterprise=enterprise, id_hash__in=chunk)
        )
    parsed, errors = [], []
    for n, item in enumerate(items):
        try:
            at = item.get("at") or now
            if isinstance(at, str):
                at = datetime.datetime.fromisoformat(at)
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
            if at > now + datetime.timedelta(minutes=5):
                raise ValidationError({"at": _("时间不能晚于现在")})
            employee = None
            if item.get("id_number"):
                employee = by_hash.get(crypto.blind_index(str(item["id_number"]).strip().upper()))
                if employee is None:
                    raise ValidationError({"id_number": _("不在本企业名册中")})
            parsed.append((n, item, at, employee))
        except ValidationError as exc:
            errors.append({"index": n, "fields": _fields(exc)})
    days = {timezone.localdate(at) for _n, _i, at, _e in parsed}
    campaigns = {day: campaign_for(enterprise, day) for day in days}
    declared = {
        (d.employee_id, d.day): d
        for d in Declaration.objects.filter(
            enterprise=enterprise,
            day__in=days,
            employee_id__in={e.pk for *_x, e in parsed if e is not None},
        )
    }
    rows = []
    for n, item, at, employee in parsed:
        day = timezone.localdate(at)
        try:
            if campaigns[day] is None:
                raise ValidationError(_("当前没有覆盖本企业的应急事件"))
            rows.append(
                passage(
                    user,
                    enterprise,
                    campaigns[day],
                    direction=item.get("direction", "in"),
                    temperature=item.get("temperature"),
                    mask=item.get("mask", True),
                    employee=employee,
                    visitor=item.get("visitor") if employee is None else None,
                    at=at,
                    device=str(item.get("device") or ""),
                    declared=declared.get((employee.pk, day)) if employee else None,
                )
            )
        except ValidationError as exc:
            errors.append({"index": n, "fields": _fields(exc)})
    if errors:
        raise BatchRejected(sorted(errors, key=lambda e: e["index"]))
    with transaction.atomic():
        GateCheck.objects.bulk_create(rows, batch_size=2000)
        bubble_out = {}  # the first time each bubble employee left
        for r in sorted(rows, key=lambda r: r.at):
            if r.employee_id and r.direction == "out" and r.employee.in_bubble:
                bubble_out.setdefault(r.employee_id, r.at)
        for employee_id, at in bubble_out.items():
            Employee.objects.filter(pk=employee_id, left_bubble_at=None).update(left_bubble_at=at)
        audit(user, "import", target_type="health.gatecheck", detail={"rows": len(rows)})
    return rows


def _fields(exc):
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


class BatchRejected(Exception):
    def __init__(self, errors):
        super().__init__(f"{len(errors)} bad items")
        self.errors = errors


# --- test rounds --------------------------------------------------------------------------


def _may_organise(user):
    if not user.coordinates:
        raise PermissionError(_("只有街镇/园区和指挥部可以组织检测"))


@transaction.atomic
def open_round(user, title, day, enterprises=None):
    """A test round for the given enterprises (default: every enterprise in the organiser's
    scope); each enterprise's staff to test is its active roster."""
    _may_organise(user)
    scope = Enterprise.objects.visible_to(user)
    chosen = scope if enterprises is None else scope.filter(pk__in=[e.pk for e in enterprises])
    chosen = list(chosen.select_related("region"))
    if enterprises is not None and len(chosen) != len({e.pk for e in enterprises}):
        raise PermissionError(_("有企业不在您的管辖范围内"))
    if not chosen:
        raise ValidationError(_("没有可检测的企业"))
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写名称")})
    campaign = _campaign(chosen[0], day)
    rnd = TestRound.objects.create(
        campaign=campaign,
        unit=user.unit,
        day=day,
        title=title.strip()[:100],
        created_by=person(user),
    )
    staff = dict(
        Employee.objects.filter(enterprise__in=chosen, active=True)
        .values("enterprise")
        .annotate(n=Count("id"))
        .values_list("enterprise", "n")
    )
    RoundEnterprise.objects.bulk_create(
        [RoundEnterprise(round=rnd, enterprise=e, staff=staff.get(e.pk, 0)) for e in chosen]
    )
    audit(user, "create", rnd, detail={"enterprises": len(chosen)})
    return rnd


@transaction.atomic
def record_sampling(user, part, *, employee_ids=None, sampled=None, positive=0, pending=0):
    """An enterprise's sampling in a round: named (roster ids, by its own accounts) or counted
    (by its accounts or the organiser)."""
    own = enterprise_id_of(user) == part.enterprise_id
    organiser = Enterprise.objects.visible_to(user).filter(pk=part.enterprise_id).exists() and (
        user.coordinates
    )
    if not (own or organiser):
        raise PermissionError(_("只有该企业或组织单位可以登记采样"))
    if employee_ids is not None:
        if not own:
            raise PermissionError(_("只有本企业可以按名册登记"))
        valid = set(
            Employee.objects.filter(
                enterprise_id=part.enterprise_id, pk__in=employee_ids, active=True
            ).values_list("pk", flat=True)
        )
        if len(valid) != len(set(employee_ids)):
            raise ValidationError({"employee_ids": _("有人员不在本企业名册中")})
        part.sampled_ids = sorted(valid)
        sampled = len(valid)
    try:
        sampled, positive, pending = int(sampled), int(positive or 0), int(pending or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("人数应为整数")) from exc
    if min(sampled, positive, pending) < 0:
        raise ValidationError(_("人数不能为负数"))
    if positive + pending > sampled:
        raise ValidationError(_("阳性与待出结果人数之和不能超过采样人数"))
    part.sampled, part.positive, part.pending = sampled, positive, pending
    part.finished_at = timezone.now()
    part.save()
    audit(user, "update", part, detail={"sampled": sampled, "positive": positive})
    return part


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None


def round_coverage(user, rnd):
    """Per enterprise in the user's scope (its own only, for an enterprise account): staff to
    test, sampled, coverage; and the totals ("100 余家企业 8000 余名员工完成采样")."""
    parts = RoundEnterprise.objects.filter(round=rnd).select_related("enterprise__region")
    own = enterprise_id_of(user)
    parts = parts.filter(enterprise_id=own) if own else parts.visible_to(user)
    rows = [
        {
            "part": p,
            "enterprise": p.enterprise,
            "staff": p.staff,
            "sampled": p.sampled,
            "positive": p.positive,
            "coverage": _pct(p.sampled, p.staff),
            "done": p.finished_at is not None,
        }
        for p in parts.order_by("enterprise__region__path", "enterprise__name")
    ]
    total = {
        "enterprises": len(rows),
        "done": sum(r["done"] for r in rows),
        "staff": sum(r["staff"] for r in rows),
        "sampled": sum(r["sampled"] for r in rows),
        "positive": sum(r["positive"] for r in rows),
    }
    total["coverage"] = _pct(total["sampled"], total["staff"])
    regions = {}
    for r in rows:
        region = r["enterprise"].region
        agg = regions.setdefault(
            region.pk, {"region": region, "enterprises": 0, "staff": 0, "sampled": 0}
        )
        agg["enterprises"] += 1
        agg["staff"] += r["staff"]
        agg["sampled"] += r["sampled"]
    for agg in regions.values():
        agg["coverage"] = _pct(agg["sampled"], agg["staff"])
    total["regions"] = list(regions.values())
    return rows, total


def latest_round(user):
    """The most recent test round with enterprises in the user's scope, with its coverage."""
    parts = RoundEnterprise.objects.visible_to(user)
    own = enterprise_id_of(user)
    if own:
        parts = RoundEnterprise.objects.filter(enterprise_id=own)
    rnd = TestRound.objects.filter(parts__in=parts).order_by("-day", "-id").first()
    if rnd is None:
        return None, None
    return rnd, round_coverage(user, rnd)[1]


# --- counts for the government ------------------------------------------------------------


def counts(user, day=None, enterprise=None):
    """Per enterprise in the user's scope: people on the roster, declared today, abnormal
    declarations, gate entries admitted and refused — counts only, never names."""
    day = day or timezone.localdate()
    enterprises = Enterprise.objects.visible_to(user)
    own = enterprise_id_of(user)
    if own:
        enterprises = enterprises.filter(pk=own)
    if enterprise is not None:
        enterprises = enterprises.filter(pk=enterprise.pk)
    roster = dict(
        Employee.objects.filter(enterprise__in=enterprises, active=True)
        .values("enterprise")
        .annotate(n=Count("id"))
        .values_list("enterprise", "n")
    )
    ids = list(roster)
    declared = {
        r["enterprise"]: r
        for r in Declaration.objects.filter(enterprise_id__in=ids, day=day)
        .values("enterprise")
        .annotate(n=Count("id"), n_abnormal=Count("id", filter=Q(abnormal=True)))
    }
    gate = {
        r["enterprise"]: r
        for r in GateCheck.objects.filter(enterprise_id__in=ids, day=day, direction="in")
        .values("enterprise")
        .annotate(
            n_admitted=Count("id", filter=Q(admitted=True)),
            n_refused=Count("id", filter=Q(admitted=False)),
        )
    }
    names = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = [
        {
            "enterprise_id": pk,
            "enterprise": names[pk],
            "roster": n,
            "declared": declared.get(pk, {}).get("n", 0),
            "abnormal": declared.get(pk, {}).get("n_abnormal", 0),
            "admitted": gate.get(pk, {}).get("n_admitted", 0),
            "refused": gate.get(pk, {}).get("n_refused", 0),
        }
        for pk, n in roster.items()
    ]
    rows.sort(key=lambda r: (-r["abnormal"], -r["roster"], r["enterprise"]))
    total = {
        k: sum(r[k] for r in rows)
        for k in ("roster", "declared", "abnormal", "admitted", "refused")
    }
    total["enterprises"] = len(rows)
    total["declared_rate"] = _pct(total["declared"], total["roster"])
    return rows, total


# --- investigation grants -----------------------------------------------------------------


@transaction.atomic
def grant_investigation(officer, to_user, reason, start, end, hours=72):
    enterprise = own_enterprise(officer)
    if enterprise is None or not may_unmask(officer, enterprise):
        raise PermissionError(_("只有企业防疫专员可以授权流调导出"))
    if not to_user.sees_figures:
        raise ValidationError({"granted_to": _("只能授权给政府工作人员")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明流调事由")})
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期")})
    grant = InvestigationGrant.objects.create(
        enterprise=enterprise,
        granted_to=to_user,
        granted_by=officer,
        reason=reason.strip()[:200],
        start=start,
        end=end,
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )
    audit(officer, "create", grant, detail={"to": to_user.username, "reason": grant.reason})
    return grant


def investigation_export(user, grant) -> bytes:
    """The named declarations the grant covers, for the user it was granted to, while it is
    valid; audited."""

    if grant.granted_to_id != user.pk or grant.expires_at < timezone.now():
        raise PermissionError(_("授权不存在或已过期"))
    rows = [
        [
            d.employee.name,
            d.employee.id_number,
            d.employee.phone,
            d.employee.department,
            d.day.isoformat(),
            str(d.temperature),
            "、".join(d.reasons),
            d.get_test_result_display(),
        ]
        for d in Declaration.objects.filter(
            enterprise=grant.enterprise, day__gte=grant.start, day__lte=grant.end
        )
        .select_related("employee")
        .order_by("day", "employee__name")
    ]
    audit_unmasked(user, grant.enterprise, f"investigation:{grant.pk}", len(rows))
    return write_xlsx(
        "流调",
        ["姓名", "身份证号", "手机号", "部门", "日期", "体温", "异常情况", "检测结果"],
        rows,
    )


# --- exports ------------------------------------------------------------------------------


def export_roster(user, enterprise) -> bytes:
    """The roster in the import template's columns; unmasked only for the health officer (and
    then audited)."""

    unmasked = may_unmask(user, enterprise)
    people = list(roster_of(user).filter(enterprise=enterprise, active=True))
    rows = [
        [
            e.name if unmasked else e.masked_name,
            e.id_number if unmasked else e.masked_id,
            e.phone if unmasked else e.masked_phone,
            e.department,
            "是" if e.lives_on_site else "否",
            "是" if e.in_bubble else "否",
        ]
        for e in people
    ]
    if unmasked:
        audit_unmasked(user, enterprise, "roster_export", len(rows))
    else:
        audit(user, "export", target_type="health.employee", detail={"rows": len(rows)})
    return write_xlsx(
        "员工名册", ["姓名", "身份证号", "手机号", "部门", "是否住厂", "是否闭环"], rows
    )


# --- retention, partitions, keys ----------------------------------------------------------

PARTITIONED = ("health_declaration", "health_gatecheck")


def _partitions(cursor, table):
    """{day: partition name} of the day partitions of a partitioned table (PostgreSQL)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        [table],
    )
    found = {}
    for (name,) in cursor.fetchall():
        suffix = name.rsplit("_p", 1)[-1]
        if suffix.isdigit() and len(suffix) == 8:
            found[datetime.date(int(suffix[:4]), int(suffix[4:6]), int(suffix[6:]))] = name
    return found


def ensure_partitions(start, end):
    """Create the day partitions from `start` to `end` (PostgreSQL; nothing elsewhere). A day
    whose rows already sit in the default partition is left there."""
    if connection.vendor != "postgresql":
        return 0
    made = 0
    with connection.cursor() as cursor:
        for table in PARTITIONED:
            have = _partitions(cursor, table)
            day = start
            while day <= end:
                if day not in have:
                    cursor.execute(
                        f"SELECT EXISTS (SELECT 1 FROM {table}_default WHERE day = %s)", [day]
                    )
                    if not cursor.fetchone()[0]:
                        cursor.execute(
                            f"CREATE TABLE IF NOT EXISTS {table}_p{day:%Y%m%d} PARTITION OF "
                            f"{table} FOR VALUES FROM (%s) TO (%s)",
                            [day, day + datetime.timedelta(days=1)],
                        )
                        made += 1
                day += datetime.timedelta(days=1)
    return made


def purge(today=None):
    """Remove declarations and gate checks older than their campaign's retention. On
    PostgreSQL a day partition past every campaign's window is dropped whole; rows of shorter
    windows (and the default partition) are deleted. Returns {table: rows removed}."""

    today = today or timezone.localdate()
    campaigns = list(Campaign.objects.all())
    removed = {"declarations": 0, "gate_checks": 0}
    if not campaigns:
        return removed
    longest = max(retention(c) for c in campaigns)
    if connection.vendor == "postgresql":
        cutoff = today - datetime.timedelta(days=longest)
        with connection.cursor() as cursor:
            for table, key in zip(PARTITIONED, removed, strict=True):
                for day, name in sorted(_partitions(cursor, table).items()):
                    if day < cutoff:
                        cursor.execute(f"SELECT count(*) FROM {name}")
                        removed[key] += cursor.fetchone()[0]
                        cursor.execute(f"DROP TABLE {name}")
    for c in campaigns:
        cutoff = today - datetime.timedelta(days=retention(c))
        removed["declarations"] += Declaration.objects.filter(campaign=c, day__lt=cutoff).delete()[
            0
        ]
        removed["gate_checks"] += GateCheck.objects.filter(campaign=c, day__lt=cutoff).delete()[0]
    return removed


@transaction.atomic
def rotate_keys():
    """Re-encrypt every stored ID number and phone under the first configured key (after a new
    key was put first in FUGONG_DATA_KEYS). Returns the number of rows rewritten."""
    done = 0
    for e in Employee.objects.all().only("id", "id_enc", "phone_enc"):
        e.id_enc, e.phone_enc = crypto.rotate(e.id_enc), crypto.rotate(e.phone_enc)
        e.save(update_fields=["id_enc", "phone_enc"])
        done += 1
    for g in GateCheck.objects.exclude(phone_enc="").only("id", "day", "phone_enc"):
        GateCheck.objects.filter(pk=g.pk, day=g.day).update(phone_enc=crypto.rotate(g.phone_enc))
        done += 1
    audit(SYSTEM, "update", target_type="health.keys", detail={"rotated": done})
    return done
