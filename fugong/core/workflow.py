"""The workflow engine: a versioned record (fields `state`, `version`) moves by an action from
one of the action's source states to its target under an optimistic version check (raising
`Conflict` when someone else moved it first); each move writes a timeline entry (`Step`, or
the workflow's own timeline), an audit entry and calls the workflow's notification hook.

A workflow is a table: `Workflow({"approve": ((SUBMITTED,), APPROVED), …})`. Applications,
passes and work orders move this way; the next workflow (inspections, policy applications,
extensions) is one more table. `advance()` is the engine without a table, for callers that
name the source states and the target themselves.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from .audit import audit
from .models import Step
from .permissions import SYSTEM, person


class Conflict(Exception):
    """The record changed since the caller looked at it (another officer acted first)."""


def record_step(
    obj: models.Model,
    action: str,
    user: Any = SYSTEM,
    *,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
) -> Step:
    """One entry in the timeline of `obj` (who, their unit, when, what, comment)."""
    return Step.objects.create(
        owner_type=obj._meta.label_lower,
        owner_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        user=person(user),
        unit=getattr(user, "unit", None),
        comment=comment,
    )


def timeline_of(obj: models.Model, labels: dict | None = None, states: Any = None) -> Any:
    """The timeline of `obj`, oldest first; with `labels` (action → label) and `states` (the
    record's state choices), as (step, action label, state label) for display."""
    steps = Step.objects.filter(owner_type=obj._meta.label_lower, owner_id=obj.pk).select_related(
        "user", "unit"
    )
    if labels is None:
        return steps
    return [
        (s, labels.get(s.action, s.action), states(s.to_state).label if s.to_state else "")
        for s in steps
    ]


# a timeline writer: (obj, action, user, *, from_state, to_state, comment)
Timeline = Callable[..., Any]
# a notification hook: (obj, action, comment)
Notify = Callable[[Any, str, str], Any]


def _move(
    obj: models.Model,
    version: int,
    sources: Iterable[str],
    target: str,
    user: Any,
    action: str,
    comment: str,
    changes: dict,
    timeline: Timeline = record_step,
    conflict: str = "",
) -> models.Model:
    updated = (
        type(obj)
        .objects.filter(pk=obj.pk, version=version, state__in=tuple(sources))
        .update(state=target, version=F("version") + 1, **changes)
    )
    if not updated:
        raise Conflict(conflict or _("该记录已被他人处理，请刷新后再试"))
    before = obj.state
    obj.refresh_from_db()
    timeline(obj, action, user, from_state=before, to_state=target, comment=comment)
    audit(user, "update", obj, detail={"action": action, "from": before, "to": target})
    return obj


def advance(
    obj: models.Model,
    version: int,
    sources: Iterable[str],
    target: str,
    *,
    user: Any = SYSTEM,
    action: str = "",
    comment: str = "",
    **changes: Any,
) -> models.Model:
    """Move a versioned record from one of `sources` to `target` if it is still at `version`,
    record the step in its timeline and the audit log; raise Conflict when someone else moved
    it first. Call inside the caller's transaction."""
    return _move(obj, version, sources, target, user, action, comment, changes)


class Workflow:
    """The allowed transitions of one kind of record, `{action: (sources, target)}`, and how a
    move is recorded (`timeline`, by default `Step`) and told (`notify`, called after the
    move with the record, the action and the comment)."""

    def __init__(
        self,
        transitions: dict[str, tuple[Iterable[str], str]],
        *,
        timeline: Timeline = record_step,
        notify: Notify | None = None,
        conflict: str = "",
    ) -> None:
        self.transitions = {a: (tuple(s), t) for a, (s, t) in transitions.items()}
        self.timeline = timeline
        self.notify = notify
        self.conflict = conflict

    def __contains__(self, action: str) -> bool:
        return action in self.transitions

    def sources(self, action: str) -> tuple[str, ...]:
        return self.transitions[action][0] if action in self.transitions else ()

    def target(self, action: str) -> str:
        return self.transitions[action][1]

    def possible(self, state: str) -> list[str]:
        """The actions the table allows from `state`, in the table's order."""
        return [a for a, (sources, _t) in self.transitions.items() if state in sources]

    def who_acts(self, state: str, actors: dict[str, Any]) -> list[str]:
        """Who acts next on a record in `state`: the actor (`actors`: action → who, only the
        actions that move a record forward) of each action the table allows from `state`,
        each once, in the table's order; [] when nobody has to act (a closed record)."""
        seen: list[str] = []
        for action in self.possible(state):
            who = actors.get(action)
            if who and str(who) not in seen:
                seen.append(str(who))
        return seen

    def move(
        self,
        obj: models.Model,
        version: int,
        action: str,
        *,
        user: Any = SYSTEM,
        comment: str = "",
        step: str = "",
        notify: bool = True,
        **changes: Any,
    ) -> models.Model:
        """Move `obj` by `action` (recorded as `step` when given, e.g. "approve_first");
        `changes` are further fields written in the same update. Call inside the caller's
        transaction."""
        sources, target = self.transitions[action]
        obj = _move(
            obj,
            version,
            sources,
            target,
            user,
            step or action,
            comment,
            changes,
            self.timeline,
            self.conflict,
        )
        if notify and self.notify is not None:
            self.notify(obj, action, comment)
        return obj
