"""The Django admin of workforce: every model, audited (core.admin.DomainAdmin)."""

from fugong.core.admin import register

from .models import Bubble, CharterBus, CommuterLine, Match, SeatBooking, TravelDemand, Vacancy

register(
    Vacancy, ("enterprise", "post", "number", "pay", "place"), ("state",), ("enterprise__name",)
)
register(Match, ("kind", "workers", "from_enterprise", "note", "created_at"), ("kind",))
register(Bubble, ("enterprise", "site", "lodging"), (), ("enterprise__name",))
register(CharterBus, ("region", "origin", "destination", "departs_on", "seats"))
register(
    TravelDemand, ("enterprise", "origin", "workers", "travel_on", "bus"), (), ("enterprise__name",)
)
register(CommuterLine, ("region", "name", "capacity", "created_at"), (), ("name",))
register(
    SeatBooking,
    ("enterprise", "day", "departure", "seats", "created_at"),
    (),
    ("enterprise__name",),
)
