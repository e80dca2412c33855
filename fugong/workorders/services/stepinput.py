"""Work-order use-cases: an action's input and the plan of its move."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fugong.core.models import Unit

from ..models import Category, WorkOrder
from .routing import sign_deadline_for


@dataclass
class StepInput:
    """What a user sends with an action (each action reads the fields it needs)."""

    comment: str = ""
    unit: Unit | None = None
    category: Category | None = None
    rating: int | None = None
    confirm_undelivered: bool = False
    reason: str = ""
    rule: str = ""
    decision: str = ""
    until: date | datetime | None = None
    task: str = ""
    resolved: bool | None = None
    satisfied: bool | None = None


@dataclass
class Plan:
    row: str
    step: str = ""
    comment: str = ""
    changes: dict = field(default_factory=dict)
    assist_unit: Unit | None = None  # the unit a new sub-task reaches (it is told)


def check_unit(order: WorkOrder, unit: Unit | None) -> Unit:
    if unit is None:
        raise ValidationError({"unit": _("请选择承办单位")})
    if not order.enterprise.region.path.startswith(unit.region.path):
        raise ValidationError({"unit": _("%(u)s 的辖区不包含该企业") % {"u": unit}})
    return unit


def to_unit(order: WorkOrder, unit: Unit, now: datetime) -> dict:
    """The fields of sending the order to `unit`: the clock starts at its sign-for, so until
    then the order's deadline is the sign-for's."""
    due = sign_deadline_for(order, now)
    return {"unit": unit, "sign_deadline": due, "deadline": due, "signed_at": None}
