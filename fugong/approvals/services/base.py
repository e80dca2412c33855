"""Application use-cases: shared pieces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fugong.core.services import (
    working_deadline,
)

from ..models import Application

if TYPE_CHECKING:
    from datetime import datetime

    from fugong.core.models import Campaign


State = Application.State
Kind = Application.Kind

CODE_KIND = "certificate"
DEFAULT_STEPS = 2  # campaign.sla["approval_steps"]: 2 = township/park, then county; 1 = county
DEFAULT_REVIEW_HOURS = 48  # campaign.sla["approval_hours"], per step, in working days
MIN_CLOSED_LOOP_DAYS = 7  # campaign.sla["closed_loop_min_days"]: food and stock to last


def steps_of(campaign: Campaign) -> int:
    return 1 if (campaign.sla or {}).get("approval_steps", DEFAULT_STEPS) == 1 else 2


def _due(campaign: Campaign, now: datetime | None = None) -> datetime:
    return working_deadline((campaign.sla or {}).get("approval_hours", DEFAULT_REVIEW_HOURS), now)
