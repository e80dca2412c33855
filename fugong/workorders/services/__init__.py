"""Work-order use-cases. Every state change is one transaction, guarded by the order's version
(two officers acting at once: one wins, the other gets Conflict), recorded in the timeline and
the audit log, and notified.

One module per use-case family; everything is re-exported here, so callers keep
importing from the package."""

# ruff: noqa: F401

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.excel import write_xlsx
from fugong.core.models import Unit
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import (
    Conflict,
    Workflow,
    announce,
    announce_to_units,
    audit,
    campaign_for,
    units_above,
    working_deadline,
)
from fugong.core.uploads import attach, check_uploads
from fugong.registry.models import Enterprise, ListMembership

from .. import chat, triage
from ..models import (
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
)
from .base import DEFAULT_CATEGORIES, MAX_TEXT, seed_categories
from .chats import (
    ChatProposal,
    _qty,
    export_orders,
    import_chat,
    map_sender,
    preview_chat,
    retrain_triage,
)
from .cohandling import ASSISTING_KINDS, assists_visible_to, events_visible_to, open_assist_of
from .figures import _median, order_figures
from .filters import QUEUE_VIEWS, WorkOrderFilter, order_ids
from .grouping import (
    CANDIDATES,
    SIMILARITY,
    _may_group,
    deliver,
    edit_group,
    group_orders,
    models_q_label,
    similar_open_orders,
    split_order,
    transition_group,
)
from .intake import (
    REPORT_NEEDS,
    clean_needs,
    clean_text,
    create_order,
    intake_from_report,
    priority_for,
)
from .requests import extension_limit, paused_for, pending_extension, pending_refusal
from .routing import deadline_for, sign_deadline_for, suggested_unit
from .stepinput import StepInput
from .transitions import (
    ALIASES,
    AUTOCLOSE_DAYS,
    FLOW,
    REMIND_HOURS,
    TRANSITIONS,
    WrongState,
    _event,
    _notify_step,
    allowed_actions,
    close_confirmed_by_silence,
    escalate_overdue,
    next_actor,
    remind_due_orders,
    transition,
)
