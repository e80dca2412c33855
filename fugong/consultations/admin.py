"""The Django admin of consultations: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import Call, Line

register(Line, ("name", "topic", "phone", "hours", "region"), ("active",), ("name",))
register(
    Call,
    ("line", "enterprise", "caller", "needs_action", "work_order_id"),
    (),
    ("enterprise__name",),
)
