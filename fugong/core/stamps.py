"""Stamps: one-row tables whose value database triggers renew on every write to some tables,
by any path (`save`, `QuerySet.update`, raw SQL, `COPY`, the admin), so that a process may keep
what it read from those tables for as long as the stamp it read with it is the current one.
Random rather than counted, so that the stamp of a transaction that rolled back never comes
back. PostgreSQL: one statement-level trigger per table, TRUNCATE included; SQLite has row
triggers only, one per event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, models

EVENTS = ("insert", "update", "delete")


class Stamp(models.Model):
    """A stamp's one row (id 1), renewed by the `Triggers` its migration makes."""

    stamp = models.CharField(max_length=32)

    class Meta:
        abstract = True

    def __str__(self):
        return self.stamp


@dataclass(frozen=True)
class Triggers:
    """The triggers renewing the stamp in `table` (row id 1) on writes to `sources`."""

    table: str  # the stamp's table
    name: str  # PostgreSQL: the function `{name}_renew` and each source's trigger `{name}`
    sources: tuple[str, ...]
    sqlite_name: str = "stamp"  # SQLite: the triggers `{source}_{sqlite_name}_{event}`

    def postgresql(self) -> str:
        triggers = "".join(
            f"CREATE TRIGGER {self.name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE\n"
            f"    ON {source} FOR EACH STATEMENT EXECUTE FUNCTION {self.name}_renew();\n"
            for source in self.sources
        )
        return f"""
CREATE FUNCTION {self.name}_renew() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {self.table} (id, stamp) VALUES (1, md5(gen_random_uuid()::text))
    ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END $$;
{triggers}INSERT INTO {self.table} (id, stamp) VALUES (1, md5(gen_random_uuid()::text));
"""

    def postgresql_back(self) -> str:
        drops = "".join(f"DROP TRIGGER {self.name} ON {source};\n" for source in self.sources)
        return f"\n{drops}DROP FUNCTION {self.name}_renew();\n"

    def sqlite(self) -> list[str]:
        # no INSERT OR REPLACE: inside a trigger SQLite applies the firing statement's conflict
        # policy, so an INSERT OR IGNORE (bulk_create(ignore_conflicts=True)) would keep the
        # old stamp
        return [
            f"CREATE TRIGGER {source}_{self.sqlite_name}_{event} AFTER {event.upper()} ON {source} "
            f"BEGIN UPDATE {self.table} SET stamp = hex(randomblob(16)) WHERE id = 1; "
            f"INSERT INTO {self.table} (id, stamp) SELECT 1, hex(randomblob(16)) "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.table} WHERE id = 1); END"
            for source in self.sources
            for event in EVENTS
        ] + [f"INSERT INTO {self.table} (id, stamp) VALUES (1, hex(randomblob(16)))"]

    def sqlite_back(self) -> list[str]:
        return [
            f"DROP TRIGGER {source}_{self.sqlite_name}_{event}"
            for source in self.sources
            for event in EVENTS
        ]

    def operation(self):
        """The migration operation making (and, backwards, dropping) the triggers."""
        from django.db import migrations

        def run(forward: bool):
            def apply(apps, schema_editor):
                if schema_editor.connection.vendor == "postgresql":
                    schema_editor.execute(self.postgresql() if forward else self.postgresql_back())
                else:
                    for statement in self.sqlite() if forward else self.sqlite_back():
                        schema_editor.execute(statement)

            return apply

        return migrations.RunPython(run(True), run(False))


class Keep:
    """Values a process keeps, per database and key, while the stamp in `table` is the one they
    were read under: a new stamp empties the keep, and a stamp of None (no row) keeps nothing.
    At most `most` keys per stamp; then the keep starts afresh."""

    def __init__(self, table: str, most: int = 4096):
        self.table, self.most = table, most
        self._kept: dict[str, tuple[str, dict]] = {}  # alias: (stamp, {key: value})

    def get(self, alias: str, key: object) -> tuple[Any, str | None]:
        """The value kept under `key` (None when there is none) and the stamp now, to `put` a
        value read after it under."""
        stamp = current(alias, self.table)
        kept = self._kept.get(alias)
        if stamp is None or kept is None or kept[0] != stamp:
            return None, stamp
        return kept[1].get(key), stamp

    def put(self, alias: str, stamp: str | None, key: object, value: object) -> None:
        """Keep `value`, read after `get` gave `stamp`, unless another thread kept a newer one
        since (its stamp then is the one the keep holds)."""
        if stamp is None:
            return
        kept = self._kept.get(alias)
        if kept is None or kept[0] != stamp:
            kept = self._kept[alias] = (stamp, {})
        elif len(kept[1]) >= self.most:
            kept[1].clear()
        kept[1][key] = value

    def clear(self) -> None:
        self._kept.clear()


def current(alias: str, table: str) -> str | None:
    """The stamp now in `table` as database `alias` sees it (None without its row: a test's
    flushed tables, when nothing may be kept)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT stamp FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None
