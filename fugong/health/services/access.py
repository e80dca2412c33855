"""Health use-cases: who sees what (own accounts by name, the government counts only)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
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
