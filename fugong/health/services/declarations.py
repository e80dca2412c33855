"""Health use-cases: declarations."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.codes import check_code, new_code
from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.permissions import health_officers
from fugong.core.services import announce, as_date

from ..models import (
    SYMPTOMS,
    Declaration,
    Employee,
    EnterpriseHealth,
    TestResult,
)
from .access import CODE_KIND, GATE_SALT, HIGHEST, LOWEST, _campaign, threshold

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime
    from typing import Any

    from fugong.core.models import Campaign
    from fugong.registry.models import Enterprise


def declaration_code(enterprise: Enterprise) -> str:
    """The signed code of the enterprise's declaration page (its poster's QR)."""
    health, _created = EnterpriseHealth.objects.get_or_create(
        enterprise=enterprise, defaults={"declare_code": new_code(CODE_KIND)}
    )
    return health.declare_code


def enterprise_by_code(code: str) -> Enterprise | None:
    if not check_code(CODE_KIND, code):
        return None
    health = EnterpriseHealth.objects.select_related("enterprise__region").filter(declare_code=code)
    health = health.first()
    return health.enterprise if health else None


def _temperature(value: object, field: str = "temperature") -> Decimal:
    try:
        t = parse_decimal(value)  # NaN, Infinity, overflowing exponents: refused here
    except BadInput as exc:
        raise ValidationError({field: _("请填写体温，如 36.5")}) from exc
    if t is None:
        raise ValidationError({field: _("请填写体温，如 36.5")})
    t = t.quantize(Decimal("0.1"))
    if not LOWEST <= t <= HIGHEST:
        raise ValidationError({field: _("体温 %(t)s℃ 不在 34.0–42.0℃ 之间，请重新测量") % {"t": t}})
    return t


def judge(
    campaign: Campaign,
    temperature: Decimal,
    symptoms: Sequence[str],
    risk_area: bool,
    contact: bool,
    test_result: str,
) -> list[str]:
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


def declare(
    enterprise: Enterprise, employee: Employee, data: dict[str, Any], now: datetime | None = None
) -> Declaration:
    """Today's declaration of an employee (a second one the same day replaces it). An abnormal
    one alerts the enterprise's health officers.

    Checked before anything is written, then saved by one statement (an insert that updates
    the day's row when there is one: no read first, and the day's partition only)."""
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
    declaration = Declaration(
        campaign=campaign,
        enterprise=enterprise,
        employee=employee,
        day=today,
        temperature=temperature,
        symptoms=symptoms,
        risk_area=risk_area,
        contact=contact,
        test_result=test_result,
        abnormal=bool(reasons),
        reasons=reasons,
    )
    with transaction.atomic(savepoint=False):  # everything is checked: no savepoint
        Declaration.objects.bulk_create(
            [declaration],
            update_conflicts=True,
            unique_fields=["enterprise", "employee", "day"],
            update_fields=[*REPLACED, "updated_at"],
        )
        if reasons:
            officers = health_officers().filter(enterprise_account__enterprise=enterprise)
            announce(
                officers,
                kind="health_alert",
                title=_("健康异常：%(n)s（%(r)s）")
                % {"n": employee.masked_name, "r": "、".join(reasons)},
                url="/health/declarations/?abnormal=1",
            )
    return declaration


# what a second declaration of the day replaces
REPLACED = (
    "campaign",
    "temperature",
    "symptoms",
    "risk_area",
    "contact",
    "test_result",
    "abnormal",
    "reasons",
)


def gate_code(declaration: Declaration) -> str:
    """The personal code of today's declaration (the QR the employee shows at the gate): the
    employee and the day, signed — the same all day, so a worker draws its QR once, and short,
    so the QR is a small one (version 7 instead of 8 for a typical address)."""
    return _gate_signer().sign(f"{declaration.employee_id}.{declaration.day:%Y%m%d}")


def _gate_signer() -> signing.Signer:
    # the day is in the signed value and checked on every scan: the code needs no timestamp
    return signing.Signer(salt=GATE_SALT + ".day")


def _read_gate_code(code: str) -> tuple[int, str]:
    """The employee id and ISO day a gate code names; `BadSignature` for anything we did not
    sign. Codes of the earlier, timestamped form (`signing.dumps`, until 2026-12) are still
    read, so the pages open during a deploy keep working for the rest of their day."""
    try:
        employee, day = _gate_signer().unsign(code).split(".")
        return int(employee), f"{day[:4]}-{day[4:6]}-{day[6:]}"
    except signing.BadSignature:
        employee_id, day = signing.loads(code, salt=GATE_SALT, max_age=36 * 3600)
        return int(employee_id), str(day)


def employee_by_gate_code(enterprise: Enterprise, code: str, today: date) -> Employee:
    try:
        employee_id, day = _read_gate_code(code)
    except signing.BadSignature as exc:
        raise ValidationError(_("二维码无效或已被篡改")) from exc
    if day != today.isoformat():
        raise ValidationError(_("这是 %(d)s 的申报码，请出示今日申报码") % {"d": day})
    employee = Employee.objects.filter(pk=employee_id, enterprise=enterprise).first()
    if employee is None:
        raise ValidationError(_("该申报码不属于本企业"))
    return employee
