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
