"""The client's quote page (/q/<token>/), without login: the quote as its PDF says it, and
accepting, declining or asking from it. The token is the only key; an unknown or tampered
one answers 404 like any missing page. Nothing here shows another quote or company,
internal notes, the approval history or the account manager's other data."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import add_service_error
from accounts.signin import client_ip
from sales.exports import pdf_response
from sales.forms import AcceptQuoteForm, DeclineQuoteForm, QuoteQuestionForm
from sales.links import find_link, token_of, url_of
from sales.models import QuoteAcceptance, QuoteLink
from sales.pdf import PDFNotDrawn
from sales.services import portal
from sales.services.portal import State

THROTTLE_WINDOW = 3600  # seconds


def _link(token: str) -> QuoteLink:
    link = find_link(token)
    if link is None:
        raise Http404
    return link


def _allowed(request, token: str) -> bool:
    """Answers posted per link and per address within the hour, counted in the cache."""
    counts = (
        (
            f"portal:link:{hashlib.sha256(token.encode()).hexdigest()}",
            settings.QUOTE_LINK_POSTS_PER_HOUR,
        ),
        (f"portal:address:{client_ip(request)}", settings.QUOTE_LINK_POSTS_PER_HOUR_PER_ADDRESS),
    )
    allowed = True
    for key, limit in counts:
        cache.add(key, 0, THROTTLE_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, count := 1, THROTTLE_WINDOW)
        allowed = allowed and count <= limit
    return allowed


def _too_many() -> HttpResponse:
    response = HttpResponse(
        "Too many attempts from here: please wait an hour, or reply to the quote's email.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(THROTTLE_WINDOW)
    return response


def _page(request, link: QuoteLink, *, forms: dict | None = None, error: str = "", status=200):
    quote = link.quote
    state = portal.state_of(link)
    context = {
        "link": link,
        "quote": quote,
        "state": state,
        "seller": settings.SELLER,
        "token": token_of(link),
        "error": error,
    }
    if state == State.OPEN:
        forms = forms or {}
        try:
            sha256 = portal.document_sha256(quote)
        except PDFNotDrawn:
            return HttpResponse(
                "This quote's document cannot be shown right now; try again in a minute.",
                status=503,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": "60"},
            )
        context |= {
            "lines": quote.lines.select_related("product"),
            "sha256": sha256,
            "accept_form": forms.get("accept")
            or AcceptQuoteForm(company_name=quote.company.name, initial={"document": sha256}),
            "decline_form": forms.get("decline") or DeclineQuoteForm(),
            "question_form": forms.get("question") or QuoteQuestionForm(),
        }
    elif state == State.ACCEPTED:
        acceptance = QuoteAcceptance.objects.filter(quote=quote, link=link).first()
        context["acceptance"] = acceptance
    elif state == State.SUPERSEDED:
        replacement, new_link = portal.replacement_of(link)
        context |= {
            "replacement": replacement,
            "replacement_url": url_of(new_link) if new_link else "",
        }
    return render(request, "portal/quote.html", context, status=status)


@never_cache
@require_GET
def quote_page(request, token: str):
    link = _link(token)
    if not request.user.is_authenticated:  # the seller checking the link is not an opening
        portal.record_open(link=link)
    return _page(request, link)


def _answer(request, token: str, make_form, service, *, name: str):
    """Throttle (before anything is looked up), validate, call the service; its refusal
    goes back on the page."""
    if not _allowed(request, token):
        return _too_many()
    link = _link(token)
    form = make_form(link)
    if form.is_valid():
        try:
            service(link, form.cleaned_data)
        except ValidationError as error:
            link = _link(token)  # as it stands after the refusal (another answer may have won)
            if portal.state_of(link) != State.OPEN or not hasattr(error, "error_dict"):
                return _page(request, link, error=" ".join(error.messages), status=409)
            add_service_error(form, error)
        else:
            return redirect("portal_quote", token=token)
    return _page(request, link, forms={name: form}, status=400)


@never_cache
@require_POST
def accept(request, token: str):
    def service(link, data):
        portal.accept_online(
            link=link,
            name=data["name"],
            title=data["title"],
            authorised=data["authorised"],
            signature=data["signature"],
            shown_sha256=data["document"],
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )

    def make_form(link):
        return AcceptQuoteForm(request.POST, company_name=link.quote.company.name)

    return _answer(request, token, make_form, service, name="accept")


@never_cache
@require_POST
def decline(request, token: str):
    def service(link, data):
        portal.decline_online(link=link, reason=data["reason"], reason_code=data["reason_code"])

    return _answer(
        request, token, lambda link: DeclineQuoteForm(request.POST), service, name="decline"
    )


@never_cache
@require_POST
def question(request, token: str):
    def service(link, data):
        portal.ask_question(link=link, message=data["message"])

    return _answer(
        request, token, lambda link: QuoteQuestionForm(request.POST), service, name="question"
    )


@never_cache
@require_GET
def quote_pdf(request, token: str):
    """The exact PDF the quote was sent as (its SHA-256 is on the page)."""
    link = _link(token)
    if link.is_withdrawn:
        raise Http404
    return pdf_response(link.quote, as_attachment=False)


@never_cache
@require_GET
def certificate(request, token: str):
    link = _link(token)
    acceptance = QuoteAcceptance.objects.filter(link=link).select_related("quote").first()
    if acceptance is None:
        raise Http404
    return certificate_response(acceptance)


def certificate_response(acceptance: QuoteAcceptance) -> HttpResponse:
    quote = acceptance.quote
    response = HttpResponse(bytes(acceptance.certificate_pdf), content_type="application/pdf")
    filename = f"acceptance-{quote.number}-rev{quote.revision}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("q/<str:token>/", quote_page, name="portal_quote"),
    path("q/<str:token>/accept/", accept, name="portal_accept"),
    path("q/<str:token>/decline/", decline, name="portal_decline"),
    path("q/<str:token>/question/", question, name="portal_question"),
    path("q/<str:token>/pdf/", quote_pdf, name="portal_pdf"),
    path("q/<str:token>/certificate/", certificate, name="portal_certificate"),
]
