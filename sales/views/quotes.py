"""Quote pages: list, builder with live pricing, detail and lifecycle actions, the approval
queue (the license/trial actions that draft quotes are in drafts)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from accounts import limits
from accounts.forms import add_service_error
from accounts.history import changes_of
from accounts.lists import list_tools, wants_csv
from accounts.models import Company
from accounts.roles import can, ensure, get_for, require, visible
from accounts.views import subject_activity_context
from config.pagination import PaginatorByIds
from sales import services
from sales.exports import quotes_csv
from sales.forms import (
    ApprovalForm,
    DeclineQuoteForm,
    QuoteFilterForm,
    QuoteForm,
    QuoteLineFormSet,
    SendQuoteForm,
)
from sales.models import Quote, QuoteAcceptance, QuoteLine, QuoteLink
from sales.pricing import LineInput
from sales.services import portal
from sales.views.portal import certificate_response

QUOTES_PER_PAGE = 50
QUESTIONS_SHOWN = 20


@require("view_quotes")
def quote_list(request):
    form = QuoteFilterForm(request.GET)
    quotes = visible(request.user, Quote.objects.with_parties())
    if form.is_valid():
        quotes = form.filter(quotes)
    quotes = form.order(quotes)
    if wants_csv(request):
        ensure(request.user, "export_lists")
        return quotes_csv(quotes)
    page = PaginatorByIds(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, **list_tools(request, "quotes")}
    return render(request, "sales/quotes/list.html", context)


@login_required
def quote_detail(request, pk: int):
    quotes = Quote.objects.with_parties().select_related("approved_by", "license", "trial")
    quote = get_for(request.user, "view_quotes", quotes, pk=pk)
    revisions = (
        Quote.objects.filter(number=quote.number).exclude(pk=quote.pk).order_by("revision")
        if quote.number
        else Quote.objects.none()
    )
    user = request.user
    context = {
        "quote": quote,
        "lines": quote.lines.select_related("product"),
        "revisions": revisions,
        "may_edit": can(user, "edit_quote", quote),
        "may_approve": can(user, "approve_quote") and quote.is_draft and quote.needs_approval,
        "send_form": SendQuoteForm(),
        "decline_form": DeclineQuoteForm(auto_id="id_decline_%s"),
        "approval_form": ApprovalForm(),
        "links": quote.links.select_related("withdrawn_by"),
        "acceptance": QuoteAcceptance.objects.filter(quote=quote).first(),
        "questions": quote.questions.select_related("link")[:QUESTIONS_SHOWN],
        "history": changes_of(
            Quote.history.filter(id=quote.pk),
            (QuoteLine.history.filter(quote_id=quote.pk), _line_label),
        ),
        **subject_activity_context(request, quote),
    }
    return render(request, "sales/quotes/detail.html", context)


def _line_label(record) -> str:
    return f"Line {record.position + 1}"


# The builder: its lines are added, removed and reordered by posting the form with a
# `line_op` (htmx swaps the lines in; without JavaScript the page comes back); only "Save
# draft" writes, through create_quote / update_quote.

LINE_FIELDS = ("product", "requested_seats")
# "move-2-0": line 3 dragged to the top.
LINE_OP = re.compile(r"(add)|(offer|remove|up|down)-(\d{1,3})|move-(\d{1,3})-(\d{1,3})")


def _initial_lines(quote: Quote) -> list[dict]:
    if quote.pk is None:
        return []
    return [
        {"product": line.product, "requested_seats": line.requested_seats}
        for line in quote.lines.select_related("product")
    ]


def _builder_forms(data, quote: Quote):
    form = QuoteForm(data, instance=quote, company=quote.company)
    # A posted builder carries all its lines; a saved draft's lines are the initial ones.
    initial = None if data is not None else _initial_lines(quote)
    formset = QuoteLineFormSet(data, initial=initial, prefix="lines")
    fixed = quote.trial_id or quote.license_id  # one line, for the trial's or license's product
    formset.extra = 0 if fixed or initial else 1
    return form, formset


def _lines_after(data: QueryDict, op: str) -> tuple[QueryDict, str]:
    """The builder's post with one change to its lines (add, remove, move up or down, or
    move to another place), and the id of the element that keeps the focus; a malformed
    change is a 400."""
    match = LINE_OP.fullmatch(op)
    try:
        count = min(int(data.get("lines-TOTAL_FORMS", "")), limits.MAX_QUOTE_LINES + 1)
    except ValueError:
        count = None
    if match is None or count is None:
        raise BadRequest("Unknown change to the lines.")
    rows = [[data.get(f"lines-{i}-{name}", "") for name in LINE_FIELDS] for i in range(count)]
    if match[4] is not None:
        action, index, to = "move", int(match[4]), int(match[5])
    else:
        action, index = match[1] or match[2], int(match[3] or 0)
        to = {"up": index - 1, "down": index + 1}.get(action, index)
    if action != "add" and index >= len(rows) or action == "move" and to >= len(rows):
        raise BadRequest("No such line.")
    focus = f"id_lines-{index}-product"
    if action == "add":
        rows.append(["", ""])
        focus = f"id_lines-{len(rows) - 1}-product"
    elif action == "remove":
        rows.pop(index)
        focus = "add-line"
    elif action != "offer" and 0 <= to < len(rows):
        rows.insert(to, rows.pop(index))
        # The moved line keeps the focus: on the button just pressed, or on the other one
        # when it reached the top or bottom; a dragged line on its product.
        focus = {
            "up": f"line-{to}-up" if to > 0 else f"line-{to}-down",
            "down": f"line-{to}-down" if to < len(rows) - 1 else f"line-{to}-up",
        }.get(action, f"id_lines-{to}-product")
    changed = data.copy()
    for key in [key for key in changed if key.startswith("lines-")]:
        del changed[key]
    for i, row in enumerate(rows):
        for name, value in zip(LINE_FIELDS, row, strict=True):
            changed[f"lines-{i}-{name}"] = value
    changed["lines-TOTAL_FORMS"], changed["lines-INITIAL_FORMS"] = str(len(rows)), "0"
    return changed, focus


def _priced(form, formset):
    """Price the builder's current input, or say what must be fixed first."""
    if not (form.is_valid() and formset.is_valid()):
        return None, ["Fix the highlighted fields to see the price."]
    lines = formset.line_inputs()
    if not lines:
        return None, ["Add a product and a number of seats to see the price."]
    try:
        return services.price_of(form.instance, lines), []
    except ValidationError as error:
        return None, error.messages


def _priced_saved(quote: Quote):
    if quote.pk is None:
        return None, ["Add a product and a number of seats to see the price."]
    lines = [LineInput(line.product, line.requested_seats) for line in quote.lines.all()]
    try:
        return services.price_of(quote, lines), []
    except ValidationError as error:
        return None, error.messages


def _render_builder(request, quote: Quote, form, formset, price_url: str, **extra):
    price, problems = _priced(form, formset) if form.is_bound else _priced_saved(quote)
    context = {
        "quote": quote,
        "form": form,
        "formset": formset,
        "price": price,
        "problems": problems,
        "price_url": price_url,
        "builder_url": request.get_full_path(),
        "fixed_lines": bool(quote.trial_id or quote.license_id),
        **extra,
    }
    template = "sales/quotes/builder.html"
    if request.htmx and "line_op" in request.POST:
        template = "sales/quotes/_lines_changed.html"
    return render(request, template, context)


def _change_lines(request, quote: Quote, price_url: str):
    """Add, remove or move a line of the builder, or offer each line the products the others
    do not hold; nothing is saved."""
    op = request.POST["line_op"]
    data, focus = _lines_after(request.POST, op)
    form, formset = _builder_forms(data, quote)
    if op.startswith("offer"):
        return render(
            request,
            "sales/quotes/_line_products.html",
            {"formset": formset, "builder_url": request.get_full_path(), "skip": focus},
        )
    return _render_builder(request, quote, form, formset, price_url, focus=focus)


def _save_builder(request, quote: Quote, price_url: str):
    if request.method == "POST" and "line_op" in request.POST:
        return _change_lines(request, quote, price_url)
    form, formset = _builder_forms(request.POST if request.method == "POST" else None, quote)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if quote.pk is None:
                quote = services.create_quote(
                    company=quote.company,
                    actor=request.user,
                    lines=formset.line_inputs(),
                    **fields,
                )
            else:
                quote = services.update_quote(
                    quote=quote, actor=request.user, lines=formset.line_inputs(), **fields
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{quote.reference} saved as a draft.")
            return redirect("quote_detail", pk=quote.pk)
    return _render_builder(request, quote, form, formset, price_url)


def _price_preview(request, quote: Quote):
    form, formset = _builder_forms(request.POST, quote)
    price, problems = _priced(form, formset)
    return render(
        request, "sales/quotes/_price.html", {"price": price, "problems": problems, "quote": quote}
    )


def _new_quote(request) -> Quote | None:
    companies = visible(request.user, Company.objects.all())
    company = companies.filter(pk=request.GET.get("company") or None).first()
    if company is None:
        return None
    ensure(request.user, "edit_company", company)
    return Quote(company=company, owner_id=company.owner_id)


@require("edit_quote")
def quote_create(request):
    quote = _new_quote(request)
    if quote is None:
        # Administrators reach every company from the company list; this lists one's own.
        companies = Company.objects.for_owner(request.user).active()
        return render(request, "sales/quotes/choose_company.html", {"companies": companies})
    return _save_builder(request, quote, f"{request.path}price/?company={quote.company_id}")


@require_POST
@require("edit_quote")
def quote_price_new(request):
    quote = _new_quote(request)
    if quote is None:
        return HttpResponse(status=400)
    return _price_preview(request, quote)


def _editable_quote(request, pk: int) -> Quote:
    quotes = Quote.objects.select_related("company", "license", "trial")
    return get_for(request.user, "edit_quote", quotes, pk=pk)


@login_required
def quote_edit(request, pk: int):
    quote = _editable_quote(request, pk)
    if not quote.is_draft:
        messages.error(request, f"{quote.reference} was sent and is frozen; revise it instead.")
        return redirect("quote_detail", pk=quote.pk)
    return _save_builder(request, quote, f"{request.path}price/")


@require_POST
@login_required
def quote_price(request, pk: int):
    return _price_preview(request, _editable_quote(request, pk))


# Lifecycle actions: each calls one service and reports its refusal as a message.


def _act(request, quote: Quote, action, done: str):
    try:
        quote = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(quote=quote))
    return redirect("quote_detail", pk=quote.pk)


def _open_draft(request, draft, *, refused, done: str):
    """Run a service that drafts a quote and open it in the builder; on a refusal, go back
    to `refused` with the message."""
    try:
        quote = draft()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return refused
    messages.success(request, done.format(quote=quote))
    return redirect("quote_edit", pk=quote.pk)


@require_POST
@login_required
def quote_send(request, pk: int):
    quote = _editable_quote(request, pk)
    form = SendQuoteForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    return _act(
        request,
        quote,
        lambda: services.send_quote(quote=quote, actor=request.user, message=message),
        "{quote.reference} sent.",
    )


@require_POST
@login_required
def quote_revise(request, pk: int):
    quote = _editable_quote(request, pk)
    return _open_draft(
        request,
        lambda: services.revise_quote(quote=quote, actor=request.user),
        refused=redirect("quote_detail", pk=quote.pk),
        done="{quote.reference} opened: change it, then send it.",
    )


@require_POST
@login_required
def quote_accept(request, pk: int):
    quote = _editable_quote(request, pk)
    return _act(
        request,
        quote,
        lambda: services.accept_quote(quote=quote, actor=request.user),
        "{quote.reference} accepted: the license is recorded on the company.",
    )


@require_POST
@login_required
def quote_decline(request, pk: int):
    quote = _editable_quote(request, pk)
    form = DeclineQuoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("quote_detail", pk=quote.pk)
    return _act(
        request,
        quote,
        lambda: services.decline_quote(quote=quote, actor=request.user, **form.cleaned_data),
        "{quote.reference} marked declined.",
    )


@require_POST
@login_required
def quote_withdraw_link(request, pk: int, link_pk: int):
    quote = _editable_quote(request, pk)
    link = get_object_or_404(QuoteLink, quote=quote, pk=link_pk)
    return _act(
        request,
        quote,
        lambda: portal.withdraw_link(link=link, actor=request.user).quote,
        "The link of {quote.reference} is withdrawn; a resend makes a new one.",
    )


@login_required
def quote_certificate(request, pk: int):
    quote = get_for(request.user, "download_quote", Quote.objects.all(), pk=pk)
    return certificate_response(get_object_or_404(QuoteAcceptance, quote=quote))


# Approvals


@require("approve_quote")
def approval_queue(request):
    quotes = visible(request.user, Quote.objects.awaiting_approval()).with_parties()
    quotes = quotes.order_by("created_at", "pk")
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "sales/quotes/approvals.html", {"page": page, "approval_form": ApprovalForm()}
    )


def _answer(request, pk: int, service, done: str):
    quote = get_for(request.user, "approve_quote", Quote.objects.all(), pk=pk)
    form = ApprovalForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        quote = service(quote=quote, actor=request.user, comment=comment)
    except ValidationError as error:
        messages.error(request, f"{quote.reference}: {' '.join(error.messages)}")
    else:
        messages.success(request, done.format(quote=quote))
    if request.POST.get("back") == "detail":
        return redirect("quote_detail", pk=quote.pk)
    return redirect("approval_queue")


@require_POST
@login_required
def quote_approve(request, pk: int):
    return _answer(request, pk, services.approve_quote, "{quote.reference}: discount approved.")


@require_POST
@login_required
def quote_reject(request, pk: int):
    return _answer(request, pk, services.reject_quote, "{quote.reference}: discount refused.")


urlpatterns = [
    path("quotes/", quote_list, name="quote_list"),
    path("quotes/new/", quote_create, name="quote_create"),
    path("quotes/new/price/", quote_price_new, name="quote_price_new"),
    path("quotes/approvals/", approval_queue, name="approval_queue"),
    path("quotes/<int:pk>/", quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/edit/", quote_edit, name="quote_edit"),
    path("quotes/<int:pk>/edit/price/", quote_price, name="quote_price"),
    path("quotes/<int:pk>/send/", quote_send, name="quote_send"),
    path("quotes/<int:pk>/revise/", quote_revise, name="quote_revise"),
    path("quotes/<int:pk>/accept/", quote_accept, name="quote_accept"),
    path("quotes/<int:pk>/decline/", quote_decline, name="quote_decline"),
    path(
        "quotes/<int:pk>/links/<int:link_pk>/withdraw/",
        quote_withdraw_link,
        name="quote_withdraw_link",
    ),
    path("quotes/<int:pk>/certificate/", quote_certificate, name="quote_certificate"),
    path("quotes/<int:pk>/approve/", quote_approve, name="quote_approve"),
    path("quotes/<int:pk>/reject/", quote_reject, name="quote_reject"),
]
