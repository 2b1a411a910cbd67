"""Quote documents: a quote rendered to PDF with WeasyPrint, and the stored PDF of a sent quote.

The print stylesheet is small and separate from the web CSS (a CSS framework inside the PDF
costs WeasyPrint 20x), parsed once per process; fonts come from the machine and no URL other
than a local file is ever fetched, so rendering needs no network."""

import gc
import hashlib
import io
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from sales.models import Quote

TEMPLATE = "sales/pdf/quote.html"
STYLESHEET = Path(settings.BASE_DIR) / "templates" / "sales" / "pdf" / "quote.css"


@cache
def _print_style() -> tuple[CSS, FontConfiguration]:
    fonts = FontConfiguration()
    return CSS(filename=str(STYLESHEET), font_config=fonts), fonts


def _logo_url() -> str:
    """The logo as a URL: a path on this machine (a URL is passed on, and refused unless local)."""
    logo = settings.SELLER.get("logo")
    if not logo or "://" in logo:
        return logo or ""
    return Path(logo).resolve().as_uri()


def render_quote_html(quote: Quote) -> str:
    lines = quote.lines.select_related("product")
    issued_on = timezone.localdate(quote.sent_at) if quote.sent_at else timezone.localdate()
    return render_to_string(
        TEMPLATE,
        {
            "quote": quote,
            "lines": lines,
            "seller": settings.SELLER,
            "logo_url": _logo_url(),
            "issued_on": issued_on,
            "validity_days": settings.QUOTE_VALIDITY_DAYS,
        },
    )


@contextmanager
def _no_collection_pauses():
    """A render allocates hundreds of thousands of short-lived objects, enough to set off
    full collections that walk the whole heap of a Django process (a third of a 40-line
    render). Collect after the render instead, once, while its garbage is still young."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_quote_pdf(quote: Quote) -> bytes:
    """The quote as PDF bytes, as it stands now (a draft carries a DRAFT mark)."""
    stylesheet, fonts = _print_style()
    # Only local files (the logo): a quote never waits on the network.
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    html = render_quote_html(quote)
    with _no_collection_pauses():
        document = HTML(string=html, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)


def pdf_filename(quote: Quote) -> str:
    """A readable file name: Q-2026-00042-rev1-acme-corp.pdf, draft-quote-7-acme-corp.pdf."""
    stem = f"{quote.number}-rev{quote.revision}" if quote.number else f"draft-quote-{quote.pk}"
    return f"{stem}-{slugify(quote.company.name)[:60]}.pdf"


# The files written by the service running now, removed if it fails (see below).
_written: ContextVar[list | None] = ContextVar("written_pdfs", default=None)


def attach_pdf(quote: Quote) -> None:
    """Render the quote once and put the file and its SHA-256 on it (the caller saves it)."""
    data = render_quote_pdf(quote)
    quote.pdf.save(pdf_filename(quote), ContentFile(data), save=False)
    quote.pdf_sha256 = hashlib.sha256(data).hexdigest()
    written = _written.get()
    if written is not None:
        written.append((quote.pdf.storage, quote.pdf.name))


def removes_pdf_on_rollback(service):
    """Wrap a transactional service (outside its `transaction.atomic`) so that a PDF it
    stored is deleted again when it fails, commit included: no file without its quote."""

    @wraps(service)
    def wrapped(*args, **kwargs):
        written: list = []
        token = _written.set(written)
        try:
            return service(*args, **kwargs)
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
        finally:
            _written.reset(token)

    return wrapped


def open_pdf(quote: Quote):
    """A readable binary file of the quote's document: the stored PDF when it was sent,
    else a fresh render (a draft, or a quote sent before PDFs were stored)."""
    if quote.pdf:
        return quote.pdf.open("rb")
    return io.BytesIO(render_quote_pdf(quote))
