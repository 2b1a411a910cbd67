"""The quote's personal links (/q/<token>/): the URL carries the link's random key (128 bits)
signed with SECRET_KEY, so a tampered or invented token fails the signature check (compared
in constant time) and a copy of the database alone opens no quote."""

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from sales.models import Quote, QuoteLink

_SIGNER = signing.Signer(salt="sales.quote-link", sep=".")


def token_of(link: QuoteLink) -> str:
    return _SIGNER.sign(link.key)


def url_of(link: QuoteLink) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal_quote", args=[token_of(link)])


def find_link(token: str) -> QuoteLink | None:
    """The link a token stands for; None for a tampered, unknown or malformed one."""
    try:
        key = _SIGNER.unsign(token)
    except signing.BadSignature:
        return None
    return (
        QuoteLink.objects.select_related("quote__company", "quote__owner", "quote__contact")
        .filter(key=key)
        .first()
    )


def active_link(quote: Quote, email: str) -> QuoteLink | None:
    return quote.links.active().filter(email=email).first()


def issue_link(quote: Quote) -> QuoteLink:
    """The recipient's active link to `quote`, made if there is none: each email of a sent
    quote carries it (a withdrawn link is replaced by the next resend)."""
    email = quote.contact.email
    link = active_link(quote, email)
    return link or QuoteLink.objects.create(quote=quote, email=email, key=secrets.token_hex(16))
