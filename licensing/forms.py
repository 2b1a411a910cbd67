import csv
import io

from django import forms
from django.conf import settings

from accounts import limits
from accounts.forms import DateInput, IntegerField
from licensing.models import Product


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


class RenewalsDueForm(forms.Form):
    due = IntegerField(
        label="Renewals due in (days)",
        min_value=0,
        bounds=[limits.at_most(limits.MAX_SCHEDULE_DAYS, "days")],
        required=False,
    )


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
