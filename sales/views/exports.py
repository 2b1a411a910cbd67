"""Finance exports page and its downloads, quote PDF downloads, resending a quote's email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.roles import get_for, require, visible
from sales import services
from sales.exports import (
    EXPORTS,
    QuoteExportFilter,
    earlier_revisions,
    exported_quotes,
    pdf_response,
    quote_totals,
)
from sales.models import Quote

PREVIEW_ROWS = 50


@require("export")
def finance_exports(request):
    quotes = visible(request.user, exported_quotes(), "export")
    filterset = QuoteExportFilter(request.GET, queryset=quotes)
    quotes = filterset.qs if filterset.is_valid() else Quote.objects.none()
    context = {
        "filter": filterset,
        "totals": quote_totals(quotes),
        "earlier_revisions": earlier_revisions(quotes),
        "preview": quotes[:PREVIEW_ROWS],
        "preview_rows": PREVIEW_ROWS,
        "exports": EXPORTS,
        "query": request.GET.urlencode(),
    }
    return render(request, "sales/exports/finance_exports.html", context)


@require("export")
def download_export(request, filename: str):
    export = EXPORTS.get(filename)
    if export is None:
        raise Http404
    rows = visible(request.user, export.queryset(), "export")
    filterset = export.filterset(request.GET, queryset=rows)
    if not filterset.is_valid():
        return HttpResponseBadRequest("Correct the filter on the exports page and try again.")
    return export.respond(filterset.qs)


@login_required
def quote_pdf(request, pk: int):
    quote = get_for(request.user, "download_quote", Quote.objects.with_parties(), pk=pk)
    return pdf_response(quote)


@require_POST
@login_required
def resend_quote_email(request, pk: int):
    quote = get_for(request.user, "edit_quote", Quote.objects.with_parties(), pk=pk)
    error = ""
    try:
        services.resend_quote_email(quote=quote, actor=request.user)
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
    quote.refresh_from_db()  # an eager worker may have sent it already
    if request.htmx:
        return render(request, "sales/quotes/_document.html", {"quote": quote, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"The email of {quote.reference} is on its way again.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("quote_list")


urlpatterns = [
    path("quotes/<int:pk>/pdf/", quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/resend-email/", resend_quote_email, name="resend_quote_email"),
    path("exports/", finance_exports, name="finance_exports"),
    path("exports/<str:filename>", download_export, name="finance_export"),
]
