"""A migration operation for substring search on PostgreSQL: a pg_trgm GIN index on
UPPER(column), the expression Django's `icontains` compares (`UPPER("col"::text) LIKE
UPPER('%word%')`), so that a search by any part of a name reads the index instead of every row.
Other databases (SQLite in development) get nothing: their lists are small.

The indexes are built without GIN's "pending list" (`fastupdate = off`): with it, rows inserted
since the last vacuum wait in an unsorted list (up to 4 MB, about 490 pages after a bulk
seed) that every search reads from end to end, 20-30 ms per index and search on our machine,
even for a word that matches nothing. Our rows are written one at a time by people, read on
every search: each insert updates the index itself instead."""

from django.db import migrations
from django.db.models.sql import Query


class AddTrigramIndex(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, column: str, case_blind: bool = True):
        """case_blind=False: on the column itself, for a column stored lower-cased and
        searched with `contains` (Company.search_document)."""
        self.table, self.column, self.case_blind = table, column, case_blind

    @property
    def index_name(self) -> str:
        return f"{self.table}_{self.column}_trgm"

    def state_forwards(self, app_label, state):
        pass  # no model state: the index is the database's business

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            column = f'"{self.column}"'
            indexed = f"UPPER({column}::text)" if self.case_blind else column
            create_trigram_index(schema_editor, self.table, self.index_name, indexed)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.index_name}"')

    def describe(self):
        return f"Trigram index on {self.table}.{self.column} (PostgreSQL only)"

    def deconstruct(self):
        options = {} if self.case_blind else {"case_blind": False}
        return self.__class__.__name__, [self.table, self.column], options


def create_trigram_index(schema_editor, table: str, index_name: str, indexed: str) -> None:
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{index_name}" ON "{table}" '
        f"USING gin (({indexed}) gin_trgm_ops) WITH (fastupdate = off)"
    )


class AddTrigramExpressionIndex(migrations.operations.base.Operation):
    """A trigram index on an expression of a model's columns, as its QuerySet searches it
    (accounts.models.companies.contact_search_text): the index is built from the very
    expression the search filters on, so that PostgreSQL recognises it. PostgreSQL only."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, name: str, expression):
        self.model_name, self.name, self.expression = model_name, name, expression

    def state_forwards(self, app_label, state):
        pass  # no model state: the index is the database's business

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = to_state.apps.get_model(app_label, self.model_name)
            # Compiled as Django compiles an expression index: columns not table-qualified,
            # parameters written in.
            query = Query(model, alias_cols=False)
            compiler = query.get_compiler(connection=schema_editor.connection)
            sql, params = self.expression.resolve_expression(query).as_sql(
                compiler, schema_editor.connection
            )
            indexed = sql % tuple(schema_editor.quote_value(value) for value in params)
            create_trigram_index(schema_editor, model._meta.db_table, self.name, indexed)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.name}"')

    def describe(self):
        return f"Trigram index {self.name} on an expression of {self.model_name} (PostgreSQL only)"

    def deconstruct(self):
        return self.__class__.__name__, [self.model_name, self.name, self.expression], {}


class RemoveTrigramIndex(AddTrigramIndex):
    """Drop an index that AddTrigramIndex made once no search reads it (made again, without
    a pending list, on the way back)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Drop the trigram index on {self.table}.{self.column} (PostgreSQL only)"


class DisableTrigramPendingList(AddTrigramIndex):
    """Turn off the pending list of an index made by AddTrigramIndex before it created them
    without it (see the module docstring), and merge the rows waiting in it into the index."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER INDEX "{self.index_name}" SET (fastupdate = off)')
            schema_editor.execute(
                f"SELECT gin_clean_pending_list('\"{self.index_name}\"'::regclass)"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'ALTER INDEX "{self.index_name}" RESET (fastupdate)')

    def describe(self):
        return f"No pending list for the trigram index on {self.table}.{self.column}"
