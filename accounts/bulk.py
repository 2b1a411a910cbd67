"""Hundreds of thousands of new rows at once, for demo data at scale (`seed_demo --scale`):
COPY on PostgreSQL, where Django's bulk INSERT spends more time compiling SQL than the
database spends storing rows; bulk_create elsewhere (SQLite, the embedded default).

Rows are model instances, so they carry the fields' defaults, and the database checks its
constraints on COPY as on INSERT."""

from operator import attrgetter

from django.db import connection, models

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


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """Insert `rows`, unsaved instances of `model`, and give each its primary key. A foreign
    key may point at an instance given to an earlier call."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy(model, rows)
    else:
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _copy(model: type[models.Model], rows: list[models.Model]) -> None:
    meta = model._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    readers = [_reader(field) for field in fields]
    with connection.cursor() as cursor:
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
                copy.write_row([read(row) for read in readers])
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias


def _reader(field: models.Field):
    """How to read `field`'s database value from an unsaved row."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda row: field.pre_save(row, add=True)
    if field.is_relation:
        attname = field.attname

        def related_pk(row):
            # An instance given as the related object had no key yet when it was assigned.
            value = getattr(row, attname)
            if value is None and field.is_cached(row):
                related = field.get_cached_value(row)
                value = related.pk if related is not None else None
            return value

        return related_pk
    if type(field) in PLAIN_FIELDS:
        return attrgetter(field.attname)
    return lambda row: field.get_db_prep_save(getattr(row, field.attname), connection)
