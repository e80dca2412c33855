"""The Django admin of inspections: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import Inspection, InspectionPlan, ItemResult, Rectification, Team

register(InspectionPlan, ("campaign", "name", "region", "share", "seed"), (), ("name",))
register(Team, ("plan", "name"), (), ("name",))
register(
    Inspection,
    ("plan", "enterprise", "team", "reinspection_of", "due_on"),
    ("state", "result"),
    ("enterprise__name",),
)
register(ItemResult, ("key", "label", "outcome", "serious"), ("outcome",))
register(
    Rectification,
    ("inspection", "enterprise", "key", "label", "deadline"),
    ("state",),
    ("enterprise__name",),
)
