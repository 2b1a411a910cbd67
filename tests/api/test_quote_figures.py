"""Money and figures on the quote side (issue 12), through the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from licensing.models import Trial
from sales import services
from sales.models import Quote
from tests.licensing.factories import LicenseFactory, ProductFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_quote(company, product, finance):
    quote = make_quote(company=company, product=product, seats=20, discount_percent=Decimal("20"))
    return services.approve_quote(quote=quote, actor=finance)


@pytest.mark.parametrize(
    "change",
    [
        {"term_months": 120},
        {"starts_on": "+31"},
        {"tax_percent": "10.00"},
        {"discount_percent": "25.00"},
        {"lines": "40 seats"},
    ],
    ids=["term", "start date", "tax", "discount", "seats"],
)
def test_a_patch_that_changes_the_price_withdraws_the_approval(
    as_account_manager, approved_quote, product, change
):
    if change.get("starts_on") == "+31":
        change = {"starts_on": (approved_quote.starts_on + timedelta(days=31)).isoformat()}
    if change.get("lines"):
        change = {"lines": [{"product": product.pk, "requested_seats": 40}]}
    response = as_account_manager.patch(
        f"/api/v1/quotes/{approved_quote.pk}/", change, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["approval"] == "pending"
    sent = as_account_manager.post(f"/api/v1/quotes/{approved_quote.pk}/send/")
    assert sent.status_code == 400 and "needs approval" in sent.content.decode()


def test_a_patch_of_the_notes_keeps_the_approval(as_account_manager, approved_quote):
    response = as_account_manager.patch(
        f"/api/v1/quotes/{approved_quote.pk}/", {"notes": "Kick-off in January"}, format="json"
    )
    assert response.status_code == 200 and response.json()["approval"] == "approved"


@pytest.mark.parametrize("method", ["post", "patch"])
def test_the_same_product_on_two_lines_answers_400_on_lines(
    as_account_manager, company, product, method
):
    lines = [
        {"product": product.pk, "requested_seats": 10},
        {"product": ProductFactory().pk, "requested_seats": 5},
        {"product": product.pk, "requested_seats": 15},
    ]
    if method == "post":
        payload = {"company": company.pk, "contact": company.contacts.get().pk, "lines": lines}
        response = as_account_manager.post("/api/v1/quotes/", payload, format="json")
    else:
        quote = make_quote(company=company, product=product, seats=10)
        response = as_account_manager.patch(
            f"/api/v1/quotes/{quote.pk}/", {"lines": lines}, format="json"
        )
    assert response.status_code == 400, response.content
    assert "Line 3" in str(response.json()["lines"]) and "already on line 1" in str(
        response.json()["lines"]
    )
    assert Quote.objects.count() == (0 if method == "post" else 1)


@pytest.mark.parametrize("typed", ["17,5", "1,5", "1.000,5"])
def test_a_percentage_with_a_comma_is_refused_with_400(as_account_manager, company, product, typed):
    payload = {
        "company": company.pk,
        "contact": company.contacts.get().pk,
        "discount_percent": typed,
        "lines": [{"product": product.pk, "requested_seats": 10}],
    }
    response = as_account_manager.post("/api/v1/quotes/", payload, format="json")
    assert response.status_code == 400
    assert "point as the decimal separator" in str(response.json()["discount_percent"])
    assert not Quote.objects.exists()


@pytest.mark.parametrize("typed", ["17.5", 17.5])
def test_a_percentage_with_a_point_or_as_a_number_is_read(
    as_account_manager, company, product, typed
):
    payload = {
        "company": company.pk,
        "contact": company.contacts.get().pk,
        "discount_percent": typed,
        "discount_justification": "Two-year commitment",  # 17.5% needs Finance's approval
        "lines": [{"product": product.pk, "requested_seats": 10}],
    }
    response = as_account_manager.post("/api/v1/quotes/", payload, format="json")
    assert response.status_code == 201 and response.json()["discount_percent"] == "17.50"


def test_a_quote_or_a_trial_of_a_held_product_answers_400_with_the_way_forward(
    as_account_manager, company, product
):
    today = timezone.localdate()
    LicenseFactory(
        company=company,
        product=product,
        starts_on=today,
        ends_on=today + timedelta(days=364),
    )
    payload = {
        "company": company.pk,
        "contact": company.contacts.get().pk,
        "lines": [{"product": product.pk, "requested_seats": 10}],
    }
    response = as_account_manager.post("/api/v1/quotes/", payload, format="json")
    assert response.status_code == 400
    assert "add seats to that license or renew it" in str(response.json()["lines"])
    trial = {"company": company.pk, "product": product.pk, "seats": 10}
    response = as_account_manager.post("/api/v1/trials/", trial, format="json")
    assert response.status_code == 400
    assert "already licenses" in str(response.json()["product"])
    assert not Quote.objects.exists() and not Trial.objects.exists()


def test_renewing_twice_answers_with_the_first_draft(as_account_manager, license):
    first = as_account_manager.post(f"/api/v1/licenses/{license.pk}/renew/")
    second = as_account_manager.post(f"/api/v1/licenses/{license.pk}/renew/")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


def test_a_draft_revision_left_behind_by_an_acceptance_is_closed(as_account_manager, sent_quote):
    draft = as_account_manager.post(f"/api/v1/quotes/{sent_quote.pk}/revise/").json()
    assert as_account_manager.post(f"/api/v1/quotes/{sent_quote.pk}/accept/").status_code == 200
    closed = as_account_manager.get(f"/api/v1/quotes/{draft['id']}/").json()
    assert closed["status"] == "closed"
    response = as_account_manager.post(f"/api/v1/quotes/{draft['id']}/send/")
    assert response.status_code == 400 and "closed unsent" in response.content.decode()
