"""Template helpers of the Tabler layout: one colour per meaning of a state, across the product
(green done / valid, blue under way, orange waiting on someone, red refused / failed / urgent,
grey ended)."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

register = template.Library()

STATE_COLOURS = {
    "green": {"approved", "resolved", "closed", "sent", "full", "valid", "normal_production"},
    "blue": {"triaged", "dispatched", "accepted", "in_progress", "sending", "partial", "high"},
    "orange": {"submitted", "first_approved", "returned", "new", "reopened", "pending"},
    "red": {"rejected", "revoked", "failed", "urgent", "not_resumed", "invalid", "expired"},
    "grey": {"withdrawn", "normal"},
}
# inspections: an inspection planned / done / passed, a rectification open / reported, a
# qualification suspended, an item not applicable
for _colour, _states in {
    "green": {"passed"},
    "blue": {"done", "reported"},
    "orange": {"planned", "open"},
    "red": {"suspended"},
    "grey": {"na", "cancelled"},
}.items():
    STATE_COLOURS[_colour] |= _states
COLOUR_OF = {state: colour for colour, states in STATE_COLOURS.items() for state in states}


@register.simple_tag
def state_tag(value: str, label: str = "", element_id: str = "") -> str:
    """`{% state_tag order.state order.get_state_display %}`: the label in its state's colour."""
    colour = COLOUR_OF.get(str(value), "grey")
    if element_id:
        return format_html(
            '<span class="fg-state fg-state-{}" id="{}">{}</span>',
            colour,
            element_id,
            label or value,
        )
    return format_html('<span class="fg-state fg-state-{}">{}</span>', colour, label or value)


@register.filter
def thousands(value) -> str:
    """`{{ n.requested|thousands }}`: 2000 → 2,000, 12.5 → 12.5 (one way to write a figure)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return value
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
