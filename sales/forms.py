from django import forms
from django.utils import timezone

from accounts.forms import OwnerChoiceField, account_managers
from licensing.models import Product
from sales.models import Quote
from sales.pricing import LineInput

# ISO format: the value an <input type="date"> accepts, whatever the locale.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class QuoteForm(forms.ModelForm):
    """The quote's own fields; its lines come in QuoteLineFormSet."""

    term_months = forms.IntegerField(label="Term (months)", min_value=1, initial=12)
    discount_percent = forms.DecimalField(
        label="Discount (%)", min_value=0, max_value=100, decimal_places=2, initial=0
    )
    tax_percent = forms.DecimalField(
        label="Tax (%)", min_value=0, max_value=100, decimal_places=2, initial=0
    )

    class Meta:
        model = Quote
        fields = [
            "contact",
            "term_months",
            "starts_on",
            "valid_until",
            "discount_percent",
            "tax_percent",
            "notes",
            "terms",
        ]
        labels = {"starts_on": "Start date", "valid_until": "Valid until"}
        help_texts = {"valid_until": "Leave empty for the standard validity from the send date"}
        widgets = {
            "starts_on": DATE,
            "valid_until": DATE,
            "notes": forms.Textarea(attrs={"rows": 2}),
            "terms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = company.contacts.all()
        self.fields["contact"].empty_label = "Choose a recipient"
        self.fields["starts_on"].initial = timezone.localdate()
        if self.instance.kind == Quote.Kind.EXPANSION:
            # An expansion is co-termed: its term is the rest of the license's.
            del self.fields["term_months"]


class QuoteLineForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.active().with_tiers(), required=False, empty_label="Product"
    )
    requested_seats = forms.IntegerField(label="Seats", min_value=1, required=False)

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("requested_seats") and not self.errors:
            self.add_error("requested_seats", "How many seats?")
        if data.get("requested_seats") and not data.get("product") and not self.errors:
            self.add_error("product", "Choose a product.")
        return data


class BaseQuoteLineFormSet(forms.BaseFormSet):
    def line_inputs(self) -> list[LineInput]:
        """The filled rows of a valid formset, as pricing inputs."""
        return [
            LineInput(form.cleaned_data["product"], form.cleaned_data["requested_seats"])
            for form in self.forms
            if form.cleaned_data.get("product")
        ]


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, formset=BaseQuoteLineFormSet, extra=0, max_num=20
)


class QuoteFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Quote.Status.choices], required=False)
    owner = OwnerChoiceField(queryset=account_managers(), required=False, empty_label="Any owner")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Quote.Kind.choices], required=False)
    created_from = forms.DateField(label="Created from", required=False, widget=DATE)
    created_to = forms.DateField(label="Created until", required=False, widget=DATE)

    def filter(self, quotes):
        data = self.cleaned_data
        for name in ("status", "owner", "kind"):
            if data[name]:
                quotes = quotes.filter(**{name: data[name]})
        if data["created_from"]:
            quotes = quotes.filter(created_at__date__gte=data["created_from"])
        if data["created_to"]:
            quotes = quotes.filter(created_at__date__lte=data["created_to"])
        return quotes


class SendQuoteForm(forms.Form):
    message = forms.CharField(
        label="Note to the recipient (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApprovalForm(forms.Form):
    comment = forms.CharField(
        label="Comment", required=False, max_length=500, widget=forms.TextInput()
    )


class AddSeatsForm(forms.Form):
    seats = forms.IntegerField(label="Seats to add", min_value=1)
    effective_on = forms.DateField(label="From", widget=DATE, initial=timezone.localdate)
