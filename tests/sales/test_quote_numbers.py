import threading

import pytest
from django.db import connection
from django.utils import timezone

from sales import services
from sales.models import Quote
from tests.sales.factories import make_quote


@pytest.mark.django_db(transaction=True)
def test_twenty_quotes_sent_at_the_same_moment_get_twenty_gapless_numbers(
    postgresql, company, product, account_manager
):
    # Each send in its own thread and connection; their PDFs are drawn after each commit.
    drafts = [make_quote(company=company, product=product) for _ in range(20)]
    start = threading.Barrier(len(drafts))
    errors = []

    def send(quote):
        try:
            start.wait()
            services.send_quote(quote=quote, actor=account_manager)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(quote,)) for quote in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    year = timezone.localdate().year
    assert errors == []
    assert sorted(Quote.objects.values_list("number", flat=True)) == [
        f"Q-{year}-{n:05d}" for n in range(1, 21)
    ]
    assert Quote.objects.filter(pdf="").count() == 0


@pytest.mark.django_db
def test_a_refused_send_gives_no_number_away(company, product, account_manager):
    refused = make_quote(company=company, product=product, discount_percent=50)
    with pytest.raises(Exception, match="needs approval"):
        services.send_quote(quote=refused, actor=account_manager)
    sent = services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )
    assert sent.number.endswith("-00001")
