"""`field__any=[...]`: a column among a list of integer ids sent as ONE parameter (an array on
PostgreSQL, a JSON list on SQLite), where `__in` sends one parameter per value. For the batch
paths (the usage feed: 10,000 licenses a request), where building and quoting 10,000
placeholders cost more than the query itself."""

import json

from django.db import models


def array_literal(values) -> str:
    """A PostgreSQL array written as text ('{1,2,NULL}'), to cast in the query (%s::int[]):
    one string to send, where psycopg would adapt a list element by element (a second for
    a few arrays of 10,000 values). For numbers, dates and times (str() of each)."""
    return "{" + ",".join(["NULL" if value is None else str(value) for value in values]) + "}"


class Any(models.Lookup):
    lookup_name = "any"

    def get_prep_lookup(self):
        return [int(each) for each in self.rhs]

    def get_db_prep_lookup(self, value, connection):
        if connection.vendor == "postgresql":
            return "%s", [array_literal(value)]
        return "%s", [json.dumps(value)]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


models.Field.register_lookup(Any)
models.ForeignObject.register_lookup(Any)  # `license__any=`, `license_id__any=`
