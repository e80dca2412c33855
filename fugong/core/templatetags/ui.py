"""Template helpers of the Tabler layout: one colour per meaning of a state, across the product
(green done / valid / resumed, blue under way, orange waiting on someone / partly there, red
refused / failed / urgent / abnormal, grey ended / not started). The resumption colours are the
charts' (复工 green, 部分复工 amber, 未复工 grey): `dashboard/static/dashboard/dashboard.js`."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

register = template.Library()

STATE_COLOURS = {
    "green": {
        "approved",
        "resolved",
        "closed",
        "sent",
        "full",
        "valid",
        "normal_production",
        "reported",
        "admitted",
        "healthy",
        "enabled",
        "upheld",
        "published",
        "granted",
        "settled",
    },
    "blue": {"triaged", "dispatched", "accepted", "in_progress", "sending", "current"}
    | {"shared", "offered", "bought", "handed_over"},
    "orange": {
        "submitted",
        "first_approved",
        "returned",
        "new",
        "reopened",
        "pending",
        "partial",
        "high",
        "not_yet_valid",
        "to_report",
        "waiting",
        "open",
    },
    "red": {
        "rejected",
        "revoked",
        "failed",
        "urgent",
        "invalid",
        "expired",
        "abnormal",
        "refused",
        "overdue",
        "declined",
    },
    "grey": {"withdrawn", "normal", "not_resumed", "never_reported", "removed", "disabled"}
    | {"draft", "cancelled"},
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


@register.simple_tag
def tag(label: str, colour: str = "blue") -> str:
    """`{% tag membership.list.name %}`: a label that is not a state (a list, a kind), in one of
    the state colours."""
    return format_html(
        '<span class="fg-state fg-state-{}">{}</span>',
        colour if colour in STATE_COLOURS else "blue",
        label,
    )


@register.filter
def state_colour(value: str) -> str:
    """`{{ order.state|state_colour }}`: the colour name of a state (for a row's border or a
    figure)."""
    return COLOUR_OF.get(str(value), "grey")


@register.filter
def thousands(value) -> str:
    """`{{ n.requested|thousands }}`: 2000 → 2,000, 12.5 → 12.5 (one way to write a figure)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return value
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
