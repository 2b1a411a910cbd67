"""Quote documents: a quote rendered to PDF with WeasyPrint, and the stored PDF of a sent quote.

The print stylesheet is small and separate from the web CSS (a CSS framework inside the PDF
costs WeasyPrint 20x), parsed once per process; fonts come from the machine and no URL other
than a local file is ever fetched, so rendering needs no network."""

import gc
import hashlib
import io
import logging
from contextlib import contextmanager
from datetime import UTC
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from accounts.models import Activity
from accounts.services import record_activity
from sales.models import Quote

logger = logging.getLogger(__name__)

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
            # The PDF's creation date: its sending time, so every draw gives the same bytes.
            "created": quote.sent_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if quote.sent_at
            else "",
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


class PDFNotDrawn(Exception):
    """The PDF of a sent quote could not be drawn (WeasyPrint failed); it is recorded on the
    quote and drawn again later."""


def draw_pdf(quote: Quote) -> Quote:
    """Store the PDF of a sent quote once, with its SHA-256. It is drawn from the frozen quote
    and pinned to its sending time, so whoever draws it (the worker after the send, a download
    before that) gets the same bytes; two draws at once both render, the first to store wins
    and the other serves its file. A failure is recorded on the quote and its timeline, then
    raised as PDFNotDrawn."""
    if quote.pdf or quote.status in Quote.UNSENT:
        return quote
    try:
        data = render_quote_pdf(quote)
    except Exception as error:  # WeasyPrint, a font, the logo file: all drawn again later
        _record_failure(quote, error)
        raise PDFNotDrawn(quote.pdf_error) from error
    storage = quote.pdf.storage
    name = storage.save(
        quote.pdf.field.generate_filename(quote, pdf_filename(quote)), ContentFile(data)
    )
    try:
        with transaction.atomic():
            stored = Quote.objects.filter(pk=quote.pk, pdf="").update(
                pdf=name, pdf_sha256=hashlib.sha256(data).hexdigest(), pdf_error=""
            )
            if stored and quote.pdf_error:
                _log(quote, "PDF drawn after an earlier failure")
        quote.refresh_from_db(fields=["pdf", "pdf_sha256", "pdf_error"])
    except BaseException:
        storage.delete(name)
        raise
    if quote.pdf.name != name:  # another draw stored first
        storage.delete(name)
    return quote


def _record_failure(quote: Quote, error: Exception) -> None:
    logger.exception("The PDF of %s could not be drawn", quote.reference)
    quote.pdf_error = f"The PDF could not be drawn ({type(error).__name__}: {error})"[:500]
    with transaction.atomic():
        unsent = Quote.objects.filter(pk=quote.pk, pdf="")
        if unsent.filter(pdf_error="").update(pdf_error=quote.pdf_error):
            _log(quote, f"the PDF could not be drawn ({type(error).__name__}); tried again later")
        else:
            unsent.update(pdf_error=quote.pdf_error)


def _log(quote: Quote, message: str) -> None:
    record_activity(
        company=quote.company, kind=Activity.Kind.QUOTE, message=f"{quote.reference}: {message}"
    )


def open_pdf(quote: Quote):
    """A readable binary file of the quote's document: the stored PDF of a sent quote (drawn
    and stored now if the worker has not yet), a fresh render of a draft. Raises PDFNotDrawn."""
    if quote.status in Quote.UNSENT:
        return io.BytesIO(render_quote_pdf(quote))
    quote = draw_pdf(quote)
    try:
        return quote.pdf.open("rb")
    except FileNotFoundError:
        return io.BytesIO(_restore_lost_file(quote))


def _restore_lost_file(quote: Quote) -> bytes:
    """Draw again the PDF whose stored file was lost (a disk, a bucket): the drawing is pinned
    to the frozen quote, so it is the document sent only if its SHA-256 is the one recorded;
    then it is stored again under its name. Otherwise it raises PDFNotDrawn (a backup holds it)."""
    logger.error("The stored PDF of %s is missing", quote.reference)
    data = render_quote_pdf(quote)
    if hashlib.sha256(data).hexdigest() != quote.pdf_sha256:
        raise PDFNotDrawn(
            f"The stored PDF of {quote.reference} is missing and drawing it again does not give "
            "the document sent (its SHA-256 differs); restore it from a backup"
        )
    quote.pdf.storage.save(quote.pdf.name, ContentFile(data))
    _log(quote, "the stored PDF was missing; drawn again, same SHA-256")
    return data
