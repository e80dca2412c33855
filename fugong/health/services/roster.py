"""Health use-cases: the roster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fugong.core import crypto
from fugong.core.services import audit
from fugong.core.validators import normalize_id_card, normalize_mobile
from fugong.registry.models import (
    enterprise_id_of,
)

from ..models import (
    Employee,
)

if TYPE_CHECKING:
    from typing import Any

    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


def clean_person(data: dict[str, Any]) -> dict[str, str]:
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


def fill_employee(employee: Employee, person: dict[str, str], data: dict[str, Any]) -> None:
    employee.name = person["name"]
    employee.id_enc = crypto.encrypt(person["id_number"])
    employee.id_hash = crypto.blind_index(person["id_number"])
    employee.phone_enc = crypto.encrypt(person["phone"])
    employee.phone_hash = crypto.blind_index(person["phone"])
    employee.department = str(data.get("department") or "").strip()[:50]
    employee.lives_on_site = bool(data.get("lives_on_site"))
    employee.in_bubble = bool(data.get("in_bubble"))


def _require_officer(user: Actor, enterprise: Enterprise) -> None:
    if not (enterprise_id_of(user) == enterprise.pk and user.works_for_enterprise):
        raise PermissionError(_("只有本企业的防疫专员和联系人可以管理员工名册"))


@transaction.atomic
def save_employee(
    user: Actor, enterprise: Enterprise, data: dict[str, Any], employee: Employee | None = None
) -> Employee:
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
