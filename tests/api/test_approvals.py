"""Finance answers a discount above the threshold over the API, as on the approvals page."""

from decimal import Decimal

import pytest

from sales.models import Quote
from tests.sales.factories import make_quote


@pytest.fixture
def discounted_quote(company, product):
    quote = make_quote(
        company=company, product=product, seats=10, discount_percent=Decimal("30.00")
    )
    assert quote.approval == Quote.Approval.PENDING
    return quote


def test_finance_approves_a_discount_with_a_comment(api_client, finance, discounted_quote):
    response = api_client(finance).post(
        f"/api/v1/quotes/{discounted_quote.pk}/approve/", {"comment": "Strategic account"}
    )

    assert response.status_code == 200
    assert (response.json()["approval"], response.json()["approval_comment"]) == (
        "approved",
        "Strategic account",
    )
    discounted_quote.refresh_from_db()
    assert discounted_quote.approved_by == finance


def test_finance_rejects_a_discount_saying_why(api_client, finance, discounted_quote):
    response = api_client(finance).post(
        f"/api/v1/quotes/{discounted_quote.pk}/reject/", {"comment": "Too deep"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["approval"] == "rejected"


def test_a_rejection_without_a_comment_is_refused_next_to_the_field(
    api_client, finance, discounted_quote
):
    response = api_client(finance).post(f"/api/v1/quotes/{discounted_quote.pk}/reject/")

    assert response.status_code == 400
    assert response.json() == {"comment": ["Say why the discount is refused."]}
    discounted_quote.refresh_from_db()
    assert discounted_quote.approval == Quote.Approval.PENDING


def test_a_quote_that_needs_no_approval_cannot_be_approved(api_client, finance, company, product):
    quote = make_quote(company=company, product=product, seats=10)

    response = api_client(finance).post(f"/api/v1/quotes/{quote.pk}/approve/")

    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_an_overlong_comment_is_refused(api_client, finance, discounted_quote):
    response = api_client(finance).post(
        f"/api/v1/quotes/{discounted_quote.pk}/approve/", {"comment": "x" * 501}
    )

    assert response.status_code == 400
    assert "comment" in response.json()


@pytest.mark.parametrize("role", ["account_manager", "other_account_manager"])
def test_account_managers_may_not_approve_even_their_own_quotes(
    request, api_client, role, discounted_quote
):
    user = request.getfixturevalue(role)

    for action in ("approve", "reject"):
        response = api_client(user).post(
            f"/api/v1/quotes/{discounted_quote.pk}/{action}/", {"comment": "ok"}
        )
        assert response.status_code == 403
    discounted_quote.refresh_from_db()
    assert discounted_quote.approval == Quote.Approval.PENDING


def test_support_does_not_see_quotes_at_all(api_client, support, discounted_quote):
    response = api_client(support).post(f"/api/v1/quotes/{discounted_quote.pk}/approve/")

    assert response.status_code == 404


def test_an_administrator_may_approve(api_client, admin, discounted_quote):
    response = api_client(admin).post(f"/api/v1/quotes/{discounted_quote.pk}/approve/")

    assert response.status_code == 200


def test_the_schema_documents_approve_and_reject_with_their_comment(api_client, finance):
    schema = api_client(finance).get("/api/schema/", {"format": "json"}).json()

    for action in ("approve", "reject"):
        operation = schema["paths"][f"/api/v1/quotes/{{id}}/{action}/"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body.endswith("/ApprovalRequest")
        assert {"200", "400", "403", "404"} <= set(operation["responses"])
    assert "comment" in schema["components"]["schemas"]["ApprovalRequest"]["properties"]
