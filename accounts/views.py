"""Companies and their contacts in the browser: thin views over the accounts services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.forms import CompanyFilterForm, CompanyForm, ContactForm, add_service_error
from accounts.history import changes_of
from accounts.models import Company, Contact
from accounts.roles import ADMIN, can, ensure, require, roles_of
from accounts.services import (
    archive_company,
    delete_company,
    deletion_refusal,
    remove_contact,
    restore_company,
    save_company,
    save_contact,
)

COMPANIES_PER_PAGE = 25


def _annotated_companies():
    return Company.objects.with_seats().with_status().with_penetration().select_related("owner")


@require("view_companies")
def company_list(request):
    form = CompanyFilterForm(request.GET)
    filtered = form.filter(Company.objects.all()) if form.is_valid() else Company.objects.active()
    # Page through bare ids, then sum seats for the 25 shown only: with 10,000 companies the
    # sums of every row would cost more than the whole rest of the page.
    paginator = Paginator(form.order(filtered).values_list("pk", flat=True), COMPANIES_PER_PAGE)
    paginator.count = filtered.count()  # counted without the sort's seat sums
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    shown = _annotated_companies().in_bulk(ids)
    page.object_list = [shown[pk] for pk in ids]
    return render(request, "accounts/company_list.html", {"form": form, "page": page})


@require("view_companies")
def company_detail(request, pk: int):
    company = get_object_or_404(_annotated_companies(), pk=pk)
    may_see_quotes = can(request.user, "view_quotes")
    context = {
        "company": company,
        "contacts": company.contacts.all(),
        "trials": company.trials.select_related("product").order_by("-starts_on", "-pk"),
        "licenses": company.licenses.select_related("product").order_by("-ends_on", "-pk"),
        "quotes": company.quotes.order_by("-created_at", "-pk") if may_see_quotes else None,
        "activities": company.activities.select_related("actor")[:50],
        "may_edit": can(request.user, "edit_company", company),
        "today": timezone.localdate(),
        "history": changes_of(
            Company.history.filter(id=company.pk),
            (Contact.history.filter(company_id=company.pk), _contact_label),
        ),
    }
    return render(request, "accounts/company_detail.html", context)


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


@require("edit_company")
def company_edit(request, pk: int):
    company = get_object_or_404(Company, pk=pk)
    ensure(request.user, "edit_company", company)
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


@require("edit_company")
def contact_create(request, company_pk: int):
    company = get_object_or_404(Company, pk=company_pk)
    ensure(request.user, "edit_company", company)
    return _contact_form(request, Contact(company=company))


@require("edit_company")
def contact_edit(request, pk: int):
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    ensure(request.user, "edit_company", contact.company)
    return _contact_form(request, contact)


@require("edit_company")
def contact_remove(request, pk: int):
    contact = get_object_or_404(Contact.objects.select_related("company"), pk=pk)
    ensure(request.user, "edit_company", contact.company)
    if request.method == "POST":
        try:
            remove_contact(contact=contact, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{contact} removed.")
        return redirect("company_detail", pk=contact.company_id)
    return render(request, "accounts/contact_remove.html", {"contact": contact})
