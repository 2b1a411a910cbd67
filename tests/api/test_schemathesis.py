"""Property-based run of the whole API against its own OpenAPI schema: whatever schemathesis
generates (valid and invalid), no answer is a server error and every documented answer
matches the schema."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.accounts.factories import make_api_token
from tests.licensing.factories import ProductFactory

# Examples per operation: enough to reach the validation and status paths of each, within
# about two minutes for the whole API on a shared, busy machine.
EXAMPLES = 10


def load_schema():
    """The schema /api/schema/ serves, generated in-process (collection needs no database)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = WSGIHandler()
    return loaded


schema = load_schema()


@pytest.fixture
def auth_headers(admin):
    return {"Authorization": f"Token {make_api_token(admin)}"}


@pytest.fixture(autouse=True)
def requests_keep_the_test_transaction():
    """Requests reach the WSGI app inside the test transaction, as with Django's test client:
    the end of a request must not close the connection that holds the transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def objects_to_find(company, product, trial, license, draft_quote, sent_quote):
    """Rows of every kind, an inactive product among them, so some generated ids exist."""
    ProductFactory(active=False)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(case, auth_headers):
    case.call_and_validate(
        headers=auth_headers, checks=[not_a_server_error, response_schema_conformance]
    )
