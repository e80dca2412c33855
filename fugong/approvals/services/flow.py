"""Application use-cases: the workflow (which action moves an application from where to where)."""

from fugong.core.services import (
    Workflow,
)

from ..models import Application
from .base import State

FLOW = Workflow(
    {
        "resubmit": ((State.RETURNED,), State.SUBMITTED),
        "withdraw": (Application.OPEN, State.WITHDRAWN),
        "approve_first": ((State.SUBMITTED,), State.FIRST_APPROVED),
        "approve": (Application.PENDING, State.APPROVED),
        "return": (Application.PENDING, State.RETURNED),
        "reject": (Application.PENDING, State.REJECTED),
        "revoke": ((State.APPROVED, State.SUSPENDED), State.REVOKED),
        # an inspection's serious findings suspend a qualification; a passed re-inspection
        # reinstates it (approvals.receivers)
        "suspend": ((State.APPROVED,), State.SUSPENDED),
        "reinstate": ((State.SUSPENDED,), State.APPROVED),
    }
)
