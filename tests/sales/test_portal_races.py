"""Answers from a quote's link arriving at the same instant, on PostgreSQL's row locks."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from licensing.models import License
from onboarding.models import Onboarding
from sales import services
from sales.links import token_of
from sales.models import Quote, QuoteAcceptance
from sales.services.portal import document_sha256
from tests.sales.factories import make_quote

SIGNER = {"name": "Ana Lima", "title": "CFO", "authorised": "on", "signature": "Ana Lima"}


def _at_once(actions) -> list:
    """Run each action in a thread of its own, released together; answer their results."""
    start, results = threading.Barrier(len(actions)), []

    def run(action):
        try:
            start.wait()
            results.append(action())
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def sent_quote(company, product, account_manager):
    return services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )


def _post(quote: Quote, action: str, data: dict):
    token = token_of(quote.links.get())
    return lambda: Client().post(reverse(f"portal_{action}", args=[token]), data).status_code


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_make_one_license_and_one_onboarding(postgresql, sent_quote):
    accept = _post(sent_quote, "accept", {**SIGNER, "document": document_sha256(sent_quote)})
    results = _at_once([accept, accept, accept])
    assert results == [302, 302, 302]  # each click lands on the confirmation
    assert License.objects.filter(company=sent_quote.company).count() == 1
    assert Onboarding.objects.count() == 1
    assert QuoteAcceptance.objects.count() == 1
    assert Quote.objects.get(pk=sent_quote.pk).status == Quote.Status.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_an_accept_and_a_decline_at_once_leave_one_answer(postgresql, sent_quote):
    accept = _post(sent_quote, "accept", {**SIGNER, "document": document_sha256(sent_quote)})
    decline = _post(sent_quote, "decline", {"reason_code": "no_budget", "reason": "No budget"})
    results = _at_once([accept, decline])
    quote = Quote.objects.get(pk=sent_quote.pk)
    assert sorted(results) == [302, 409]
    if quote.status == Quote.Status.ACCEPTED:
        assert License.objects.count() == 1 and QuoteAcceptance.objects.count() == 1
    else:
        assert quote.status == Quote.Status.DECLINED
        assert not License.objects.exists() and not QuoteAcceptance.objects.exists()
