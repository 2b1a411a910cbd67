"""Trials and licenses in the browser. Converting a trial, adding seats and drafting a
renewal make quotes, so those views live in sales/views/drafts.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.forms import add_service_error
from accounts.history import changes_of
from accounts.lists import list_tools, wants_csv
from accounts.models import Company
from accounts.roles import can, ensure, get_for, require, visible
from accounts.views import subject_activity_context
from config.csv_stream import csv_response
from config.pagination import PaginatorByIds
from licensing.forms import (
    RenewalsDueForm,
    TrialExtendForm,
    TrialFilterForm,
    TrialStartForm,
    UsageUploadForm,
)
from licensing.lists import LICENSE_HEADER, TRIAL_HEADER, license_rows, trial_rows
from licensing.models import License, SeatChange, Trial, license_usage
from licensing.services import cancel_trial, extend_trial, record_usage, start_trial

ROWS_PER_PAGE = 50


@require("view_trials")
def trial_list(request):
    today = timezone.localdate()
    form = TrialFilterForm(request.GET)
    trials = visible(request.user, Trial.objects.active(today))
    if form.is_valid():
        trials = form.filter(trials, today)
    trials = form.order(trials)
    if wants_csv(request):
        ensure(request.user, "export_lists")
        return csv_response(TRIAL_HEADER, trial_rows(trials, today), "trials.csv")
    trials = trials.select_related("company", "product")
    page = PaginatorByIds(trials, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "today": today, **list_tools(request, "trials")}
    return render(request, "licensing/trial_list.html", context)


@login_required
def trial_start(request, company_pk: int):
    company = get_for(request.user, "edit_trial", Company.objects.all(), pk=company_pk)
    form = TrialStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            trial = start_trial(company=company, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Trial of {trial.product} started until {trial.ends_on}.")
            return redirect("company_detail", pk=company.pk)
    return render(request, "licensing/trial_start.html", {"form": form, "company": company})


@login_required
def trial_detail(request, pk: int):
    trial = get_for(
        request.user, "view_trials", Trial.objects.select_related("company", "product"), pk=pk
    )
    context = {
        "trial": trial,
        "today": timezone.localdate(),
        "may_edit": can(request.user, "edit_trial", trial),
        **subject_activity_context(request, trial),
    }
    return render(request, "licensing/trial_detail.html", context)


def _editable_trial(request, pk: int) -> Trial:
    return get_for(
        request.user, "edit_trial", Trial.objects.select_related("company", "product"), pk=pk
    )


@login_required
def trial_extend(request, pk: int):
    trial = _editable_trial(request, pk)
    form = TrialExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            trial = extend_trial(trial=trial, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Trial extended until {trial.ends_on}.")
            return redirect("company_detail", pk=trial.company_id)
    return render(
        request,
        "licensing/trial_extend.html",
        {"form": form, "trial": trial, "today": timezone.localdate()},
    )


@require_POST
@login_required
def trial_cancel(request, pk: int):
    trial = _editable_trial(request, pk)
    try:
        cancel_trial(trial=trial, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Trial of {trial.product} cancelled.")
    return redirect("company_detail", pk=trial.company_id)


@require("view_licenses")
def license_list(request):
    today = timezone.localdate()
    form = RenewalsDueForm(request.GET)
    licenses = visible(request.user, License.objects.with_utilisation(today))
    if form.is_valid():
        licenses = form.filter(licenses, today)
    licenses = form.order(licenses)
    if wants_csv(request):
        ensure(request.user, "export_lists")
        return csv_response(LICENSE_HEADER, license_rows(licenses, today), "licenses.csv")
    licenses = licenses.select_related("company", "product")
    page = PaginatorByIds(licenses, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    due = form.cleaned_data["due"] if form.is_valid() else None
    context = {"form": form, "page": page, "due": due, **list_tools(request, "licenses")}
    return render(request, "licensing/license_list.html", context)


@login_required
def license_detail(request, pk: int):
    license = get_for(
        request.user,
        "view_licenses",
        License.objects.select_related("company", "product", "renews", "usage_summary"),
        pk=pk,
    )
    seat_changes = list(license.seat_changes.select_related("created_by"))
    may_edit = (
        can(request.user, "edit_license", license) and license.status == License.Status.ACTIVE
    )
    context = {
        "license": license,
        "seat_changes": seat_changes,
        "initial_seats": license.seats - sum(change.delta for change in seat_changes),
        "renewal": License.objects.filter(renews=license).first(),
        "may_edit": may_edit,
        **_usage_context(license, seat_changes),
        **subject_activity_context(request, license),
        "history": changes_of(
            License.history.filter(id=license.pk), SeatChange.history.filter(license_id=license.pk)
        ),
    }
    return render(request, "licensing/license_detail.html", context)


def _usage_context(license: License, seat_changes: list[SeatChange]) -> dict:
    """Utilisation now and its trend, and the chart's table (licensed, assigned and active
    seats per day), which static/js/usage_chart.js draws."""
    usage = license_usage(license, seat_changes=seat_changes)
    header = ("Day", "Licensed", "Assigned", "Active (30 days)", "Active (7 days)")
    rows = [
        (
            point.day.isoformat(),
            point.licensed_seats,
            point.assigned_seats,
            point.active_users_30d,
            "" if point.active_users_7d is None else point.active_users_7d,
        )
        for point in usage.points
    ]
    return {"usage": usage, "usage_chart": {"header": header, "rows": rows}}


@require("post_usage")
def usage_upload(request):
    """Administrators upload seat usage as CSV, for vendors without an integration: the
    same checks as the API feed, each bad row named by its line in the file."""
    form = UsageUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = record_usage(rows=form.cleaned_data["file"], first_row=2, row_word="Line")
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Usage stored: {result.created} new, {result.replaced} replaced, "
                f"{result.unchanged} unchanged.",
            )
            return redirect("usage_upload")
    return render(request, "licensing/usage_upload.html", {"form": form})


# A file of a day's usage for many licenses is larger than a form post (accounts.middleware).
usage_upload.max_body_size = settings.USAGE_UPLOAD_MAX_SIZE
