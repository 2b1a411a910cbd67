"""The client's quote page (/q/<token>/): the link, accepting, declining and asking from it,
and what the account manager sees of it."""

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Activity, OutboxMessage
from licensing.models import License
from onboarding.models import Onboarding
from sales import services
from sales.certificates import is_genuine
from sales.links import token_of, url_of
from sales.models import Quote, QuoteAcceptance, QuoteLink
from sales.services import portal
from tests.licensing.factories import ProductFactory
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SIGNER = {"name": "Ana Lima", "title": "CFO", "authorised": "on", "signature": "Ana Lima"}


@pytest.fixture(autouse=True)
def emails_in_memory(settings):
    settings.EMAIL_BACKEND = LOCMEM


@pytest.fixture
def sent(company, product, account_manager, django_capture_on_commit_callbacks):
    """A quote sent the way a request sends it (its email goes once the send commits)."""

    def sent(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            quote = services.send_quote(
                quote=make_quote(company=company, **{"product": product, **fields}),
                actor=account_manager,
            )
        quote.refresh_from_db()
        return quote

    return sent


def link_of(quote: Quote) -> QuoteLink:
    return quote.links.active().get()


def page_url(quote: Quote, action: str = "quote") -> str:
    return reverse(f"portal_{action}", args=[token_of(link_of(quote))])


def accept_form(quote: Quote, **changes) -> dict:
    return {**SIGNER, "document": quote.pdf_sha256, **changes}


def post(client, quote, action, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(page_url(quote, action), data)


def test_the_quote_email_carries_the_recipients_personal_link(sent):
    quote = sent()
    [email] = mail.outbox
    link = link_of(quote)
    assert link.email == quote.contact.email
    assert url_of(link) in email.body and url_of(link) in email.alternatives[0][0]
    assert len(link.key) == 32  # 128 random bits


def test_the_page_shows_the_quote_as_its_pdf_says_it(client, sent):
    quote = sent(tax_percent=20, notes="Seats for the Lyon office", terms="Net 30")
    response = client.get(page_url(quote))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        quote.company.name,
        quote.reference,
        "Seats for the Lyon office",
        "Net 30",
        "in blocks of 5",
        "1,050.00",  # 23 seats billed as 25 at 35.00, 20% tax
        quote.pdf_sha256,
        reverse("portal_pdf", args=[token_of(link_of(quote))]),
    ):
        assert text in html
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


def test_the_pdf_link_serves_the_exact_document_sent(client, sent):
    quote = sent()
    response = client.get(page_url(quote, "pdf"))
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == quote.pdf_sha256


def test_openings_are_counted_without_cookies(client, sent):
    quote = sent()
    first = client.get(page_url(quote))
    client.get(page_url(quote))
    link = link_of(quote)
    assert link.opens == 2 and link.first_opened_at <= link.last_opened_at
    assert "sessionid" not in first.cookies


def test_the_account_manager_opening_the_link_is_not_counted(client, sent, account_manager):
    quote = sent()
    client.force_login(account_manager)
    client.get(page_url(quote))
    assert link_of(quote).opens == 0


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "0" * 32,
        "{key}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "{key}",
        "{token}x",
    ],
)
def test_an_unknown_or_tampered_token_answers_404_with_no_hint(client, sent, token):
    link = link_of(sent())
    token = token.format(key=link.key, token=token_of(link))
    for action in ("quote", "pdf", "certificate"):
        response = client.get(reverse(f"portal_{action}", args=[token]))
        assert response.status_code == 404
        assert link.quote.company.name not in response.content.decode()
    response = client.post(reverse("portal_accept", args=[token]), SIGNER)
    assert response.status_code == 404


def test_accepting_online_makes_the_license_onboarding_record_and_certificate(
    client, sent, django_capture_on_commit_callbacks
):
    quote = sent()
    mail.outbox.clear()
    response = post(client, quote, "accept", accept_form(quote), django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == page_url(quote)

    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED
    license = License.objects.get(company=quote.company)
    assert Onboarding.objects.filter(license=license).count() == 1
    acceptance = quote.acceptance
    assert (acceptance.name, acceptance.title, acceptance.email) == (
        "Ana Lima",
        "CFO",
        quote.contact.email,
    )
    assert acceptance.ip_address == "127.0.0.1"
    quote.pdf.open("rb")
    assert acceptance.pdf_sha256 == hashlib.sha256(quote.pdf.read()).hexdigest()
    assert acceptance.pdf_sha256 == quote.pdf_sha256
    assert is_genuine(acceptance)

    certificate = PdfReader(BytesIO(bytes(acceptance.certificate_pdf)))
    text = " ".join(page.extract_text() for page in certificate.pages).replace("\n", " ")
    assert len(certificate.pages) == 1
    for fact in (quote.number, "revision 1", "875.00", acceptance.pdf_sha256[:32], "Ana Lima"):
        assert fact in text

    to_client = next(email for email in mail.outbox if email.to == [quote.contact.email])
    assert to_client.attachments[0][2] == "application/pdf"
    assert to_client.attachments[0][1] == bytes(acceptance.certificate_pdf)
    assert any(email.to == [quote.owner.email] for email in mail.outbox)
    [line] = Activity.objects.filter(message__contains="accepted online").values_list(
        "message", flat=True
    )
    assert "Ana Lima (CFO" in line

    page = client.get(page_url(quote)).content.decode()
    assert "Quote accepted" in page and "<form" not in page
    assert client.get(page_url(quote, "certificate")).content == bytes(acceptance.certificate_pdf)


def test_a_double_click_accepts_once(client, sent, django_capture_on_commit_callbacks):
    quote = sent()
    for _ in range(2):
        response = post(
            client, quote, "accept", accept_form(quote), django_capture_on_commit_callbacks
        )
        assert response.status_code == 302
    assert License.objects.filter(company=quote.company).count() == 1
    assert Onboarding.objects.count() == 1 and QuoteAcceptance.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="quote_acceptance").count() == 2  # client, owner


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "required"),
        ({"title": " "}, "title", "required"),
        ({"authorised": ""}, "authorised", "may accept on behalf"),
        ({"signature": "A. Lima"}, "signature", "exactly"),
    ],
)
def test_an_incomplete_acceptance_is_refused_next_to_its_field(
    client, sent, changes, field, message
):
    quote = sent()
    response = client.post(page_url(quote, "accept"), accept_form(quote, **changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["accept_form"].errors[field])
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT and not License.objects.exists()


def test_a_different_document_than_the_page_showed_is_never_accepted(client, sent):
    quote = sent()
    response = client.post(page_url(quote, "accept"), accept_form(quote, document="0" * 64))
    assert response.status_code == 409 or response.status_code == 400
    assert "changed since this page was loaded" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT


def test_a_quote_that_changed_state_since_the_page_loaded_is_not_accepted(
    client, sent, account_manager
):
    quote = sent()
    form = accept_form(quote)
    services.decline_quote(quote=quote, actor=account_manager)
    response = client.post(page_url(quote, "accept"), form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Quote declined" in html and 'name="signature"' not in html
    assert not License.objects.exists()


def test_declining_online_records_the_reason_and_tells_the_owner(
    client, sent, django_capture_on_commit_callbacks
):
    quote = sent()
    mail.outbox.clear()
    response = post(
        client,
        quote,
        "decline",
        {"reason_code": "timing", "reason": "Budget moved to Q3"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DECLINED and quote.decline_reason == "Budget moved to Q3"
    assert Activity.objects.filter(
        message=f"{quote.reference} declined online by {quote.contact.email}: "
        "Timing: Budget moved to Q3"
    ).exists()
    [email] = mail.outbox
    assert email.to == [quote.owner.email] and "Budget moved to Q3" in email.body
    page = client.get(page_url(quote)).content.decode()
    assert "Quote declined" in page and "<form" not in page


def test_a_question_lands_on_the_timeline_and_in_the_owners_inbox(
    client, sent, django_capture_on_commit_callbacks
):
    quote = sent()
    mail.outbox.clear()
    message = "Can the seats be split across two teams?"
    response = post(
        client, quote, "question", {"message": message}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert Activity.objects.filter(company=quote.company, message__endswith=message).exists()
    [email] = mail.outbox
    assert email.to == [quote.owner.email] and message in email.body
    assert email.reply_to == [quote.contact.email]
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.SENT


def test_an_empty_question_is_refused(client, sent):
    response = client.post(page_url(sent(), "question"), {"message": "  "})
    assert (
        response.status_code == 400
        and not Activity.objects.filter(message__contains="question").exists()
    )


def test_an_expired_quote_shows_its_state_and_the_owners_contact_never_a_form(
    client, sent, account_manager
):
    quote = sent()
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    html = client.get(page_url(quote)).content.decode()
    assert "expired" in html and "<form" not in html and account_manager.email in html
    response = client.post(page_url(quote, "accept"), accept_form(quote))
    assert response.status_code == 409 and not License.objects.exists()


def test_a_superseded_revision_points_to_the_new_one_sent_to_the_same_recipient(
    client, sent, account_manager
):
    quote = sent()
    old_url = page_url(quote)
    revision = services.revise_quote(quote=quote, actor=account_manager)
    revision = services.send_quote(quote=revision, actor=account_manager)
    html = client.get(old_url).content.decode()
    assert "replaced by revision 2" in html and "<form" not in html
    assert url_of(link_of(revision)) in html


def test_a_withdrawn_link_shows_the_owners_contact_and_a_resend_makes_a_new_one(
    client, sent, account_manager
):
    quote = sent()
    old = link_of(quote)
    old_url = page_url(quote)
    portal.withdraw_link(link=old, actor=account_manager)
    html = client.get(old_url).content.decode()
    assert "withdrawn" in html and "<form" not in html and quote.company.name in html
    assert client.get(reverse("portal_pdf", args=[token_of(old)])).status_code == 404
    services.resend_quote_email(quote=quote, actor=account_manager)
    assert link_of(quote).pk != old.pk


def test_answers_are_throttled_per_link(client, sent, settings):
    settings.QUOTE_LINK_POSTS_PER_HOUR = 2
    quote = sent()
    codes = [
        client.post(page_url(quote, "question"), {"message": ""}).status_code for _ in range(3)
    ]
    assert codes == [400, 400, 429]


def test_answers_are_throttled_per_address_whatever_the_token(client, sent, settings):
    settings.QUOTE_LINK_POSTS_PER_HOUR_PER_ADDRESS = 2
    quote = sent()
    client.post(reverse("portal_accept", args=["guess-1"]), SIGNER)
    client.post(reverse("portal_accept", args=["guess-2"]), SIGNER)
    assert client.post(page_url(quote, "question"), {"message": "Hi"}).status_code == 429


def test_the_answer_forms_are_csrf_protected(sent):
    from django.test import Client

    quote = sent()
    client = Client(enforce_csrf_checks=True)
    assert client.post(page_url(quote, "accept"), accept_form(quote)).status_code == 403
    assert client.post(page_url(quote, "decline"), {}).status_code == 403


def test_the_page_reveals_nothing_internal(client, sent, company, product, account_manager):
    other = sent()  # another quote of the same company
    quote = sent(discount_percent=5)
    Quote.objects.filter(pk=quote.pk).update(approval_comment="Approved, CFO is a friend")
    html = client.get(page_url(quote)).content.decode()
    assert other.reference not in html
    assert "CFO is a friend" not in html
    assert "History" not in html


def test_a_manual_acceptance_says_so_on_the_timeline(sent, account_manager):
    quote = sent()
    services.accept_quote(quote=quote, actor=account_manager)
    assert Activity.objects.filter(message=f"{quote.reference} marked accepted").exists()


def test_a_link_cannot_accept_from_another_link_once_accepted(sent, account_manager):
    quote = sent()
    link = link_of(quote)
    portal.accept_online(
        link=link,
        **{k: v for k, v in SIGNER.items() if k != "authorised"},
        authorised=True,
        shown_sha256=quote.pdf_sha256,
        ip_address="10.0.0.1",
        user_agent="test",
    )
    second = QuoteLink.objects.create(quote=quote, email="other@client.example", key="k" * 32)
    with pytest.raises(ValidationError, match="accepted"):
        portal.decline_online(link=second, reason="")


def test_the_quote_page_shows_the_link_its_openings_and_the_acceptance(
    client, sent, account_manager, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    quote = sent()
    client.get(page_url(quote))
    post(
        client,
        quote,
        "question",
        {"message": "Monthly billing?"},
        django_capture_on_commit_callbacks,
    )
    post(client, quote, "accept", accept_form(quote), django_capture_on_commit_callbacks)
    client.force_login(account_manager)
    with django_assert_max_num_queries(40):
        html = client.get(reverse("quote_detail", args=[quote.pk])).content.decode()
    assert f"Link to {quote.contact.email} sent" in html and "opened 1 time" in html
    assert "Accepted online by <strong>Ana Lima</strong> (CFO" in html
    assert "Monthly billing?" in html and "the PDF sent" in html
    certificate = client.get(reverse("quote_certificate", args=[quote.pk]))
    assert certificate.content == bytes(quote.acceptance.certificate_pdf)


def test_the_account_manager_withdraws_a_link_from_the_quote_page(client, sent, account_manager):
    quote = sent()
    link = link_of(quote)
    client.force_login(account_manager)
    client.post(reverse("quote_withdraw_link", args=[quote.pk, link.pk]))
    link.refresh_from_db()
    assert link.is_withdrawn and link.withdrawn_by == account_manager
    html = client.get(reverse("quote_detail", args=[quote.pk])).content.decode()
    assert "withdrawn" in html


def test_another_account_manager_cannot_withdraw_the_link(client, sent, other_account_manager):
    quote = sent()
    link = link_of(quote)
    client.force_login(other_account_manager)
    response = client.post(reverse("quote_withdraw_link", args=[quote.pk, link.pk]))
    assert response.status_code in (403, 404)
    link.refresh_from_db()
    assert not link.is_withdrawn


def test_a_manual_decline_keeps_its_reason(client, sent, account_manager):
    quote = sent()
    client.force_login(account_manager)
    client.post(
        reverse("quote_decline", args=[quote.pk]),
        {"reason_code": "other", "reason": "Went with a competitor"},
    )
    quote.refresh_from_db()
    assert quote.decline_reason == "Went with a competitor"
    html = client.get(reverse("quote_detail", args=[quote.pk])).content.decode()
    assert "Went with a competitor" in html


def test_the_win_rate_counts_online_and_manual_acceptances_alike(
    client, sent, account_manager, django_capture_on_commit_callbacks
):
    from sales import metrics

    online, by_hand, declined = sent(), sent(product=ProductFactory()), sent()
    Quote.objects.filter(pk=online.pk).update(sent_at=timezone.now() - timedelta(days=10))
    Quote.objects.filter(pk=by_hand.pk).update(sent_at=timezone.now() - timedelta(days=4))
    post(client, online, "accept", accept_form(online), django_capture_on_commit_callbacks)
    services.accept_quote(quote=by_hand, actor=account_manager)
    services.decline_quote(quote=declined, actor=account_manager)
    today = timezone.localdate()
    scope = metrics.Scope(start=today - timedelta(days=1), end=today + timedelta(days=1))
    figures = metrics.quote_win_rate(scope)
    assert (figures["quotes_won"], figures["quotes_decided"]) == (2, 3)
    assert figures["median_days_to_close"] == 7  # 10 and 4 days


def accept_online(quote: Quote) -> QuoteAcceptance:
    return portal.accept_online(
        link=link_of(quote),
        name="Ana Lima",
        title="CFO",
        authorised=True,
        signature="ana  lima",  # the same name, whatever its case and spacing
        shown_sha256=portal.document_sha256(quote),
        ip_address="192.0.2.7",
        user_agent="Firefox",
    )


def test_a_trial_conversion_accepted_online_converts_the_trial(
    company, product, account_manager, django_capture_on_commit_callbacks
):
    from licensing.models import Trial
    from tests.licensing.factories import TrialFactory

    trial = TrialFactory(company=company, product=product, seats=20)
    quote = services.draft_trial_conversion_quote(trial=trial, actor=account_manager)
    quote = services.send_quote(quote=quote, actor=account_manager)
    with django_capture_on_commit_callbacks(execute=True):
        accept_online(quote)
    trial.refresh_from_db()
    assert trial.status == Trial.Status.CONVERTED
    assert Onboarding.objects.filter(license=trial.converted_license).exists()


def test_an_expansion_shows_its_co_termed_period_and_adds_the_seats_online(
    client, company, account_manager
):
    from tests.licensing.factories import LicenseFactory

    today = timezone.localdate()
    license = LicenseFactory(
        company=company,
        seats=20,
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=265),
    )
    quote = services.draft_expansion_quote(
        license=license, seats=10, effective_on=today, actor=account_manager
    )
    quote = services.send_quote(quote=quote, actor=account_manager)
    html = client.get(page_url(quote)).content.decode()
    assert "Co-termed period" in html and "266 of the term" in html
    accept_online(quote)
    license.refresh_from_db()
    assert license.seats == 30


def test_a_document_that_cannot_be_drawn_answers_503_and_accepts_nothing(
    client, company, product, account_manager, monkeypatch
):
    from weasyprint import HTML

    quote = services.send_quote(
        quote=make_quote(company=company, product=product), actor=account_manager
    )
    monkeypatch.setattr(HTML, "write_pdf", lambda *args, **kwargs: 1 / 0)

    page = client.get(page_url(quote))
    with pytest.raises(ValidationError, match="try again in a minute"):
        portal.accept_online(
            link=link_of(quote),
            name="Ana Lima",
            title="CFO",
            authorised=True,
            signature="Ana Lima",
            shown_sha256="",
            ip_address="203.0.113.9",
            user_agent="test",
        )

    assert page.status_code == 503 and page["Retry-After"] == "60"
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.SENT
    assert not QuoteAcceptance.objects.exists()
