"""The Django admin of projects: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import (
    CoordinationRequest,
    LinkIssue,
    Project,
    ProjectProblem,
    ProjectReminderRun,
    ProjectReport,
    SupplyLink,
)

register(
    Project, ("name", "investor", "region", "investment", "planned_start"), ("status",), ("name",)
)
register(
    ProjectReport,
    ("project", "date", "status", "workers_on_site", "on_time", "version"),
    ("status", "on_time"),
    ("project__name",),
)
register(ProjectReminderRun, ("campaign", "day", "at", "kind", "missing"), ("kind",))
register(ProjectProblem, ("state", "order_id", "solved_on"), ("state",))
register(
    SupplyLink,
    ("enterprise", "direction", "partner", "partner_name", "partner_city"),
    ("state", "direction"),
    ("enterprise__name",),
)
register(LinkIssue, ("unit", "state"), ("state",), ("enterprise__name",))
register(CoordinationRequest, ("city", "centre", "state", "answered_by", "answered_at"), ("state",))
