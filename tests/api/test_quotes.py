from decimal import Decimal

import pytest

from licensing.models import License
from sales.models import Quote, QuoteLine
from tests.accounts.factories import CompanyFactory, ContactFactory
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote


@pytest.fixture
def quote_payload(company, product):
    return {
        "company": company.pk,
        "contact": company.contacts.get().pk,
        "term_months": 12,
        "discount_percent": "10.00",
        "tax_percent": "20.00",
        "lines": [{"product": product.pk, "requested_seats": 23}],
    }


def test_a_quote_is_created_in_one_post_and_answers_with_priced_lines_and_totals(
    as_account_manager, quote_payload
):
    response = as_account_manager.post("/api/v1/quotes/", quote_payload, format="json")

    assert response.status_code == 201, response.content
    quote = response.json()
    assert quote["status"] == "draft" and quote["kind"] == "new"
    assert quote["lines"] == [
        {
            "product": quote_payload["lines"][0]["product"],
            "requested_seats": 23,
            "billed_seats": 25,
            "seat_block_size": 5,
            "unit_price": "35.00",
            "months": 12,
            "line_total": "875.00",
            "license": None,
        }
    ]
    assert (quote["subtotal"], quote["discount_amount"], quote["tax_amount"], quote["total"]) == (
        "875.00",
        "87.50",
        "157.50",
        "945.00",
    )
    assert quote["currency"] == "EUR"


def test_editing_a_draft_replaces_its_lines_and_reprices_it(
    as_account_manager, draft_quote, product
):
    response = as_account_manager.patch(
        f"/api/v1/quotes/{draft_quote.pk}/",
        {"lines": [{"product": product.pk, "requested_seats": 100}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["lines"][0]["unit_price"] == "30.00"
    assert response.json()["total"] == "3000.00"
    assert draft_quote.lines.get().billed_seats == 100


def test_a_quote_stays_with_its_company(as_account_manager, draft_quote, account_manager):
    elsewhere = CompanyFactory(owner=account_manager)
    response = as_account_manager.patch(
        f"/api/v1/quotes/{draft_quote.pk}/", {"company": elsewhere.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["company"] == draft_quote.company_id


def test_sending_accepting_a_quote_starts_the_license(as_account_manager, draft_quote):
    sent = as_account_manager.post(f"/api/v1/quotes/{draft_quote.pk}/send/", {"message": "Hi"})
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    assert sent.json()["number"].startswith("Q-")

    accepted = as_account_manager.post(f"/api/v1/quotes/{draft_quote.pk}/accept/")

    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    license = License.objects.get(company=draft_quote.company)
    assert accepted.json()["lines"][0]["license"] == license.pk
    assert license.seats == 25


def test_declining_a_sent_quote_records_it(as_account_manager, sent_quote):
    response = as_account_manager.post(f"/api/v1/quotes/{sent_quote.pk}/decline/")

    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_revising_a_sent_quote_answers_with_the_new_draft_revision(as_account_manager, sent_quote):
    response = as_account_manager.post(f"/api/v1/quotes/{sent_quote.pk}/revise/")

    assert response.status_code == 201
    revision = response.json()
    assert (revision["number"], revision["revision"], revision["status"]) == (
        sent_quote.number,
        2,
        "draft",
    )
    assert revision["previous_revision"] == sent_quote.pk


def assert_nothing_written(response, field, quote_count=0):
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Quote.objects.count() == quote_count
    assert QuoteLine.objects.count() == 0


def test_a_discount_over_100_percent_is_refused_and_nothing_is_written(
    as_account_manager, quote_payload
):
    quote_payload["discount_percent"] = "150.00"

    response = as_account_manager.post("/api/v1/quotes/", quote_payload, format="json")

    assert_nothing_written(response, "discount_percent")
    assert response.json()["discount_percent"] == ["Enter a percentage between 0 and 100."]


def test_a_negative_discount_is_refused(as_account_manager, quote_payload):
    quote_payload["discount_percent"] = "-1.00"

    assert_nothing_written(
        as_account_manager.post("/api/v1/quotes/", quote_payload, format="json"),
        "discount_percent",
    )


def test_a_line_for_an_unknown_product_is_refused_on_its_field(as_account_manager, quote_payload):
    quote_payload["lines"][0]["product"] = 987654

    response = as_account_manager.post("/api/v1/quotes/", quote_payload, format="json")

    assert_nothing_written(response, "lines")
    assert response.json()["lines"] == {
        "0": {"product": ['Invalid pk "987654" - object does not exist.']}
    }


def test_a_line_for_an_inactive_product_is_refused(as_account_manager, quote_payload):
    retired = ProductFactory(active=False, name="Legacy Suite")
    quote_payload["lines"][0]["product"] = retired.pk

    response = as_account_manager.post("/api/v1/quotes/", quote_payload, format="json")

    assert_nothing_written(response, "lines")
    assert response.json()["lines"] == ["Line 1: Legacy Suite is no longer sold."]


@pytest.mark.parametrize("seats", [0, -5])
def test_a_line_without_positive_seats_is_refused(as_account_manager, quote_payload, seats):
    quote_payload["lines"][0]["requested_seats"] = seats

    assert_nothing_written(
        as_account_manager.post("/api/v1/quotes/", quote_payload, format="json"), "lines"
    )


def test_a_contact_of_another_company_is_refused(as_account_manager, quote_payload):
    quote_payload["contact"] = ContactFactory().pk

    assert_nothing_written(
        as_account_manager.post("/api/v1/quotes/", quote_payload, format="json"), "contact"
    )


@pytest.mark.parametrize("action", ["accept", "decline", "revise"])
def test_an_action_on_a_draft_in_the_wrong_status_answers_400_and_changes_nothing(
    as_account_manager, draft_quote, action
):
    response = as_account_manager.post(f"/api/v1/quotes/{draft_quote.pk}/{action}/")

    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert "is draft" in message
    draft_quote.refresh_from_db()
    assert draft_quote.status == Quote.Status.DRAFT
    assert Quote.objects.count() == 1


@pytest.mark.parametrize("method, action", [("post", "send/"), ("patch", "")])
def test_a_sent_quote_is_frozen(as_account_manager, sent_quote, method, action):
    response = getattr(as_account_manager, method)(
        f"/api/v1/quotes/{sent_quote.pk}/{action}", {"notes": "changed"}, format="json"
    )

    assert response.status_code == 400
    assert "frozen" in response.json()["non_field_errors"][0]
    sent_quote.refresh_from_db()
    assert sent_quote.notes == "" and sent_quote.status == Quote.Status.SENT


def test_a_quote_needing_approval_is_not_sent(as_account_manager, quote_payload):
    quote_payload["discount_percent"] = "30.00"
    quote_payload["discount_justification"] = "Three-year commitment"
    quote = as_account_manager.post("/api/v1/quotes/", quote_payload, format="json").json()
    assert quote["approval"] == "pending"

    response = as_account_manager.post(f"/api/v1/quotes/{quote['id']}/send/")

    assert response.status_code == 400
    assert "needs approval" in response.json()["non_field_errors"][0]
    assert Quote.objects.get().number == ""


def test_quotes_filter_search_and_order(as_account_manager, company, product, sent_quote):
    make_quote(company=company, product=product, seats=100)

    sent = as_account_manager.get("/api/v1/quotes/", {"status": "sent"}).json()
    assert [quote["id"] for quote in sent["results"]] == [sent_quote.pk]
    found = as_account_manager.get("/api/v1/quotes/", {"search": sent_quote.number}).json()
    assert found["count"] == 1
    by_total = as_account_manager.get("/api/v1/quotes/", {"ordering": "-total"}).json()
    totals = [Decimal(quote["total"]) for quote in by_total["results"]]
    assert totals == sorted(totals, reverse=True)
    assert as_account_manager.get("/api/v1/quotes/", {"status": "nonsense"}).status_code == 400


def test_a_draft_takes_the_customers_po_reference(as_account_manager, draft_quote):
    response = as_account_manager.patch(
        f"/api/v1/quotes/{draft_quote.pk}/", {"po_reference": "PO-4711"}, format="json"
    )

    assert response.status_code == 200 and response.json()["po_reference"] == "PO-4711"
    refused = as_account_manager.patch(
        f"/api/v1/quotes/{draft_quote.pk}/", {"po_reference": "PO\n4711"}, format="json"
    )
    assert refused.status_code == 400 and "po_reference" in refused.json()
