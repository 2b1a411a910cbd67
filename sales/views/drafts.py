"""The trial and license actions that draft quotes: convert a trial, add seats to a
license (with a live price), draft its renewal or a true-up of its over-deployed seats."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.forms import add_service_error
from accounts.roles import get_for
from licensing.models import License, Trial
from sales import services
from sales.forms import AddSeatsForm
from sales.models import Quote
from sales.pricing import LineInput
from sales.views.quotes import _open_draft


@require_POST
@login_required
def trial_convert(request, pk: int):
    trials = Trial.objects.select_related("company", "product")
    trial = get_for(request.user, "edit_trial", trials, pk=pk)
    return _open_draft(
        request,
        lambda: services.draft_trial_conversion_quote(trial=trial, actor=request.user),
        refused=redirect("company_detail", pk=trial.company_id),
        done="{quote.reference} drafted to convert the trial: check and send.",
    )


def _editable_license(request, pk: int) -> License:
    licenses = License.objects.select_related("company", "product")
    return get_for(request.user, "edit_license", licenses, pk=pk)


@login_required
def license_add_seats(request, pk: int):
    license = _editable_license(request, pk)
    form = AddSeatsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        preview = Quote(
            company=license.company,
            kind=Quote.Kind.EXPANSION,
            license=license,
            starts_on=form.cleaned_data["effective_on"],
        )
        lines = [LineInput(license.product, form.cleaned_data["seats"])]
        if request.htmx:
            try:
                price, problems = services.price_of(preview, lines), []
            except ValidationError as error:
                price, problems = None, error.messages
            return render(
                request,
                "sales/quotes/_price.html",
                {"price": price, "problems": problems, "quote": preview},
            )
        try:
            quote = services.draft_expansion_quote(
                license=license, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{quote.reference} drafted: check and send.")
            return redirect("quote_detail", pk=quote.pk)
    elif request.htmx:
        return render(
            request,
            "sales/quotes/_price.html",
            {"problems": ["Fix the highlighted fields to see the price."]},
        )
    return render(request, "sales/quotes/add_seats.html", {"form": form, "license": license})


@require_POST
@login_required
def license_renew(request, pk: int):
    license = _editable_license(request, pk)
    open_renewal = Quote.objects.open_renewals_of(license).first()
    if open_renewal is not None:
        messages.info(request, f"{open_renewal.reference} is this license's renewal quote.")
        view = "quote_edit" if open_renewal.is_draft else "quote_detail"
        return redirect(view, pk=open_renewal.pk)
    return _open_draft(
        request,
        lambda: services.draft_renewal_quote(license=license, actor=request.user),
        refused=redirect("license_detail", pk=license.pk),
        done="{quote.reference} drafted for the next term: check and send.",
    )


@require_POST
@login_required
def license_true_up(request, pk: int):
    license = _editable_license(request, pk)
    return _open_draft(
        request,
        lambda: services.draft_true_up_quote(license=license, actor=request.user),
        refused=redirect("license_detail", pk=license.pk),
        done="{quote.reference} drafted for the seats assigned beyond the license: check and send.",
    )


urlpatterns = [
    path("trials/<int:pk>/convert/", trial_convert, name="trial_convert"),
    path("licenses/<int:pk>/add-seats/", license_add_seats, name="license_add_seats"),
    path("licenses/<int:pk>/renew/", license_renew, name="license_renew"),
    path("licenses/<int:pk>/true-up/", license_true_up, name="license_true_up"),
]
