"""A sent quote is a business record: it cannot be deleted, and a send that fails leaves
neither a number nor a PDF behind."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sales import services
from sales.models import Quote
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(company, product):
    return services.send_quote(
        quote=make_quote(company=company, product=product), actor=company.owner
    )


def test_a_sent_quote_cannot_be_deleted_from_code(sent):
    with pytest.raises(ValidationError, match="A sent quote cannot be deleted"):
        sent.delete()
    with pytest.raises(ValidationError, match="A sent quote cannot be deleted"):
        Quote.objects.filter(pk=sent.pk).delete()
    with pytest.raises(ValidationError):
        Quote.objects.all().delete()
    assert Quote.objects.filter(pk=sent.pk).exists()


def test_a_stale_copy_of_a_sent_quote_still_cannot_be_deleted(sent):
    stale = Quote.objects.get(pk=sent.pk)
    stale.status = Quote.Status.DRAFT  # what it was when loaded, say
    with pytest.raises(ValidationError):
        stale.delete()


def test_a_draft_can_still_be_deleted(company, product):
    draft = make_quote(company=company, product=product)
    draft.delete()
    assert not Quote.objects.filter(pk=draft.pk).exists()


def test_neither_the_admin_nor_the_api_deletes_a_sent_quote(client, admin, sent):
    client.force_login(admin)
    assert (
        client.post(
            reverse("admin:sales_quote_delete", args=[sent.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.delete(f"/api/v1/quotes/{sent.pk}/").status_code == 405
    assert Quote.objects.filter(pk=sent.pk).exists()


def test_a_send_that_rolls_back_leaves_no_pdf_behind(
    company, product, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = str(tmp_path)
    quote = make_quote(company=company, product=product)

    def fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("sales.services.quotes._log", fails)
    with pytest.raises(RuntimeError):
        services.send_quote(quote=quote, actor=company.owner)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DRAFT and quote.pdf.name == ""
