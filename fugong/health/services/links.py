"""Health use-cases: the employee's personal declaration link. The link carries a random token
that identifies the employee (the enterprise contact never sees it: only its keyed hash is
stored, like ID numbers); the health officer issues it (a printed slip or an SMS), revokes it
and issues a new one, every step audited; every identification through a link, success or
failure, is audited without the token."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import crypto, sms
from fugong.core.models import User
from fugong.core.permissions import SYSTEM
from fugong.core.services import audit
from fugong.registry.models import enterprise_id_of

from ..models import Declaration, Employee
from .declarations import declare

if TYPE_CHECKING:
    from collections.abc import Callable

SMS_TEMPLATE = "declaration_link"  # the approved template's name in FUGONG_SMS["templates"]


def token_hash(secret: str) -> str:
    """The keyed hash stored for a link's secret (the part after the dot)."""
    return crypto.blind_index(f"declaration-link:{secret}")


def _split(token: str) -> tuple[int, str] | None:
    """(enterprise id, secret) of a `<enterprise id>.<secret>` token, None when malformed.
    The enterprise id lets every lookup filter by enterprise (the table is sharded by it)."""
    head, dot, secret = (token or "").partition(".")
    if not dot or not head.isdigit() or len(head) > 12 or not 16 <= len(secret) <= 64:
        return None
    return int(head), secret


def _require_health_officer(user: User, employee: Employee) -> None:
    if not (user.is_health_officer and enterprise_id_of(user) == employee.enterprise_id):
        raise PermissionError(_("只有本企业的防疫专员可以发放或作废员工的申报链接"))


@transaction.atomic
def issue_link(user: User, employee: Employee) -> str:
    """A new personal token for the employee (any earlier one stops working). The token is
    returned once, to print or send; only its keyed hash is kept."""
    _require_health_officer(user, employee)
    if not employee.active:
        raise PermissionError(_("该员工已不在册"))
    secret = secrets.token_urlsafe(18)
    reissue = bool(employee.link_hash)
    employee.link_hash = token_hash(secret)
    employee.link_issued_at = timezone.now()
    employee.save(update_fields=["link_hash", "link_issued_at", "updated_at"])
    audit(user, "issue_link", employee, detail={"reissue": reissue})
    return f"{employee.enterprise_id}.{secret}"


@transaction.atomic
def revoke_link(user: User, employee: Employee) -> None:
    _require_health_officer(user, employee)
    had = bool(employee.link_hash)
    employee.link_hash = ""
    employee.link_issued_at = None
    employee.save(update_fields=["link_hash", "link_issued_at", "updated_at"])
    audit(user, "revoke_link", employee, detail={"had_link": had})


def sms_available() -> bool:
    """A gateway that really sends, with an approved template for the link."""
    config = sms.config()
    return config.get("provider", "log") != "log" and bool(
        config.get("templates", {}).get(SMS_TEMPLATE)
    )


@transaction.atomic
def send_link_sms(user: User, employee: Employee, url_of: Callable[[str], str]) -> bool:
    """Issue a new link and text it to the employee's phone (`url_of(token)` is its address).
    False, and nothing issued, without a configured gateway or a mobile number."""
    _require_health_officer(user, employee)
    if not sms_available() or not employee.phone:
        return False
    token = issue_link(user, employee)
    queued = sms.queue(
        employee.phone,
        SMS_TEMPLATE,
        {"name": employee.masked_name, "url": url_of(token)},
        title=_("健康申报链接"),
    )
    if queued is None:
        transaction.set_rollback(True)
        return False
    audit(user, "send_link", employee, detail={"channel": "sms"})
    return True


@transaction.atomic(savepoint=False)  # raises nothing of its own: no savepoint needed
def employee_by_link(token: str, ip: str = "") -> Employee | None:
    """The active employee whose personal link this is, or None; audited either way (the
    token never: a failure records only the address and the enterprise id it claimed)."""
    parts = _split(token)
    employee = None
    if parts is not None:
        enterprise_id, secret = parts
        employee = (
            Employee.objects.select_related("enterprise__region")
            .filter(enterprise_id=enterprise_id, link_hash=token_hash(secret), active=True)
            .first()
        )
    if employee is None:
        audit(
            SYSTEM,
            "identify_failed",
            target_type="health.employee",
            detail={"via": "personal_link", "ip": ip, "enterprise": parts[0] if parts else None},
        )
        return None
    audit(SYSTEM, "identify", employee, detail={"via": "personal_link", "ip": ip})
    return employee


@transaction.atomic
def declare_by_link(token: str, data: dict, ip: str = "") -> Declaration | None:
    """The one request that identifies (the personal link, audited) and declares, in one
    transaction; None for a link that identifies nobody (the failure audited)."""
    employee = employee_by_link(token, ip=ip)
    if employee is None:
        return None
    return declare(employee.enterprise, employee, data)
