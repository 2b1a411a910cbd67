"""The acceptance certificate: a one-page PDF of what the client accepted online (quote
number and revision, total, the quote PDF's SHA-256, the signer, the time), sealed with an
HMAC of those facts under the site's secret so that the seller can tell a genuine one."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from sales.models import QuoteAcceptance

SEAL_SALT = "sales.acceptance-certificate"
TEMPLATE = "sales/pdf/certificate.html"
STYLESHEET = Path(settings.BASE_DIR) / "templates" / "sales" / "pdf" / "certificate.css"


def _facts(acceptance: QuoteAcceptance) -> str:
    quote = acceptance.quote
    return "|".join(
        [
            quote.number,
            str(quote.revision),
            f"{quote.total} {quote.currency}",
            acceptance.pdf_sha256,
            acceptance.name,
            acceptance.title,
            acceptance.email,
            acceptance.accepted_at.isoformat(),
        ]
    )


def seal_of(acceptance: QuoteAcceptance) -> str:
    return salted_hmac(SEAL_SALT, _facts(acceptance), algorithm="sha256").hexdigest()


def is_genuine(acceptance: QuoteAcceptance) -> bool:
    """The record's facts still match the seal it was given when it was made."""
    return constant_time_compare(seal_of(acceptance), acceptance.seal)


@cache
def _print_style() -> tuple[CSS, FontConfiguration]:
    fonts = FontConfiguration()
    return CSS(filename=str(STYLESHEET), font_config=fonts), fonts


def render_certificate(acceptance: QuoteAcceptance) -> bytes:
    """The certificate of a sealed acceptance, as PDF bytes (no network: nothing is fetched)."""
    stylesheet, fonts = _print_style()
    html = render_to_string(
        TEMPLATE, {"acceptance": acceptance, "quote": acceptance.quote, "seller": settings.SELLER}
    )
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
