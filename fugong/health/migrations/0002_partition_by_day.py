"""On PostgreSQL, declarations and gate checks become tables partitioned by day (primary key
id + day), with a default partition and day partitions from 60 days back to 7 ahead; retention
then drops whole partitions. Other databases keep plain tables."""

import datetime

from django.db import migrations

TABLES = ("health_declaration", "health_gatecheck")


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            )
            uniques = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_plain")
            cursor.execute(
                f"CREATE TABLE {table} (LIKE {table}_plain INCLUDING DEFAULTS INCLUDING IDENTITY) "
                "PARTITION BY RANGE (day)"
            )
            cursor.execute(f"DROP TABLE {table}_plain")
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id, day)")
            for name, definition in uniques:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            for _name, definition in indexes:
                cursor.execute(definition.replace(f"{table}_plain", table))
            cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
            today = datetime.date.today()
            for offset in range(-60, 8):
                day = today + datetime.timedelta(days=offset)
                cursor.execute(
                    f"CREATE TABLE {table}_p{day:%Y%m%d} PARTITION OF {table} "
                    "FOR VALUES FROM (%s) TO (%s)",
                    [day, day + datetime.timedelta(days=1)],
                )


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
