"""Health use-cases: who sees what (own accounts by name, the government counts only)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from fugong.core.services import audit, campaign_for
from fugong.registry.models import (
    enterprise_id_of,
)

from ..models import (
    Declaration,
    Employee,
    GateCheck,
)

if TYPE_CHECKING:
    from datetime import date

    from django.db.models import QuerySet

    from fugong.core.models import Campaign
    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


DEFAULT_THRESHOLD = 373  # campaign.sla["fever_threshold_tenths"]: 37.3 °C
DEFAULT_RETENTION = 30  # campaign.sla["health_retention_days"]
LOWEST, HIGHEST = Decimal("34.0"), Decimal("42.0")  # a body temperature outside is a typo
CODE_KIND = "declare"
GATE_SALT = "fugong.health.gate"


def threshold(campaign: Campaign) -> Decimal:
    return Decimal((campaign.sla or {}).get("fever_threshold_tenths", DEFAULT_THRESHOLD)) / 10


def retention(campaign: Campaign) -> int:
    return int((campaign.sla or {}).get("health_retention_days", DEFAULT_RETENTION))


def _campaign(enterprise: Enterprise, day: date) -> Campaign:
    campaign = campaign_for(enterprise, day)
    if campaign is None:
        raise ValidationError(_("当前没有覆盖本企业的应急事件"))
    return campaign


def may_unmask(user: Actor, enterprise: Enterprise) -> bool:
    return user.is_health_officer and enterprise_id_of(user) == enterprise.pk


def roster_of(user: Actor) -> QuerySet[Employee]:
    """The roster this user may see by name: their own enterprise's, else nothing."""
    enterprise_id = enterprise_id_of(user)
    return Employee.objects.filter(enterprise_id=enterprise_id or 0)


def declarations_of(user: Actor) -> QuerySet[Declaration]:
    return Declaration.objects.filter(enterprise_id=enterprise_id_of(user) or 0)


def gate_checks_of(user: Actor) -> QuerySet[GateCheck]:
    return GateCheck.objects.filter(enterprise_id=enterprise_id_of(user) or 0)


def with_employees(rows: QuerySet, enterprise_id: int) -> QuerySet:
    """Declarations or gate checks with their employees fetched by a second query of the same
    enterprise (not a join on employee id alone, which Citus could not co-locate)."""
    return rows.filter(enterprise_id=enterprise_id).prefetch_related(
        Prefetch("employee", queryset=Employee.objects.filter(enterprise_id=enterprise_id))
    )


def audit_unmasked(user: Actor, enterprise: Enterprise, what: str, count: int) -> None:
    audit(
        user,
        "view_personal",
        enterprise,
        detail={"personal_data": what, "unmasked": True, "records": count},
    )
