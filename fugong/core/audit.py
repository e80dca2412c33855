"""The audit trail: one hash-chained entry per change, and its verification."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from .models import AuditHead, AuditLog
from .permissions import person
from .validators import clean_controls

if TYPE_CHECKING:
    from typing import Any

    from django.db import models

    from .permissions import Actor


@transaction.atomic
def audit(
    user: Actor,
    action: str,
    obj: models.Model | None = None,
    *,
    target_type: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one entry to the audit log, chained to the previous one by hash (the head row is
    locked until the caller's transaction commits, so concurrent writers chain in order).
    The system acting is `SYSTEM` (entries name it "system")."""

    if obj is not None:
        target_type = target_type or obj._meta.label_lower
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditLog(
        at=timezone.now(),
        user=person(user),
        username=user.get_username(),
        action=action,
        target_type=target_type,
        target_id=str(obj.pk) if obj is not None else "",
        # cleaned before hashing: the pre_save cleaner must find nothing to change here
        target_repr=clean_controls(str(obj)[:200]) if obj is not None else "",
        detail=detail or {},
        prev_hash=head.last_hash,
    )
    entry.detail = _json_safe(entry.detail)
    entry.hash = entry.content_hash(head.last_hash)
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_id=entry.pk, last_hash=entry.hash)
    return entry


def _json_safe(value: object) -> Any:

    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def verify_audit_chain() -> tuple[int, str | None]:
    """Walk the audit log in order; return (entries checked, None) when intact, or (entries
    checked, what is wrong) at the first entry whose content no longer matches its hash or
    whose link to the previous one is broken (an edit, an insertion, a deletion), or when the
    newest entries were removed."""
    prev, checked = "", 0
    for entry in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return checked, f"entry {entry.pk}: the link to the previous entry is broken"
        if entry.content_hash(prev) != entry.hash:
            return checked, f"entry {entry.pk}: its content was changed"
        prev, checked = entry.hash, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return checked, f"the newest entries after {checked} were removed"
    return checked, None
