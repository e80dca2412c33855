"""The workflow engine: a versioned record (fields `state`, `version`) moves from state to state
under an optimistic version check; each move is a timeline entry (`Step`), an audit entry and,
when the caller asks, a notification. Approvals, passes and work orders all move this way."""

from django.db.models import F
from django.utils.translation import gettext as _

from .audit import audit
from .models import Step


class Conflict(Exception):
    """The record changed since the caller looked at it (another officer acted first)."""


def advance(obj, version, sources, target, *, user=None, action="", comment="", **changes):
    """Move a versioned record (fields `state`, `version`) from one of `sources` to `target`
    if it is still at `version`, record the step in its timeline and the audit log; raise
    Conflict when someone else moved it first. Call inside the caller's transaction."""
    model = type(obj)
    updated = model.objects.filter(pk=obj.pk, version=version, state__in=sources).update(
        state=target, version=F("version") + 1, **changes
    )
    if not updated:
        raise Conflict(_("该记录已被他人处理，请刷新后再试"))
    before = obj.state
    obj.refresh_from_db()
    record_step(obj, action, user, from_state=before, to_state=target, comment=comment)
    audit(user, "update", obj, detail={"action": action, "from": before, "to": target})
    return obj


def timeline_of(obj, labels=None, states=None):
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


def record_step(obj, action, user=None, *, from_state="", to_state="", comment=""):
    """One entry in the timeline of `obj` (who, their unit, when, what, comment)."""
    return Step.objects.create(
        owner_type=obj._meta.label_lower,
        owner_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        user=user if user is not None and user.pk else None,
        unit=getattr(user, "unit", None),
        comment=comment,
    )
