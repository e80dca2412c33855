"""Problems and needs as work orders (派工单): intake, dispatch to a unit, deadlines,
escalation (督办), refusal, extension, co-handling, return visits, and the dispatch catalogue."""

from .catalogue import CatalogueEntry
from .orders import (
    ACTION_LABELS,
    OPEN_STATES,
    Category,
    Channel,
    ChatSender,
    Event,
    NeedLine,
    Priority,
    ProblemGroup,
    State,
    WorkOrder,
    WorkOrderQuerySet,
)
from .steps import Assist, Extension, Handling, Refusal

__all__ = [
    "ACTION_LABELS",
    "OPEN_STATES",
    "Assist",
    "CatalogueEntry",
    "Category",
    "Channel",
    "ChatSender",
    "Event",
    "Extension",
    "Handling",
    "NeedLine",
    "Priority",
    "ProblemGroup",
    "Refusal",
    "State",
    "WorkOrder",
    "WorkOrderQuerySet",
]
