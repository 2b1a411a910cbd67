from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import cached_property

from accounts import limits
from accounts.forms import (
    DateInput,
    DecimalField,
    IntegerField,
    OwnerChoiceField,
    account_managers,
    formfield_callback,
)
from accounts.lists import SortedList, sort_field
from accounts.roles import ADMIN, AM, FINANCE, roles_of, sees_own_only
from licensing.models import Product
from licensing.pricing import add_months
from sales.metrics import Scope, default_period, pipeline
from sales.models import Quote
from sales.pricing import LineInput
from sales.services import EDITABLE_FIELDS


class PercentField(DecimalField):
    """A percentage from 0 to 100 typed as "17.5" or "17,5": a comma is the decimal
    separator, never a thousands separator. A text input (not type=number), so that the
    browser does not read "17,5" as 175 before the server sees it."""

    def __init__(self, **kwargs):
        attrs = {"inputmode": "decimal", "autocomplete": "off"}
        kwargs = {"bounds": limits.PERCENT, "max_digits": 5, "decimal_places": 2, **kwargs}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "").removesuffix("%")
            if value.count(",") + value.count(".") > 1:
                raise ValidationError(
                    "Enter a percentage with one decimal separator, such as 17.5 or 17,5.",
                    code="invalid",
                )
            value = value.replace(",", ".")
        return super().to_python(value)


class QuoteForm(forms.ModelForm):
    """The quote's own fields; its lines come in QuoteLineFormSet."""

    term_months = IntegerField(label="Term (months)", bounds=limits.TERM_MONTHS, initial=12)
    discount_percent = PercentField(label="Discount (%)", initial=0)
    tax_percent = PercentField(label="Tax (%)", initial=0)

    class Meta:
        model = Quote
        fields = EDITABLE_FIELDS  # what update_quote accepts
        formfield_callback = formfield_callback
        labels = {
            "starts_on": "Start date",
            "valid_until": "Valid until",
            "expected_close": "Expected close",
            "discount_justification": "Why this discount",
        }
        help_texts = {
            "valid_until": "Leave empty for the standard validity from the send date",
            "expected_close": "For the pipeline; leave empty to use the valid-until date",
            "discount_justification": "Required above the approval threshold: the approver (Finance or an administrator) reads it",
        }
        widgets = {
            "starts_on": DateInput(),
            "valid_until": DateInput(),
            "expected_close": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "discount_justification": forms.Textarea(attrs={"rows": 2}),
            "terms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = company.contacts.all()
        self.fields["contact"].empty_label = "Choose a recipient"
        if self.instance.starts_on is None:  # a new quote starts today unless told otherwise
            self.initial["starts_on"] = timezone.localdate()
        if self.instance.kind == Quote.Kind.EXPANSION:
            # An expansion is co-termed: its term is the rest of the license's.
            del self.fields["term_months"]


class ProductChoiceField(forms.ChoiceField):
    """A product from a list the formset loads once: one query, whatever the number of
    lines (a ModelChoiceField reads its queryset once per line)."""

    def __init__(self, products, **kwargs):
        self.products = {str(product.pk): product for product in products}
        choices = [("", "Product"), *((key, str(p)) for key, p in self.products.items())]
        super().__init__(choices=choices, required=False, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        product = self.products.get(str(value))
        if product is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return product

    def prepare_value(self, value):
        return getattr(value, "pk", value)  # a saved line's initial product shows chosen

    def validate(self, value):
        """to_python already refused a product that is not sold."""

    def offer_all_but(self, taken: set[str]) -> None:
        """Leave out of the choices the products other lines of the quote already hold."""
        self.choices = [(key, label) for key, label in self.choices if key not in taken]


class QuoteLineForm(forms.Form):
    requested_seats = IntegerField(label="Seats", bounds=limits.SEATS_PER_LINE, required=False)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"product": ProductChoiceField(products), **self.fields}
        # Enter in a seats field updates the price instead of saving (static/js/quote_builder.js).
        self.fields["requested_seats"].widget.attrs["data-enter"] = "change"

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("requested_seats") and not self.errors:
            self.add_error("requested_seats", "How many seats?")
        if data.get("requested_seats") and not data.get("product") and not self.errors:
            self.add_error("product", "Choose a product.")
        return data

    def chosen_product(self) -> str:
        """The product this line holds (typed or saved), as the choice's key, or ""."""
        value = self["product"].value()
        return str(getattr(value, "pk", value) or "")


class BaseQuoteLineFormSet(forms.BaseFormSet):
    """The builder's lines. Each line offers only the products no other line holds; pricing
    still refuses a product twice, for a hand-made post."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("form_kwargs", {})["products"] = list(
            Product.objects.active().with_tiers()
        )
        super().__init__(*args, **kwargs)

    @cached_property
    def forms(self):
        forms = super().forms
        chosen = [form.chosen_product() for form in forms]
        for form, own in zip(forms, chosen, strict=True):
            form.fields["product"].offer_all_but(set(chosen) - {own, ""})
        return forms

    def line_inputs(self) -> list[LineInput]:
        """The filled rows of a valid formset, as pricing inputs."""
        return [
            LineInput(form.cleaned_data["product"], form.cleaned_data["requested_seats"])
            for form in self.forms
            if form.cleaned_data.get("product")
        ]


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm,
    formset=BaseQuoteLineFormSet,
    extra=0,
    max_num=limits.MAX_QUOTE_LINES,
    validate_max=True,
)


class QuoteFilterForm(SortedList, forms.Form):
    SORTS = {
        "-created": ("Newest", ["-created_at", "-pk"]),
        "created": ("Oldest", ["created_at", "pk"]),
        "-total": ("Largest total", ["-total", "-pk"]),
        "total": ("Smallest total", ["total", "pk"]),
        "company": ("Company A–Z", ["company__name", "-created_at", "-pk"]),
        "-company": ("Company Z–A", ["-company__name", "-created_at", "-pk"]),
    }
    DEFAULT_SORT = "-created"
    FIGURE_SORTS = frozenset({"company", "-company"})  # a join: no index orders it
    rows_word = "quotes"

    status = forms.ChoiceField(choices=[("", "Any status"), *Quote.Status.choices], required=False)
    owner = OwnerChoiceField(queryset=account_managers(), required=False, empty_label="Any owner")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Quote.Kind.choices], required=False)
    created_from = forms.DateField(label="Created from", required=False, widget=DateInput())
    created_to = forms.DateField(label="Created until", required=False, widget=DateInput())
    sort = sort_field()

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
        max_length=limits.TEXT_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApprovalForm(forms.Form):
    comment = forms.CharField(
        label="Comment", required=False, max_length=500, widget=forms.TextInput()
    )


class AddSeatsForm(forms.Form):
    seats = IntegerField(label="Seats to add", bounds=limits.SEATS_PER_LICENSE)
    effective_on = forms.DateField(
        label="From", widget=DateInput(), validators=limits.DATE, initial=timezone.localdate
    )


ALL_OWNERS = "all"
LONGEST_PERIOD_MONTHS = 60


def default_owner_id(user) -> int | None:
    """Account managers look at their own book first; Finance and Administrators at all."""
    roles = roles_of(user)
    return user.pk if AM in roles and not roles & {FINANCE, ADMIN} else None


class BookOwnerForm(forms.Form):
    """Whose book a page shows: an account manager's id or "all". Unbound or blank fields
    fall back to `initial_values()`, the owner to the user's default book (default_owner_id)."""

    owner = forms.ChoiceField(required=False, label="Owner")

    def __init__(self, data=None, *, user, today=None):
        self.user = user
        self.today = today or timezone.localdate()
        initial = {**self.initial_values(), "owner": default_owner_id(user) or ALL_OWNERS}
        # Blank fields take their default, so that a partly filled query still works.
        data = {**initial, **{k: v for k, v in (data or {}).items() if v not in ("", None)}}
        super().__init__(data)
        # With ACCOUNT_MANAGER_VISIBILITY "own" an account manager's only book is their own:
        # another's id is not a choice (a 400 / the field's error), "all" means their own.
        self.own_only = sees_own_only(user)
        managers = [user] if self.own_only else account_managers()
        self.fields["owner"].choices = [(ALL_OWNERS, "All owners")] + [
            (str(manager.pk), manager.get_full_name() or manager.username) for manager in managers
        ]

    def initial_values(self) -> dict:
        return {}

    def clean_owner(self) -> int | None:
        owner = self.cleaned_data["owner"]
        if self.own_only:
            return self.user.pk
        return None if owner == ALL_OWNERS else int(owner)


class DashboardFilterForm(BookOwnerForm):
    """The dashboard's period and owner, shared by the page and the metrics API; the period
    defaults to the last twelve calendar months."""

    start = forms.DateField(
        required=False, label="From", widget=DateInput(), validators=limits.DATE
    )
    end = forms.DateField(required=False, label="To", widget=DateInput(), validators=limits.DATE)
    field_order = ("start", "end", "owner")

    def initial_values(self) -> dict:
        start, end = default_period(self.today)
        return {"start": start, "end": end}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The period must end on or after its start.")
            elif add_months(start, LONGEST_PERIOD_MONTHS) <= end:
                self.add_error("end", f"Choose a period of at most {LONGEST_PERIOD_MONTHS} months.")
        return cleaned

    def scope(self) -> Scope:
        """The figures' scope; call after is_valid()."""
        data = self.cleaned_data
        return Scope(start=data["start"], end=data["end"], owner_id=data["owner"], today=self.today)

    def query_string(self) -> str:
        """The chosen filters as a query string, for links to CSVs and records."""
        data = self.cleaned_data
        return urlencode(
            {
                "start": data["start"].isoformat(),
                "end": data["end"].isoformat(),
                "owner": data["owner"] or ALL_OWNERS,
            }
        )


class PipelineFilterForm(BookOwnerForm):
    """The pipeline's owner and the close-month row whose deals the board shows (default:
    this month)."""

    month = forms.ChoiceField(required=False, label="Closing")
    field_order = ("owner", "month")

    def __init__(self, data=None, *, user, today=None):
        super().__init__(data, user=user, today=today)
        self.buckets = pipeline.buckets(self.today)
        self.fields["month"].choices = [(bucket.key, bucket.label) for bucket in self.buckets]

    def initial_values(self) -> dict:
        return {"month": f"{self.today:%Y-%m}"}

    def clean_month(self) -> pipeline.Bucket:
        return next(bucket for bucket in self.buckets if bucket.key == self.cleaned_data["month"])


# The client's answers on the quote's page (/q/<token>/): the field names are the public
# contract scripts and tests speak (name, title, authorised, signature; reason; message).


class AcceptQuoteForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=limits.TEXT_NAME)
    title = forms.CharField(label="Job title", max_length=limits.TEXT_NAME)
    authorised = forms.BooleanField(required=False)
    signature = forms.CharField(
        label="Signature",
        max_length=limits.TEXT_NAME,
        help_text="Type your full name: it is your signature.",
    )
    # The SHA-256 of the PDF the page showed: a different document is never accepted.
    document = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, company_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authorised"].label = f"I am authorised to accept on behalf of {company_name}"


class DeclineQuoteForm(forms.Form):
    """Why a quote is declined, by the client on its page or by the account manager: a reason
    from the short list, and words of one's own (needed for "Other")."""

    reason_code = forms.ChoiceField(
        label="Main reason",
        choices=Quote.DeclineReason.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Choose the main reason."},
    )
    reason = forms.CharField(
        label="In a few words (needed for “Other”)",
        required=False,
        max_length=limits.TEXT_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuoteQuestionForm(forms.Form):
    message = forms.CharField(
        label="Your question",
        max_length=limits.TEXT_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
