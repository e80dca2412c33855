"""The audit trail: one hash-chained entry per change, and its verification."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditHead, AuditLog
from .permissions import person
from .validators import clean_controls

if TYPE_CHECKING:
    from typing import Any

    from django.db import models

    from .permissions import Actor


@transaction.atomic(savepoint=False)  # inside the caller's transaction: no savepoint round trips
def audit(
    user: Actor,
    action: str,
    obj: models.Model | None = None,
    *,
    target_type: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one entry to the audit log, chained by hash to the previous entry of its chain.

    The log is `settings.FUGONG_AUDIT_CHAINS` independent chains. A writer locks the head of
    a chain no other transaction holds (`SKIP LOCKED`) until the caller's transaction commits,
    so concurrent writers do not queue behind one global lock, and each chain stays in order
    (ids grow within a chain while its head is held). Only when every chain is busy does a
    writer wait for one. The system acting is `SYSTEM` (entries name it "system")."""

    if obj is not None:
        target_type = target_type or obj._meta.label_lower
    head = _lock_a_head(settings.FUGONG_AUDIT_CHAINS)
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
        chain=head.pk,
    )
    entry.detail = _json_safe(entry.detail)
    entry.hash = entry.content_hash(head.last_hash)
    entry.save()
    with connection.cursor() as cursor:  # SQL of our own: the ORM's compiling cost more here
        cursor.execute(
            f"UPDATE {AuditHead._meta.db_table} SET last_id = %s, last_hash = %s WHERE id = %s",
            [entry.pk, entry.hash, head.pk],
        )
    return entry


def _try_lock(chain: int) -> AuditHead | None:
    """The head of `chain`, locked, or None when another transaction holds it (or it does not
    exist yet). Every audited write starts here, so it is SQL of our own, as the update of the
    head: the ORM's compiling of the two was half of an audit entry's CPU."""
    lock = ""
    if connection.features.has_select_for_update_skip_locked:
        lock = connection.ops.for_update_sql(skip_locked=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, last_id, last_hash FROM {AuditHead._meta.db_table} WHERE id = %s {lock}",
            [chain],
        )
        row = cursor.fetchone()
    return AuditHead(id=row[0], last_id=row[1], last_hash=row[2]) if row else None


def _lock_a_head(chains: int) -> AuditHead:
    """The head of a chain no other transaction holds, locked: a random one of 1..`chains`
    (created when missing), else any free one; when all are held, wait for the random one."""
    k = random.randint(1, chains)
    heads = AuditHead.objects.select_for_update(skip_locked=True)
    head = _try_lock(k)
    if head is None and not AuditHead.objects.filter(pk=k).exists():
        AuditHead.objects.bulk_create([AuditHead(pk=k)], ignore_conflicts=True)
        head = _try_lock(k)
    if head is None:
        head = heads.filter(pk__lte=chains).order_by("?").first()
    if head is None:
        head = AuditHead.objects.select_for_update().get(pk=k)
    return head


def _json_safe(value: object) -> Any:

    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def verify_audit_chain() -> tuple[int, str | None]:
    """Walk every audit chain in order; return (entries checked, None) when all are intact, or
    (entries checked, what is wrong) at the first entry whose content no longer matches its
    hash or whose link to the previous entry of its chain is broken (an edit, an insertion, a
    deletion, a reordering, a move to another chain), or when a chain's newest entries were
    removed (its head names a later entry)."""
    prev: dict[int, str] = {}
    checked = 0
    for entry in AuditLog.objects.order_by("chain", "id").iterator(chunk_size=2000):
        last = prev.get(entry.chain, "")
        if entry.prev_hash != last:
            return checked, f"entry {entry.pk}: the link to the previous entry is broken"
        if entry.content_hash(last) != entry.hash:
            return checked, f"entry {entry.pk}: its content was changed"
        prev[entry.chain], checked = entry.hash, checked + 1
    heads = dict(AuditHead.objects.values_list("pk", "last_hash"))
    for chain in sorted(set(heads) | set(prev)):
        if chain not in heads:
            return checked, f"chain {chain}: its head is missing"
        if heads[chain] != prev.get(chain, ""):
            return checked, f"chain {chain}: the newest entries after {checked} were removed"
    return checked, None
