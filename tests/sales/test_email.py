import smtplib
from datetime import timedelta
from email.utils import parseaddr
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.test import RequestFactory, TestCase
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import outbox
from accounts.models import Activity, OutboxMessage
from accounts.tasks import send_email
from sales import services, tasks
from sales.models import Quote
from tests.email_backends import ScriptedBackend
from tests.sales.factories import make_quote

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class RefusingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses every recipient."""

    def send_messages(self, email_messages):
        raise SMTPRecipientsRefused({"contact@client.example": (550, b"Mailbox unavailable")})


@pytest.fixture
def send(company, product, django_capture_on_commit_callbacks):
    """Send a draft the way a request does: the email task runs once the send commits."""

    def send(message="Here is the quote we discussed on Tuesday."):
        with django_capture_on_commit_callbacks(execute=True):
            quote = services.send_quote(
                quote=make_quote(company=company, product=product),
                actor=company.owner,
                message=message,
            )
        quote.refresh_from_db()
        return quote

    return send


def email_activities(company) -> list[str]:
    return list(
        Activity.objects.filter(company=company, kind=Activity.Kind.EMAIL).values_list(
            "message", flat=True
        )
    )


def test_sending_a_quote_emails_its_pdf_and_the_note_to_the_recipient(settings, company, send):
    settings.EMAIL_BACKEND = LOCMEM
    quote = send()

    [email] = mail.outbox
    contact = quote.contact
    assert parseaddr(email.to[0]) == (contact.full_name, contact.email)
    assert email.subject == f"Quote {quote.number} from {settings.SELLER['name']}"
    assert "Here is the quote we discussed on Tuesday." in email.body
    assert "875.00 EUR in total" in email.body  # 23 seats billed as 25 at 35.00
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "Here is the quote we discussed on Tuesday." in html
    [(filename, content, attachment_type)] = email.attachments
    assert filename.startswith(f"{quote.number}-rev1-") and attachment_type == "application/pdf"
    quote.pdf.open("rb")
    assert content == quote.pdf.read()
    assert quote.email_status == Quote.EmailStatus.SENT and quote.email_sent_at is not None
    assert email_activities(company) == [
        f"{quote.number} emailed to {contact} <{contact.email}> with its PDF"
    ]


def test_running_the_email_task_twice_sends_one_email(settings, company, send):
    settings.EMAIL_BACKEND = LOCMEM
    quote = send()
    [message] = OutboxMessage.objects.for_source("quote", quote.pk)

    send_email(message.pk)
    send_email.delay(message.pk)
    outbox.dispatch()

    assert len(mail.outbox) == 1
    assert len(email_activities(company)) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id


def test_a_failed_email_leaves_the_quote_sent_shows_the_failure_and_a_resend_delivers_it(
    settings, client, company, account_manager, send, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.sales.test_email.RefusingEmailBackend"
    quote = send()

    assert quote.status == Quote.Status.SENT
    assert quote.email_status == Quote.EmailStatus.FAILED
    assert "Mailbox unavailable" in quote.email_error
    assert "failed" in email_activities(company)[0]
    request = RequestFactory().get("/")
    request.user = account_manager
    panel = render_to_string("sales/quotes/_document.html", {"quote": quote}, request=request)
    assert "Email failed" in panel and "Mailbox unavailable" in panel and "Resend email" in panel

    settings.EMAIL_BACKEND = LOCMEM
    client.force_login(account_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("resend_quote_email", args=[quote.pk]), HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 200
    panel = response.content.decode()
    assert "Email queued" in panel and "Email failed" not in panel
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments
    quote.refresh_from_db()
    assert quote.email_status == Quote.EmailStatus.SENT and quote.email_error == ""
    assert quote.status == Quote.Status.SENT


def test_a_resend_without_htmx_returns_to_the_page_it_came_from(
    settings, client, account_manager, send, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = LOCMEM
    quote = send()
    client.force_login(account_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("resend_quote_email", args=[quote.pk]), {"next": "/quotes/?page=2"}
        )

    assert response.status_code == 302 and response["Location"] == "/quotes/?page=2"
    assert len(mail.outbox) == 2


def test_a_draft_or_an_email_already_on_its_way_cannot_be_resent(company, product, send):
    draft = make_quote(company=company, product=product)
    with pytest.raises(ValidationError, match="draft"):
        services.resend_quote_email(quote=draft, actor=company.owner)

    quote = services.send_quote(
        quote=make_quote(company=company, product=product), actor=draft.owner
    )
    with pytest.raises(ValidationError, match="already on its way"):  # its worker has not run yet
        services.resend_quote_email(quote=quote, actor=company.owner)


@pytest.mark.parametrize(
    ("role", "status"), [("other_account_manager", 403), ("finance", 403), ("support", 404)]
)
def test_only_the_quote_owner_or_an_administrator_resends(client, request, send, role, status):
    quote = send()
    client.force_login(request.getfixturevalue(role))
    assert client.post(reverse("resend_quote_email", args=[quote.pk])).status_code == status


def test_with_the_broker_down_sending_a_quote_succeeds_and_its_email_goes_later(
    settings, client, account_manager, company, product, monkeypatch
):
    settings.EMAIL_BACKEND = LOCMEM

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email, "delay", broker_down)
    quote = make_quote(company=company, product=product)
    client.force_login(account_manager)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("quote_send", args=[quote.pk]), {"message": "Hello"})
    assert response.status_code in (200, 302)
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.email_status == Quote.EmailStatus.PENDING
    assert mail.outbox == []

    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        outbox.dispatch()  # beat, within the minute
    quote.refresh_from_db()
    assert quote.email_status == Quote.EmailStatus.SENT and len(mail.outbox) == 1


def test_a_quote_email_stuck_by_a_dead_worker_can_be_resent_and_goes_once(
    settings, company, product, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = LOCMEM
    quote = services.send_quote(
        quote=make_quote(company=company, product=product), actor=company.owner
    )
    [message] = OutboxMessage.objects.for_source("quote", quote.pk)
    # The worker claimed it and died before the mail server answered.
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_quote_email(quote=quote, actor=company.owner)
    quote.refresh_from_db()
    assert quote.email_status == Quote.EmailStatus.SENT
    assert [email.extra_headers["Message-ID"] for email in mail.outbox] == [message.message_id]
    assert OutboxMessage.objects.for_source("quote", quote.pk).count() == 1


def test_a_quote_email_waiting_to_retry_is_sent_at_once_by_resend(
    settings, company, product, send, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.email_backends.ScriptedBackend"
    ScriptedBackend.failures = {"@": smtplib.SMTPResponseException(421, b"Too busy")}
    try:
        quote = send()
    finally:
        ScriptedBackend.failures = {}
    assert quote.email_status == Quote.EmailStatus.PENDING
    assert "answered 421 Too busy" in quote.email_error
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_quote_email(quote=quote, actor=company.owner)
    quote.refresh_from_db()
    assert quote.email_status == Quote.EmailStatus.SENT and quote.email_error == ""
    assert len(mail.outbox) == 1


def test_an_email_task_queued_before_the_outbox_sends_the_quote_once(
    settings, company, product, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = LOCMEM
    quote = services.send_quote(
        quote=make_quote(company=company, product=product), actor=company.owner
    )
    OutboxMessage.objects.all().delete()  # as if sent before the outbox existed
    with django_capture_on_commit_callbacks(execute=True):
        tasks.email_quote(quote.pk)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.email_quote(quote.pk)
    quote.refresh_from_db()
    assert quote.email_status == Quote.EmailStatus.SENT and len(mail.outbox) == 1
