"""The Django admin of financing: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import FinancingNeed, NeedShare

register(
    FinancingNeed,
    ("enterprise", "amount", "purpose", "term_months", "collateral"),
    ("state",),
    ("enterprise__name",),
)
register(NeedShare, ("need", "bank", "state", "product", "offer_amount"), ("state",))
