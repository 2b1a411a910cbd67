"""Issue 12, quote side: no parallel license of a product the company holds, one renewal
draft, a draft revision left behind by an acceptance closed; through the services and pages."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from licensing.models import License, Trial
from licensing.services import convert_trial, create_license, start_trial
from sales import services
from sales.models import Quote
from sales.pricing import LineInput
from tests.licensing.factories import LicenseFactory, ProductFactory, TrialFactory
from tests.sales.factories import make_quote
from tests.sales.quote_figures_support import HELD, TODAY, builder_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, account_manager):
    client.force_login(account_manager)
    return client


# 3. No parallel license of a product the company holds

ENDED = ["expired", "cancelled", "renewed"]


@pytest.fixture(params=HELD.values(), ids=HELD.keys())
def held_license(request, company, product):
    return LicenseFactory(company=company, product=product, seats=20, **request.param)


def test_a_new_business_quote_for_a_held_product_is_refused_with_the_way_forward(
    company, product, held_license
):
    with pytest.raises(ValidationError) as refused:
        make_quote(company=company, product=product)
    message = " ".join(refused.value.messages)
    assert f"already licenses {product}" in message
    assert "add seats to that license or renew it" in message
    assert not Quote.objects.exists()


def test_a_trial_of_a_held_product_is_refused(company, product, held_license, account_manager):
    with pytest.raises(ValidationError, match="already licenses"):
        start_trial(company=company, product=product, seats=10, actor=account_manager)
    assert not Trial.objects.exists()


@pytest.mark.parametrize("status", ENDED)
def test_a_product_whose_license_ended_can_be_quoted_and_tried_again(
    company, product, account_manager, status
):
    # A renewed license is held while its own term runs; this one's term is over.
    last_year = timezone.localdate().year - 1
    LicenseFactory(
        company=company,
        product=product,
        status=status,
        starts_on=date(last_year, 1, 1),
        ends_on=date(last_year, 12, 31),
    )
    assert make_quote(company=company, product=product).kind == Quote.Kind.NEW
    assert start_trial(company=company, product=product, seats=5, actor=account_manager)


def test_another_companys_license_does_not_stand_in_the_way(company, product):
    LicenseFactory(product=product)
    assert make_quote(company=company, product=product).lines.count() == 1


def test_adding_a_held_product_to_a_draft_is_refused(company, product, account_manager):
    quote = make_quote(company=company, product=ProductFactory())
    LicenseFactory(company=company, product=product)
    with pytest.raises(ValidationError, match="already licenses"):
        services.update_quote(
            quote=quote,
            actor=account_manager,
            lines=[LineInput(quote.lines.get().product, 5), LineInput(product, 5)],
        )
    assert quote.lines.count() == 1


def test_a_quote_drafted_before_the_license_cannot_be_sent_or_accepted_after_it(
    company, product, account_manager
):
    draft = make_quote(company=company, product=product)
    sent = services.send_quote(quote=make_quote(company=company, product=product), actor=None)
    LicenseFactory(company=company, product=product)
    with pytest.raises(ValidationError, match="already licenses"):
        services.send_quote(quote=draft, actor=account_manager)
    with pytest.raises(ValidationError, match="already licenses"):
        services.accept_quote(quote=sent, actor=account_manager)
    sent.refresh_from_db()
    assert sent.status == Quote.Status.SENT and License.objects.count() == 1


def test_accepting_two_quotes_for_one_product_makes_one_license(company, product, account_manager):
    first, second = (
        services.send_quote(quote=make_quote(company=company, product=product), actor=None)
        for _ in range(2)
    )
    services.accept_quote(quote=first, actor=account_manager)
    with pytest.raises(ValidationError, match="already licenses"):
        services.accept_quote(quote=second, actor=account_manager)
    assert License.objects.filter(company=company, product=product).count() == 1


def test_a_license_is_not_created_beside_a_held_one_by_any_path(
    company, product, held_license, account_manager
):
    trial = TrialFactory(company=company, product=product, starts_on=TODAY, ends_on=TODAY)
    term = {"seats": 5, "unit_price": Decimal("40"), "starts_on": TODAY, "actor": None}
    with pytest.raises(ValidationError, match="already licenses"):
        create_license(company=company, product=product, ends_on=TODAY + timedelta(days=9), **term)
    with pytest.raises(ValidationError, match="already licenses"):
        convert_trial(trial=trial, ends_on=TODAY + timedelta(days=9), **term)
    assert License.objects.count() == 1


def test_expansion_and_renewal_quotes_of_the_held_license_are_still_drafted(
    company, product, account_manager
):
    license = LicenseFactory(company=company, product=product, **HELD["running"])
    expansion = services.draft_expansion_quote(
        license=license, seats=5, effective_on=TODAY, actor=account_manager
    )
    renewal = services.draft_renewal_quote(license=license, actor=account_manager)
    assert (expansion.kind, renewal.kind) == (Quote.Kind.EXPANSION, Quote.Kind.RENEWAL)


def test_the_builder_and_the_trial_form_refuse_a_held_product(
    signed_in, company, product, held_license
):
    quote = Quote(company=company, contact=company.contacts.get(), starts_on=TODAY)
    data = builder_data(quote, [(product, 10)])
    page = signed_in.post(reverse("quote_create") + f"?company={company.pk}", data)
    assert "already licenses" in page.content.decode() and not Quote.objects.exists()
    preview = signed_in.post(
        reverse("quote_price_new") + f"?company={company.pk}", data, HTTP_HX_REQUEST="true"
    )
    assert "add seats to that license or renew it" in preview.content.decode()
    trial_page = signed_in.post(
        reverse("trial_start", args=[company.pk]), {"product": product.pk, "seats": 5, "days": 14}
    )
    assert "already licenses" in trial_page.content.decode() and not Trial.objects.exists()


# 7. One renewal draft; a draft revision left behind by an acceptance is closed


@pytest.fixture
def running_license(company, product):
    return LicenseFactory(company=company, product=product, seats=20, **HELD["running"])


def test_drafting_the_renewal_twice_answers_with_the_first_draft(running_license, account_manager):
    first = services.draft_renewal_quote(license=running_license, actor=account_manager)
    second = services.draft_renewal_quote(license=running_license, actor=account_manager)
    assert second == first
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


def test_a_sent_renewal_quote_is_the_one_answered_until_it_is_decided(
    running_license, account_manager
):
    first = services.draft_renewal_quote(license=running_license, actor=account_manager)
    services.send_quote(quote=first, actor=account_manager)
    assert services.draft_renewal_quote(license=running_license, actor=account_manager) == first
    services.decline_quote(quote=first, actor=account_manager)
    again = services.draft_renewal_quote(license=running_license, actor=account_manager)
    assert again != first and again.status == Quote.Status.DRAFT


def test_a_second_click_on_draft_renewal_opens_the_first_draft(
    signed_in, running_license, account_manager
):
    url = reverse("license_renew", args=[running_license.pk])
    first = signed_in.post(url)
    draft = Quote.objects.get(kind=Quote.Kind.RENEWAL)
    assert first.url == reverse("quote_edit", args=[draft.pk])
    second = signed_in.post(url, follow=True)
    assert second.redirect_chain[-1][0] == reverse("quote_edit", args=[draft.pk])
    assert f"{draft.reference} is this license&#x27;s renewal quote" in second.content.decode()
    services.send_quote(quote=draft, actor=account_manager)
    third = signed_in.post(url)
    assert third.url == reverse("quote_detail", args=[draft.pk])
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


@pytest.mark.parametrize("kind", ["new", "renewal"])
def test_accepting_a_revision_closes_the_draft_revision_opened_after_it(
    signed_in, company, product, running_license, account_manager, kind
):
    if kind == "new":
        sent = make_quote(company=company, product=ProductFactory())
    else:
        sent = services.draft_renewal_quote(license=running_license, actor=account_manager)
    services.send_quote(quote=sent, actor=account_manager)
    draft = services.revise_quote(quote=sent, actor=account_manager)
    services.accept_quote(quote=sent, actor=account_manager)
    draft.refresh_from_db()
    assert draft.status == Quote.Status.CLOSED and draft.is_frozen
    page = signed_in.get(reverse("quote_detail", args=[draft.pk])).content.decode()
    assert "Send quote" not in page and "Edit quote" not in page
    assert "Closed unsent" in page
    with pytest.raises(ValidationError, match="closed unsent"):
        services.send_quote(quote=draft, actor=account_manager)
    assert draft not in Quote.objects.issued()


def _at_once(action, times: int) -> list:
    """Run `action` in `times` threads released together; answer their errors."""
    start, errors = threading.Barrier(times), []

    def run():
        try:
            start.wait()
            action()
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_draft_renewal_makes_one_draft(
    postgresql, running_license, account_manager
):
    errors = _at_once(
        lambda: services.draft_renewal_quote(license=running_license, actor=account_manager), 4
    )
    assert errors == []
    assert Quote.objects.filter(kind=Quote.Kind.RENEWAL).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_quotes_for_one_product_accepted_at_once_make_one_license(
    postgresql, company, product, account_manager
):
    sent = iter(
        [
            services.send_quote(quote=make_quote(company=company, product=product), actor=None)
            for _ in range(2)
        ]
    )
    lock = threading.Lock()

    def accept():
        with lock:
            quote = next(sent)
        services.accept_quote(quote=quote, actor=account_manager)

    errors = _at_once(accept, 2)
    assert len(errors) == 1 and "already licenses" in str(errors[0])
    assert License.objects.filter(company=company, product=product).count() == 1
