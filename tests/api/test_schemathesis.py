"""Property-based run of the whole API against its own OpenAPI schema, as each role, with all
of schemathesis's checks: whatever it generates (valid and invalid), no answer is a server
error, every answer has a documented status and content type and matches its schema, invalid
input is refused, and every error under /api/ is JSON."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.throttling import AnonRateThrottle
from schemathesis.config import SchemathesisConfig

from tests.accounts.factories import make_api_token
from tests.licensing.factories import ProductFactory

# Examples per operation and role (5 roles): enough to reach the validation and status paths
# of each, within about three minutes for the whole API.
EXAMPLES = 2
# All checks, with one setting: input the schema allows may still break a business rule (a
# quote sent without a recipient, a filter naming no user, more seats than a license may
# hold); the service refuses it with a documented 400 and field messages, not a crash.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
            }
        }
    }
)
ROLES = ["account_manager", "other_account_manager", "support", "finance", "admin"]


def load_schema():
    """The schema /api/schema/ serves, generated in-process (collection needs no database)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(document)), config=CONFIG
    )
    loaded.app = WSGIHandler()
    return loaded


schema = load_schema()


@pytest.fixture(params=ROLES)
def auth_headers(request):
    user = request.getfixturevalue(request.param)
    return {"Authorization": f"Token {make_api_token(user)}"}


@schemathesis.check
def errors_are_json(ctx, response, case):
    """Every refusal under /api/ is JSON, whatever the operation's success answers."""
    if response.status_code >= 400:
        headers = {name.lower(): value for name, value in response.headers.items()}
        content_type = headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        if not content_type.startswith("application/json"):
            raise AssertionError(f"{response.status_code} answered as {content_type!r}")


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
def sign_in_limits_out_of_reach(settings, monkeypatch):
    """The token endpoint's lockout after failed sign-ins and its rate for anonymous callers
    are documented 429s (tests/accounts/test_signin.py and tests/api/test_throttling.py hold
    them); here every generated sign-in comes from one address, so they would refuse the
    valid requests that follow the first few dozen."""
    settings.AXES_FAILURE_LIMIT = 1_000_000
    rates = {**AnonRateThrottle.THROTTLE_RATES, "anon": "1000000/minute"}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture(autouse=True)
def objects_to_find(company, product, trial, license, draft_quote, sent_quote):
    """Rows of every kind, an inactive product among them, so some generated ids exist."""
    ProductFactory(active=False)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(case, auth_headers):
    case.call_and_validate(headers=auth_headers)
