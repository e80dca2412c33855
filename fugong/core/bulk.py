"""Inserting many new rows at once: `insert(Model, objects)` is `bulk_create` (no signals, no
`save()`), done on PostgreSQL with COPY and primary keys drawn from the table's sequence first,
so that every object has its `pk` afterwards just as with `bulk_create`. For 10,000 enterprises
it takes a fraction of the time Django's INSERT compiler needs to render the statement."""

from django.db import connection, models
from django.utils import timezone

# fields whose Python value psycopg writes as the column's value without Django's preparation
_DIRECT = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
    models.DecimalField,
    models.ForeignKey,
)


def insert(model: type[models.Model], objs: list, batch_size: int = 1000) -> list:
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=batch_size)
    meta = model._meta
    fields = list(meta.concrete_fields)
    pk = meta.pk
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, value)
        now = timezone.now()
        stamped = [
            f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        for obj in objs:  # one timestamp for the batch
            for f in stamped:
                setattr(obj, f.attname, now)
        prepared = [(f, isinstance(f, _DIRECT)) for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = []
                for f, direct in prepared:
                    if direct:
                        row.append(getattr(obj, f.attname))
                    else:
                        row.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
