"""Application use-cases: shared pieces."""

from fugong.core.services import (
    working_deadline,
)

from ..models import Application

State = Application.State
Kind = Application.Kind

CODE_KIND = "certificate"
DEFAULT_STEPS = 2  # campaign.sla["approval_steps"]: 2 = township/park, then county; 1 = county
DEFAULT_REVIEW_HOURS = 48  # campaign.sla["approval_hours"], per step, in working days
MIN_CLOSED_LOOP_DAYS = 7  # campaign.sla["closed_loop_min_days"]: food and stock to last


def steps_of(campaign):
    return 1 if (campaign.sla or {}).get("approval_steps", DEFAULT_STEPS) == 1 else 2


def _due(campaign, now=None):
    return working_deadline((campaign.sla or {}).get("approval_hours", DEFAULT_REVIEW_HOURS), now)
