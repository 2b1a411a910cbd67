import csv
import io
from datetime import date

from django import forms
from django.conf import settings
from django.db.models import F

from accounts import limits
from accounts.forms import DateInput, IntegerField, OwnerChoiceField, account_managers
from accounts.lists import SortedList, sort_field, utilisation_field
from licensing.models import Product, annual_value_expression


class TrialStartForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.active())
    seats = IntegerField(bounds=limits.SEATS, help_text="Users who will try the product")
    days = IntegerField(
        label="Length in days", bounds=limits.TRIAL_DAYS, initial=settings.TRIAL_DEFAULT_DAYS
    )
    starts_on = forms.DateField(
        label="Starts on",
        required=False,
        validators=limits.DATE,
        widget=DateInput(),
        help_text="Leave empty to start today",
    )


class TrialExtendForm(forms.Form):
    days = IntegerField(label="Extend by (days)", bounds=limits.EXTENSION_DAYS, initial=14)


def _company_sorts(default: list) -> dict[str, tuple[str, list]]:
    return {
        "company": ("Company A–Z", ["company__name", *default]),
        "-company": ("Company Z–A", ["-company__name", *default]),
    }


class TrialFilterForm(SortedList, forms.Form):
    SORTS = {
        "ends": ("Ending soonest", ["ends_on", "pk"]),
        "-ends": ("Ending latest", ["-ends_on", "-pk"]),
        "-seats": ("Most seats", ["-seats", "ends_on", "pk"]),
        "seats": ("Fewest seats", ["seats", "ends_on", "pk"]),
        **_company_sorts(["ends_on", "pk"]),
    }
    DEFAULT_SORT = "ends"
    FIGURE_SORTS = frozenset({"-seats", "seats", "company", "-company"})
    rows_word = "trials"

    owner = OwnerChoiceField(queryset=account_managers(), required=False, empty_label="Any owner")
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), required=False, empty_label="Any product"
    )
    ending = IntegerField(
        label="Ending in (days)",
        min_value=0,
        bounds=[limits.at_most(limits.MAX_SCHEDULE_DAYS, "days")],
        required=False,
    )
    sort = sort_field()

    def filter(self, trials, today: date):
        data = self.cleaned_data
        if data["owner"]:
            trials = trials.filter(company__owner=data["owner"])
        if data["product"]:
            trials = trials.filter(product=data["product"])
        if data["ending"] is not None:
            trials = trials.ending_within(data["ending"], today)
        return trials


class RenewalsDueForm(SortedList, forms.Form):
    """The license list's filter: renewals due, owner, utilisation, and its sort."""

    SORTS = {
        "ends": ("Ending soonest", ["ends_on", "pk"]),
        "-ends": ("Ending latest", ["-ends_on", "-pk"]),
        "-seats": ("Most seats", ["-seats", "ends_on", "pk"]),
        "seats": ("Fewest seats", ["seats", "ends_on", "pk"]),
        "-value": ("Highest annual value", ["-yearly_value", "ends_on", "pk"]),
        "value": ("Lowest annual value", ["yearly_value", "ends_on", "pk"]),
        "utilisation": (
            "Lowest utilisation",
            [F("utilisation").asc(nulls_last=True), "ends_on", "pk"],
        ),
        "-utilisation": (
            "Highest utilisation",
            [F("utilisation").desc(nulls_last=True), "ends_on", "pk"],
        ),
        **_company_sorts(["ends_on", "pk"]),
    }
    DEFAULT_SORT = "ends"
    FIGURE_SORTS = frozenset(SORTS) - {"ends", "-ends"}
    rows_word = "licenses"

    due = IntegerField(
        label="Renewals due in (days)",
        min_value=0,
        bounds=[limits.at_most(limits.MAX_SCHEDULE_DAYS, "days")],
        required=False,
    )
    owner = OwnerChoiceField(queryset=account_managers(), required=False, empty_label="Any owner")
    utilisation = utilisation_field()
    sort = sort_field()

    def filter(self, licenses, today: date):
        data = self.cleaned_data
        if data["due"] is not None:
            licenses = licenses.renewals_due_within(data["due"], today)
        if data["owner"]:
            licenses = licenses.filter(company__owner=data["owner"])
        if data["utilisation"]:
            licenses = licenses.in_utilisation_band(data["utilisation"], today)
        return licenses

    def with_sort_figures(self, licenses):
        return licenses.annotate(yearly_value=annual_value_expression())


class UsageUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8, comma-separated, with a header row: license (or company and product), "
            "date (YYYY-MM-DD), assigned_seats, active_users_30d, active_users_7d (optional)."
        ),
    )

    def clean_file(self):
        """The file's rows as dicts keyed by its header (read here: the checks of each row
        are the usage service's, the same as the API's)."""
        upload = self.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError("Save the file as UTF-8 text (CSV UTF-8).") from error
        reader = csv.DictReader(io.StringIO(text))
        header = set(reader.fieldnames or [])
        missing = {"date", "assigned_seats", "active_users_30d"} - header
        if missing:
            raise forms.ValidationError(
                f"The header row lacks {', '.join(sorted(missing))} (see the columns below)."
            )
        try:
            return [row for row in reader if any(value for value in row.values())]
        except csv.Error as error:
            raise forms.ValidationError(f"This is not a readable CSV file: {error}.") from error
