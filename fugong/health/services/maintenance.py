"""Health use-cases: retention, partitions, keys."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from fugong.core import crypto
from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.core.services import audit

from ..models import (
    Declaration,
    Employee,
    GateCheck,
)
from .access import retention

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

PARTITIONED = ("health_declaration", "health_gatecheck")


def _partitions(cursor: CursorWrapper, table: str) -> dict[datetime.date, str]:
    """{day: partition name} of the day partitions of a partitioned table (PostgreSQL)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        [table],
    )
    found = {}
    for (name,) in cursor.fetchall():
        suffix = name.rsplit("_p", 1)[-1]
        if suffix.isdigit() and len(suffix) == 8:
            found[datetime.date(int(suffix[:4]), int(suffix[4:6]), int(suffix[6:]))] = name
    return found


def ensure_partitions(start: datetime.date, end: datetime.date) -> int:
    """Create the day partitions from `start` to `end` (PostgreSQL; nothing elsewhere). A day
    whose rows already sit in the default partition is left there."""
    if connection.vendor != "postgresql":
        return 0
    made = 0
    with connection.cursor() as cursor:
        for table in PARTITIONED:
            have = _partitions(cursor, table)
            day = start
            while day <= end:
                if day not in have:
                    cursor.execute(
                        f"SELECT EXISTS (SELECT 1 FROM {table}_default WHERE day = %s)", [day]
                    )
                    if not cursor.fetchone()[0]:
                        cursor.execute(
                            f"CREATE TABLE IF NOT EXISTS {table}_p{day:%Y%m%d} PARTITION OF "
                            f"{table} FOR VALUES FROM (%s) TO (%s)",
                            [day, day + datetime.timedelta(days=1)],
                        )
                        made += 1
                day += datetime.timedelta(days=1)
    return made


def purge(today: datetime.date | None = None) -> int:
    """Remove declarations and gate checks older than their campaign's retention. On
    PostgreSQL a day partition past every campaign's window is dropped whole; rows of shorter
    windows (and the default partition) are deleted. Returns {table: rows removed}."""

    today = today or timezone.localdate()
    campaigns = list(Campaign.objects.all())
    removed = {"declarations": 0, "gate_checks": 0}
    if not campaigns:
        return removed
    longest = max(retention(c) for c in campaigns)
    if connection.vendor == "postgresql":
        cutoff = today - datetime.timedelta(days=longest)
        with connection.cursor() as cursor:
            for table, key in zip(PARTITIONED, removed, strict=True):
                for day, name in sorted(_partitions(cursor, table).items()):
                    if day < cutoff:
                        cursor.execute(f"SELECT count(*) FROM {name}")
                        removed[key] += cursor.fetchone()[0]
                        cursor.execute(f"DROP TABLE {name}")
    for c in campaigns:
        cutoff = today - datetime.timedelta(days=retention(c))
        removed["declarations"] += Declaration.objects.filter(campaign=c, day__lt=cutoff).delete()[
            0
        ]
        removed["gate_checks"] += GateCheck.objects.filter(campaign=c, day__lt=cutoff).delete()[0]
    return removed


@transaction.atomic
def rotate_keys() -> int:
    """Re-encrypt every stored ID number and phone under the first configured key (after a new
    key was put first in FUGONG_DATA_KEYS). Returns the number of rows rewritten."""
    done = 0
    for e in Employee.objects.all().only("id", "enterprise_id", "id_enc", "phone_enc"):
        e.id_enc, e.phone_enc = crypto.rotate(e.id_enc), crypto.rotate(e.phone_enc)
        e.save(update_fields=["id_enc", "phone_enc"])
        done += 1
    rows = GateCheck.objects.exclude(phone_enc="").only("id", "enterprise_id", "day", "phone_enc")
    for g in rows:
        GateCheck.objects.filter(enterprise_id=g.enterprise_id, pk=g.pk, day=g.day).update(
            phone_enc=crypto.rotate(g.phone_enc)
        )
        done += 1
    audit(SYSTEM, "update", target_type="health.keys", detail={"rotated": done})
    return done
