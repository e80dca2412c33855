"""The Django admin of power: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import Baseline, Reading

register(Reading, ("enterprise", "day", "kwh"), (), ("enterprise__name",))
register(Baseline, ("month", "days", "kwh_per_day"), (), ("enterprise__name",))
