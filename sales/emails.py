"""The email that carries a sent quote to its recipient."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from sales.models import Quote
from sales.pdf import open_pdf, pdf_filename


def quote_email(quote: Quote) -> EmailMultiAlternatives:
    """The quote's email, HTML and text, its PDF attached; replies go to the account manager."""
    context = {"quote": quote, "message": quote.email_message, "seller": settings.SELLER}
    email = EmailMultiAlternatives(
        subject=f"Quote {quote.reference} from {settings.SELLER['name']}",
        body=render_to_string("sales/emails/quote.txt", context),
        to=[formataddr((quote.contact.full_name, quote.contact.email))],
        reply_to=[quote.owner.email] if quote.owner.email else None,
    )
    email.attach_alternative(render_to_string("sales/emails/quote.html", context), "text/html")
    with open_pdf(quote) as document:
        email.attach(pdf_filename(quote), document.read(), "application/pdf")
    return email
