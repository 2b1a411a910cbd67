"""Hundreds of thousands of rows written at once, for demo data at scale (`seed_demo --scale`)
and imports (accounts/imports.py):
COPY on PostgreSQL, where Django's bulk INSERT spends more time compiling SQL than the
database spends storing rows; bulk_create elsewhere (SQLite, the embedded default).

Rows are model instances, so they carry the fields' defaults, and the database checks its
constraints on COPY as on INSERT."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter

from django.db import connection, models, transaction

BATCH_SIZE = 2000
# Fields whose Python value the driver writes as it is; any other field (a country, JSON...)
# converts its value itself.
PLAIN_FIELDS = {
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.DecimalField,
    models.EmailField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a million rows are built and written: it would
    rescan them all again and again (a third of the building time) though none is garbage
    before the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def foreign_keys_checked_once(*tables: type[models.Model]) -> Iterator[None]:
    """Write many rows into the tables of these models with their foreign keys dropped, then
    add the keys back: PostgreSQL checks each in one join instead of once per row at the
    commit (millions of lookups), and refuses the whole block if a row points nowhere. The
    rows written before are checked first, as a table with checks pending cannot be altered.
    Elsewhere, does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'",
            [[model._meta.db_table for model in tables]],
        )
        foreign_keys = cursor.fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        yield
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def indexes_built_once(*tables: type[models.Model]) -> Iterator[None]:
    """Write many rows into the nearly empty tables of these models with their indexes and
    unique constraints dropped, then build each again in one sorted pass (as pg_restore
    does): a quarter of the CPU of keeping them row by row. The primary keys stay, and so do
    the unique constraints a foreign key rests on; a duplicate refuses the whole block when
    its constraint is added back. The tables are analysed afterwards, for the statistics of
    the indexes on expressions. Elsewhere, does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.indrelid::regclass::text, class.relname, constraint_.conname, "
            "pg_get_indexdef(index.indexrelid), pg_get_constraintdef(constraint_.oid) "
            "FROM pg_index index JOIN pg_class class ON class.oid = index.indexrelid "
            "LEFT JOIN pg_constraint constraint_ ON constraint_.conindid = index.indexrelid "
            "AND constraint_.conrelid = index.indrelid "
            "WHERE index.indrelid = ANY(%s::regclass[]) AND NOT index.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint referring WHERE referring.contype = 'f' "
            "AND referring.conindid = index.indexrelid)",
            [[model._meta.db_table for model in tables]],
        )
        indexes = cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no index is altered with checks pending
        for table, index, constraint, _, _ in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(constraint)}")
            else:
                cursor.execute(f"DROP INDEX {quote(index)}")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, _, constraint, index_definition, definition in indexes:
            if constraint:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(constraint)} {definition}"
                )
            else:
                cursor.execute(index_definition)
        for model in tables:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def gin_indexes_filled_in_bulk(*tables: type[models.Model]) -> Iterator[None]:
    """Write many rows into the tables of these models with their GIN indexes kept without a
    pending list (the search's, config/trigram.py) taking it for the block, then merge it in
    one pass and turn it off again: without it, each row updates the index once per trigram.
    Elsewhere, does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.indexrelid::regclass::text FROM pg_index index "
            "JOIN pg_class class ON class.oid = index.indexrelid "
            "JOIN pg_am method ON method.oid = class.relam "
            "WHERE index.indrelid = ANY(%s::regclass[]) AND method.amname = 'gin' "
            "AND 'fastupdate=off' = ANY(class.reloptions)",
            [[model._meta.db_table for model in tables]],
        )
        names = [name for (name,) in cursor.fetchall()]
        for name in names:
            cursor.execute(f"ALTER INDEX {name} SET (fastupdate = on)")
        yield
        for name in names:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [name])
            cursor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """Insert `rows`, unsaved instances of `model`, and give each its primary key. A foreign
    key may point at an instance given to an earlier call."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy(model, rows)
    else:
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def update_rows(model: type[models.Model], rows: list[models.Model], fields: list[str]) -> None:
    """Write `fields` of `rows`, saved instances of `model`, inside the caller's transaction.
    On PostgreSQL: one COPY into a temporary table and one UPDATE joined to it, where
    bulk_update would compile a CASE branch per row and field (minutes for 10,000 rows);
    bulk_update elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    names = ", ".join(quote(field.column) for field in columns)
    table, changes = quote(meta.db_table), quote(f"changes_of_{meta.db_table}")
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {changes} ON COMMIT DROP AS "
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {changes} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        field.get_db_prep_save(getattr(row, field.attname), connection)
                        for field in columns
                    ]
                )
        assignments = ", ".join(
            f"{quote(field.column)} = changes.{quote(field.column)}" for field in columns[1:]
        )
        key = quote(meta.pk.column)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {changes} AS changes "
            f"WHERE {table}.{key} = changes.{key}"
        )
        cursor.execute(f"DROP TABLE {changes}")


def insert_history(model: type[models.Model], ids: list[int], kind: str, *, actor, when) -> None:
    """The audit history of rows of `model` just written in bulk, as django-simple-history
    records a save ("+" created, "~" changed): copied from the rows themselves by the
    database, one INSERT ... SELECT per BATCH_SIZE rows, instead of built row by row."""
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [quote(field.column) for field in history.tracked_fields]
    stamps = {
        "history_date": connection.ops.adapt_datetimefield_value(when),
        "history_type": kind,
        "history_user_id": actor.pk if actor else None,
    }
    columns = ", ".join([*tracked, *map(quote, stamps)])
    values = ", ".join([*tracked, *["%s"] * len(stamps)])
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}) "
                f"SELECT {values} FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(batch))})",
                [*stamps.values(), *batch],
            )


def _copy(model: type[models.Model], rows: list[models.Model]) -> None:
    meta = model._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    stamped = [field for field in fields if _is_stamped(field)]
    relations = [field for field in fields if field.is_relation]
    converted = [
        (index, field)
        for index, field in enumerate(fields)
        if not (field.is_relation or _is_stamped(field) or type(field) in PLAIN_FIELDS)
    ]
    values_of = attrgetter(*[field.attname for field in fields])
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # The keys come from the table's own sequence, as an INSERT would take them.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                for field in stamped:
                    field.pre_save(row, add=True)
                for field in relations:
                    _point_at_saved(row, field)
                values = values_of(row)
                if converted:
                    values = list(values)
                    for index, field in converted:
                        values[index] = field.get_db_prep_save(values[index], connection)
                copy.write_row(values)
        # Statistics of the new rows, or the planner takes the tables for nearly empty in
        # the queries that follow in the same transaction (and until autovacuum comes by).
        cursor.execute(f"ANALYZE {quote(meta.db_table)}")
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias


def _is_stamped(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _point_at_saved(row: models.Model, field: models.Field) -> None:
    """Copy the key of a related instance that had none yet when it was assigned (as Django
    does before a save)."""
    if getattr(row, field.attname) is None and field.is_cached(row):
        related = field.get_cached_value(row)
        if related is not None:
            setattr(row, field.attname, related.pk)
