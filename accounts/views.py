"""Companies and their contacts in the browser, and the email outbox for administrators:
thin views over the accounts services."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from knox.settings import knox_settings

from accounts import imports, outbox
from accounts.forms import (
    ApiTokenForm,
    CompanyFilterForm,
    CompanyForm,
    ContactForm,
    FollowUpForm,
    ImportMappingForm,
    ImportUploadForm,
    InteractionForm,
    SavedFilterForm,
    about_choices,
    add_service_error,
    company_subject,
)
from accounts.history import changes_of
from accounts.lists import COMPANY_HEADER, LISTS, company_rows, list_tools, wants_csv
from accounts.models import (
    Activity,
    ApiToken,
    Company,
    Contact,
    FollowUp,
    ImportJob,
    OutboxMessage,
    SavedFilter,
    describe_subject,
    subject_key,
    subject_prefetch,
)
from accounts.roles import (
    ADMIN,
    can,
    ensure,
    get_for,
    may_complete_follow_up,
    require,
    roles_of,
    visible,
)
from accounts.services import (
    archive_company,
    complete_follow_up,
    create_api_token,
    create_follow_up,
    delete_company,
    delete_saved_filter,
    deletion_refusal,
    log_activity,
    remove_contact,
    restore_company,
    revoke_api_token,
    save_company,
    save_contact,
    save_filter,
)
from config.csv_stream import csv_response
from config.pagination import PaginatorByIds

COMPANIES_PER_PAGE = 25


def _annotated_companies():
    return Company.objects.with_seats().with_status().with_penetration().select_related("owner")


@require("view_companies")
def company_list(request):
    form = CompanyFilterForm(request.GET)
    companies = visible(request.user, Company.objects.all())
    filtered = form.filter(companies) if form.is_valid() else companies.active()
    ordered = form.order(filtered)
    if wants_csv(request):
        ensure(request.user, "export_lists")
        return csv_response(COMPANY_HEADER, company_rows(ordered), "companies.csv")
    # Page through bare ids, then sum seats for the 25 shown only: with 100,000 companies the
    # sums of every row would cost more than the whole rest of the page.
    page = PaginatorByIds(
        ordered, COMPANIES_PER_PAGE, rows=_annotated_companies().with_utilisation()
    ).get_page(request.GET.get("page"))
    ids = [company.pk for company in page.object_list]
    usage = defaultdict(list)
    for row in Company.objects.filter(pk__in=ids).usage_per_product():
        usage[row["company"]].append(row)
    for company in page.object_list:
        company.product_usage = usage[company.pk]
    context = {"form": form, "page": page, **list_tools(request, "companies")}
    return render(request, "accounts/company_list.html", context)


@login_required
def company_detail(request, pk: int, status: int = 200, **forms):
    company = get_for(request.user, "view_companies", _annotated_companies(), pk=pk)
    may_see_quotes = can(request.user, "view_quotes")
    context = {
        "company": company,
        "contacts": company.contacts.all(),
        "trials": company.trials.select_related("product").order_by("-starts_on", "-pk"),
        "licenses": company.licenses.select_related("product").order_by("-ends_on", "-pk"),
        "product_seats": company.licenses.active()
        .per_product_with_usage()
        .order_by("-product_seats"),
        "quotes": company.quotes.order_by("-created_at", "-pk") if may_see_quotes else None,
        **_activity_context(request, company, **forms),
        "may_edit": can(request.user, "edit_company", company),
        "today": timezone.localdate(),
        "history": changes_of(
            Company.history.filter(id=company.pk),
            (Contact.history.filter(company_id=company.pk), _contact_label),
        ),
    }
    return render(request, "accounts/company_detail.html", context, status=status)


TIMELINE_LENGTH = 50


@dataclass
class TimelineEntry:
    when: datetime
    kind: str
    message: str
    actor: object = None
    summary: str = ""
    about: str = ""


def timeline_of(company: Company, *, with_interactions: bool, subject=None) -> list[TimelineEntry]:
    """The company's latest TIMELINE_LENGTH events in order: what Seatdesk records by itself
    (activities) and, for roles that may see them, the notes, calls and meetings logged by
    hand, with the follow-ups' events. About a `subject` (a trial, license or quote): only
    the notes, calls and meetings about it. A fixed number of queries whatever the rows."""
    entries = []
    if subject is None:
        activities = company.activities.select_related("actor")
        if not with_interactions:
            activities = activities.exclude(kind=Activity.Kind.FOLLOW_UP)
        entries = [
            TimelineEntry(
                activity.occurred_at, activity.get_kind_display(), activity.message, activity.actor
            )
            for activity in activities[:TIMELINE_LENGTH]
        ]
    if with_interactions:
        interactions = company.interactions.select_related("author", "contact").prefetch_related(
            subject_prefetch()
        )
        if subject is not None:
            interactions = interactions.about(subject)
        for interaction in interactions[:TIMELINE_LENGTH]:
            with_whom = f" with {interaction.contact}" if interaction.contact else ""
            entries.append(
                TimelineEntry(
                    interaction.occurred_at,
                    interaction.get_kind_display(),
                    f"{interaction.get_kind_display()}{with_whom}",
                    interaction.author,
                    interaction.summary,
                    describe_subject(interaction.subject) if interaction.subject else "",
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:TIMELINE_LENGTH]


def subject_activity_context(request, subject) -> dict:
    """For the trial, license and quote pages: the notes, calls, meetings and open follow-ups
    about `subject`, and the company page's two forms, set on it."""
    company = subject.company
    return {"company": company, **_activity_context(request, company, subject=subject)}


def _activity_context(request, company: Company, subject=None, **forms) -> dict:
    """The timeline, the open follow-ups and, for who may log, the two forms: the company's,
    or about one of its trials, licenses or quotes (`subject`)."""
    may_see = can(request.user, "view_activities")
    may_log = can(request.user, "log_activity", company)
    follow_ups = company.follow_ups.open().with_parties()
    if subject is not None:
        follow_ups = follow_ups.about(subject)
    context = {
        "timeline": timeline_of(company, with_interactions=may_see, subject=subject),
        "may_log": may_log,
        "company_follow_ups": follow_ups if may_see else None,
        "on": subject_key(subject) if subject else "",
    }
    if may_log:
        about = _about(request, company, subject)
        options = {"company": company, "about": about}
        # "Plan a follow-up" from the home page's "needs a next step" names what it is about.
        initial = {"about": about[0][0] if subject else request.GET.get("about", "")}
        context["interaction_form"] = forms.get("interaction_form") or InteractionForm(
            **options, initial=initial
        )
        context["follow_up_form"] = forms.get("follow_up_form") or FollowUpForm(
            **options, user=request.user, initial=initial
        )
    return context


def _about(request, company: Company, subject=None) -> list[tuple[str, str]]:
    if subject is not None:
        return [(subject_key(subject), describe_subject(subject))]
    return about_choices(company, may_see_quotes=can(request.user, "view_quotes"))


def _record_form(request, company_pk: int, form_class, save, **options):
    """Log a note or plan a follow-up from the company page, or from a trial, license or
    quote page (the form names it in `on`): with htmx, the form comes back (emptied, or with
    its errors) with the timeline and the follow-ups out of band; without, a redirect to the
    page, or the company page with the errors."""
    company = get_for(request.user, "log_activity", Company.objects.all(), pk=company_pk)
    try:
        subject = company_subject(company, request.POST.get("on", ""))
    except ValidationError:
        return HttpResponseBadRequest("Not one of the company's trials, licenses or quotes.")
    about = _about(request, company, subject)
    form = form_class(request.POST, company=company, about=about, **options)
    saved = False
    if form.is_valid():
        try:
            save(company, form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            saved = True
    key = "interaction_form" if form_class is InteractionForm else "follow_up_form"
    if not request.htmx:
        if saved:
            return redirect(subject or company)
        return company_detail(request, company.pk, status=400, **{key: form})
    context = {"company": company, **_activity_context(request, company, subject)}
    if not saved:
        context[key] = form
    return render(request, f"accounts/_{key}.html", {**context, "oob": True})


@require_POST
@login_required
def interaction_create(request, company_pk: int):
    def save(company, data):
        log_activity(
            company=company,
            kind=data["kind"],
            summary=data["summary"],
            occurred_at=data["occurred_at"],
            contact=data["contact"],
            subject=data["about"],
            actor=request.user,
        )

    return _record_form(request, company_pk, InteractionForm, save)


@require_POST
@login_required
def follow_up_create(request, company_pk: int):
    def save(company, data):
        create_follow_up(
            company=company,
            title=data["title"],
            due_on=data["due_on"],
            assignee=data["assignee"],
            contact=data["contact"],
            subject=data["about"],
            actor=request.user,
        )

    return _record_form(request, company_pk, FollowUpForm, save, user=request.user)


@require_POST
@login_required
def follow_up_complete(request, pk: int):
    """Done in one click: with htmx, the follow-up's row comes back marked done (a second
    click finds it done and changes nothing)."""
    follow_up = get_object_or_404(visible(request.user, FollowUp.objects.with_parties()), pk=pk)
    if not may_complete_follow_up(request.user, follow_up):
        raise PermissionDenied
    complete_follow_up(follow_up=follow_up, actor=request.user)
    if request.htmx:
        context = {"follow_up": follow_up, "today": timezone.localdate(), "show_company": True}
        return render(request, "accounts/_follow_up.html", context)
    messages.success(request, f"Follow-up “{follow_up.title}” done.")
    return redirect(_next_or_home(request))


def _next_or_home(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def _contact_label(record) -> str:
    return f"Contact {record.first_name} {record.last_name}"


@require("edit_company")
def company_archive(request, pk: int):
    """POST: archive the company (or bring it back with `restore`)."""
    company = get_object_or_404(Company, pk=pk)
    ensure(request.user, "edit_company", company)
    if request.method == "POST":
        service = restore_company if "restore" in request.POST else archive_company
        try:
            service(company=company, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            done = "archived" if company.is_archived else "restored"
            messages.success(request, f"{company} {done}.")
    return redirect("company_detail", pk=company.pk)


@require("edit_company")
def company_delete(request, pk: int):
    """A confirmation page, then the deletion; a company with records is refused and
    offered archiving instead."""
    company = get_object_or_404(Company, pk=pk)
    ensure(request.user, "edit_company", company)
    refusal = deletion_refusal(company)
    if request.method == "POST" and not refusal:
        try:
            delete_company(company=company, actor=request.user)
        except ValidationError as error:
            refusal = " ".join(error.messages)
        else:
            messages.success(request, f"{company} deleted.")
            return redirect("company_list")
    status = 409 if request.method == "POST" and refusal else 200
    return render(
        request,
        "accounts/company_delete.html",
        {"company": company, "refusal": refusal},
        status=status,
    )


def _company_form(request, company: Company):
    form = CompanyForm(
        request.POST or None, instance=company, may_choose_owner=ADMIN in roles_of(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            company = save_company(company=form.instance, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{company} saved.")
            return redirect("company_detail", pk=company.pk)
    return render(request, "accounts/company_form.html", {"form": form, "company": company})


@require("create_company")
def company_create(request):
    return _company_form(request, Company(owner=request.user))


@login_required
def company_edit(request, pk: int):
    company = get_for(request.user, "edit_company", Company.objects.all(), pk=pk)
    return _company_form(request, company)


def _contact_form(request, contact: Contact):
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            save_contact(contact=form.instance, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{contact} saved.")
            return redirect("company_detail", pk=contact.company_id)
    return render(request, "accounts/contact_form.html", {"form": form, "contact": contact})


@login_required
def contact_create(request, company_pk: int):
    company = get_for(request.user, "edit_company", Company.objects.all(), pk=company_pk)
    return _contact_form(request, Contact(company=company))


@login_required
def contact_edit(request, pk: int):
    contact = get_for(
        request.user, "edit_company", Contact.objects.select_related("company"), pk=pk
    )
    return _contact_form(request, contact)


@login_required
def contact_remove(request, pk: int):
    contact = get_for(
        request.user, "edit_company", Contact.objects.select_related("company"), pk=pk
    )
    if request.method == "POST":
        try:
            remove_contact(contact=contact, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{contact} removed.")
        return redirect("company_detail", pk=contact.company_id)
    return render(request, "accounts/contact_remove.html", {"contact": contact})


# The email outbox, for administrators and monitoring

EMAILS_PER_PAGE = 50


@require("manage_emails")
def email_list(request):
    """Failed and stuck emails with their error in words, each to re-send, or all at once."""
    now = timezone.now()
    attention = outbox.messages_needing_attention(now).select_related("company")
    page = Paginator(attention.order_by("-created_at", "-pk"), EMAILS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/email_list.html",
        {
            "page": page,
            "counts": outbox.attention_counts(now),
            "alert_minutes": settings.OUTBOX_ALERT_MINUTES,
        },
    )


@require_POST
@require("manage_emails")
def email_resend(request):
    """Re-send one failed or stuck email (`message`), or all of them (`all`); with `dismiss`,
    give up on that one instead."""
    attention = outbox.messages_needing_attention()
    if request.POST.get("all"):
        chosen = attention
    else:
        chosen = attention.filter(pk=request.POST.get("message") or 0)
    chosen = OutboxMessage.objects.filter(pk__in=chosen)
    if request.POST.get("dismiss"):
        count = outbox.dismiss_messages(messages=chosen, actor=request.user)
        done = "dismissed"
    else:
        count = outbox.resend_messages(messages=chosen)
        done = "queued again"
    if count:
        messages.success(request, f"{count} email{'s' if count != 1 else ''} {done}.")
    else:
        messages.info(request, "Nothing to do: the email was sent or queued meanwhile.")
    return redirect("email_list")


def email_health(request):
    """For monitoring, not for a load balancer (a stuck mail server must not take the web
    processes out; /readyz is the balancer's): no sign-in, figures only; 503 while any email
    is due and unsent for more than OUTBOX_ALERT_MINUTES, with the counts."""
    overdue = outbox.stuck_messages().count()
    failed = outbox.attention_counts()["failed"]
    return JsonResponse(
        {"emails_overdue": overdue, "emails_failed": failed}, status=503 if overdue else 200
    )


@login_required
def api_tokens(request):
    """The signed-in user's API tokens; a new one's key is shown on this answer only."""
    form = ApiTokenForm(request.POST or None, initial={"days": knox_settings.TOKEN_TTL.days})
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = create_api_token(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"Token “{token.name}” made. Copy its key now: it is not shown again."
            )
            form = ApiTokenForm(initial={"days": knox_settings.TOKEN_TTL.days})
    tokens = ApiToken.objects.filter(user=request.user)
    context = {"form": form, "tokens": tokens, "new_key": new_key, "now": timezone.now()}
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request, digest):
    token = get_object_or_404(ApiToken, digest=digest, user=request.user)
    revoke_api_token(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens")


# Saved filters of the lists (accounts.lists)


@login_required
@require_POST
def saved_filter_save(request):
    """Save the list's current filter by name, and show the list with it."""
    form = SavedFilterForm(request.POST)
    list_key = request.POST.get("list_key")
    if list_key not in LISTS:
        return HttpResponseBadRequest("Unknown list.")
    url_name, permission = LISTS[list_key]
    ensure(request.user, permission)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            saved = save_filter(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Filter “{saved.name}” saved.")
    if form.errors:
        problems = [
            f"{form[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
            for name, errors in form.errors.items()
        ]
        messages.error(request, "The filter was not saved. " + " ".join(problems))
    return redirect(f"{reverse(url_name)}?{query}" if query else reverse(url_name))


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    """Delete one of the user's saved filters (another user's answers 404)."""
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    delete_saved_filter(saved_filter=saved, actor=request.user)
    messages.success(request, f"Filter “{saved.name}” deleted.")
    return redirect(LISTS[saved.list_key][0])


# Imports of companies and contacts (accounts/imports.py).

IMPORT_RESULTS_PER_PAGE = 100


@require("import_companies")
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = imports.start_import(actor=request.user, name=upload.name, content=upload.read())
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("import_detail", pk=job.pk)
    return render(request, "accounts/import_upload.html", {"form": form})


# A file of 10,000 rows is larger than a form post (accounts.middleware); read_table refuses
# a file over IMPORT_MAX_BYTES with a sentence, the margin being the form's own bytes.
import_upload.max_body_size = settings.IMPORT_MAX_BYTES + 64 * 1024


def _own_import(request, pk: int) -> ImportJob:
    """An import is its uploader's alone (it holds their file)."""
    ensure(request.user, "import_companies")
    return get_object_or_404(ImportJob, pk=pk, owner=request.user)


@require("import_companies")
def import_detail(request, pk: int):
    """The column mapping, then the check's (or the apply's) outcome per row."""
    job = _own_import(request, pk)
    form = ImportMappingForm(
        request.POST or None,
        fields=imports.FIELDS,
        headers=job.headers,
        initial={name: str(index) for name, index in job.mapping.items()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.map_columns(job=job, mapping=form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect("import_detail", pk=job.pk)
    shown = request.GET.get("show", "")
    results = [r for r in job.results if not shown or r["action"] == shown]
    page = Paginator(results, IMPORT_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"job": job, "form": form, "page": page, "shown": shown, "sample": job.rows[:3]}
    return render(request, "accounts/import_detail.html", context)


@require("import_companies")
def import_progress(request, pk: int):
    """htmx polls this while the import runs; once done, the page reloads to show results."""
    job = _own_import(request, pk)
    response = render(request, "accounts/_import_progress.html", {"job": job})
    if not job.is_running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@require("import_companies")
def import_apply(request, pk: int):
    job = _own_import(request, pk)
    try:
        imports.request_apply(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("import_detail", pk=job.pk)


@require("import_companies")
def import_refused_report(request, pk: int):
    job = _own_import(request, pk)
    response = HttpResponse(imports.refused_rows_csv(job), content_type="text/csv; charset=utf-8")
    stem = job.file_name.rsplit(".", 1)[0][:80] or "import"
    response["Content-Disposition"] = f'attachment; filename="{slugify(stem)}-refused.csv"'
    return response
