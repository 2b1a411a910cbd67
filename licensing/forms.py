from django import forms
from django.conf import settings

from accounts.forms import DateInput
from licensing.models import Product


class TrialStartForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.active())
    seats = forms.IntegerField(min_value=1, help_text="Users who will try the product")
    days = forms.IntegerField(
        label="Length in days", min_value=1, initial=settings.TRIAL_DEFAULT_DAYS
    )
    starts_on = forms.DateField(
        label="Starts on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty to start today",
    )


class TrialExtendForm(forms.Form):
    days = forms.IntegerField(label="Extend by (days)", min_value=1, initial=14)


class RenewalsDueForm(forms.Form):
    due = forms.IntegerField(
        label="Renewals due in (days)",
        min_value=0,
        required=False,
    )
