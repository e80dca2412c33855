"""The Django admin of supplies: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import SupplyItem, SupplyOrder

register(
    SupplyOrder,
    ("enterprise", "state", "deliver_by", "handover_point", "buyer"),
    ("state",),
    ("enterprise__name",),
)
register(SupplyItem, ("name", "quantity", "unit"), (), ("name",))
