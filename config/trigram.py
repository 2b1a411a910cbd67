"""A migration operation for substring search on PostgreSQL: a pg_trgm GIN index on
UPPER(column), the expression Django's `icontains` compares (`UPPER("col"::text) LIKE
UPPER('%word%')`), so that a search by any part of a name reads the index instead of every row.
Other databases (SQLite in development) get nothing: their lists are small."""

from django.db import migrations


class AddTrigramIndex(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, column: str):
        self.table, self.column = table, column

    @property
    def index_name(self) -> str:
        return f"{self.table}_{self.column}_trgm"

    def state_forwards(self, app_label, state):
        pass  # no model state: the index is the database's business

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{self.index_name}" ON "{self.table}" '
                f'USING gin (UPPER("{self.column}"::text) gin_trgm_ops)'
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.index_name}"')

    def describe(self):
        return f"Trigram index on {self.table}.{self.column} (PostgreSQL only)"

    def deconstruct(self):
        return self.__class__.__name__, [self.table, self.column], {}
