from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone

from accounts import limits
from accounts.lists import LOW_UTILISATION, SortedList, sort_field, utilisation_field
from accounts.models import (
    SUBJECT_MODELS,
    ApiToken,
    Company,
    CompanyStatus,
    Contact,
    FollowUp,
    Industry,
    Interaction,
    SavedFilter,
    company_subjects,
    describe_subject,
    subjects_of,
)
from accounts.roles import company_owners
from accounts.services import API_TOKEN_MAX_DAYS


class DateInput(forms.DateInput):
    """<input type="date"> takes only ISO dates; a localised value would empty the field."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AsciiNumberMixin:
    """Python's int() and Decimal() read "١٢" (Arabic-Indic digits) as 12: a number is typed
    in ASCII digits only, or it is refused. `bounds` (a list from accounts.limits) become the
    field's validators and the input's min/max."""

    def __init__(self, *, bounds=(), **kwargs):
        super().__init__(**kwargs)
        self.validators.extend(bounds)
        for validator in bounds:
            if isinstance(validator, MaxValueValidator):
                self.widget.attrs["max"] = validator.limit_value
            elif isinstance(validator, MinValueValidator):
                self.widget.attrs["min"] = validator.limit_value

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise ValidationError("Enter a number in the digits 0-9.", code="invalid")
        return super().to_python(value)


class IntegerField(AsciiNumberMixin, forms.IntegerField):
    pass


class DecimalField(AsciiNumberMixin, forms.DecimalField):
    pass


def formfield_callback(model_field, **kwargs):
    """ModelForm's Meta.formfield_callback: number fields read ASCII digits only, and a text's
    length is refused with the model's sentence (accounts.limits) rather than the form's."""
    if isinstance(model_field, models.IntegerField) and not model_field.choices:
        kwargs.setdefault("form_class", IntegerField)
    elif isinstance(model_field, models.DecimalField):
        kwargs.setdefault("form_class", DecimalField)
    field = model_field.formfield(**kwargs)
    lengths = [v for v in model_field.validators if type(v) is MaxLengthValidator]
    if field is not None and any(v.message != MaxLengthValidator.message for v in lengths):
        field.validators = [v for v in field.validators if type(v) is not MaxLengthValidator]
        field.validators.extend(lengths)
    return field


# ModelAdmin.formfield_overrides: the admin's number fields read ASCII digits only too.
ADMIN_NUMBER_FIELDS = {
    models.IntegerField: {"form_class": IntegerField},
    models.DecimalField: {"form_class": DecimalField},
}


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to the field it names, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def account_managers():
    return company_owners()


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


UTILISATION_SORTS = frozenset({"utilisation", "-utilisation"})


class CompanyFilterForm(SortedList, forms.Form):
    SORTS = {
        "name": ("Name A–Z", ["name", "pk"]),
        "-name": ("Name Z–A", ["-name", "-pk"]),
        "-seats": ("Most seats", ["-licensed_seats", "name", "pk"]),
        "seats": ("Fewest seats", ["licensed_seats", "name", "pk"]),
        "penetration": ("Lowest penetration", [F("penetration").asc(nulls_last=True), "pk"]),
        "-penetration": ("Highest penetration", [F("penetration").desc(nulls_last=True), "pk"]),
        # The stored lowest utilisation (licensing's CompanyUtilisation, equal to the one
        # CompanyQuerySet.with_utilisation shows), which its index reads in order.
        "utilisation": (
            "Lowest utilisation",
            [F("stored_utilisation__lowest_utilisation").asc(nulls_last=True), "name", "pk"],
        ),
        "-utilisation": (
            "Highest utilisation",
            [F("stored_utilisation__lowest_utilisation").desc(nulls_last=True), "name", "pk"],
        ),
        "-value": ("Highest annual value", ["-annual_value", "name", "pk"]),
        "value": ("Lowest annual value", ["annual_value", "name", "pk"]),
        "-created": ("Newest", ["-created_at", "-pk"]),
        "created": ("Oldest", ["created_at", "pk"]),
    }
    DEFAULT_SORT = "name"
    # Sorts on licensed seats need the sums of every matching company (about 25 ms per
    # 1,000; 100,000 companies: 2-3 s), and sorts on utilisation every company's stored
    # figure joined and sorted, unless narrowed to the low band (sorts_on_an_index): see
    # SortedList.
    FIGURE_SORTS = frozenset(SORTS) - {"name", "-name", "-created", "created"}
    rows_word = "companies"

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, domain, contact"}),
    )
    owner = OwnerChoiceField(queryset=account_managers(), required=False, empty_label="Any owner")
    status = forms.ChoiceField(choices=[("", "Any status"), *CompanyStatus.choices], required=False)
    industry = forms.ChoiceField(choices=[("", "Any industry"), *Industry.choices], required=False)
    utilisation = utilisation_field()
    sort = sort_field()
    archived = forms.ChoiceField(
        label="Archived",
        choices=[("", "Hide archived"), ("include", "Include archived"), ("only", "Archived only")],
        required=False,
    )

    def filter(self, companies):
        """Narrow a company queryset by the valid form's values (no seat sums needed)."""
        data = self.cleaned_data
        if data["q"]:
            companies = companies.search(data["q"])
        if data["owner"]:
            companies = companies.filter(owner=data["owner"])
        if data["status"]:
            companies = companies.in_status(data["status"])
        if data["industry"]:
            companies = companies.filter(industry=data["industry"])
        if data["utilisation"]:
            companies = companies.in_utilisation_band(data["utilisation"])
        if data["archived"] == "only":
            companies = companies.filter(archived_at__isnull=False)
        elif data["archived"] != "include":
            companies = companies.active()
        return companies

    def sorts_on_an_index(self, sort: str) -> bool:
        # Narrowed to the low band, every company listed has a stored utilisation (an inner
        # join): its index gives the order and the first page.
        narrowed = self.is_valid() and self.cleaned_data["utilisation"] == LOW_UTILISATION
        return super().sorts_on_an_index(sort) or (narrowed and sort in UTILISATION_SORTS)

    def with_sort_figures(self, companies):
        return companies.with_seats().with_penetration()


class CompanyForm(forms.ModelForm):
    owner = OwnerChoiceField(queryset=account_managers())

    class Meta:
        model = Company
        formfield_callback = formfield_callback
        fields = [
            "name",
            "domain",
            "industry",
            "country",
            "employee_count",
            "target_seats",
            "owner",
            "billing_address",
            "vat_number",
        ]
        labels = {"employee_count": "Headcount", "target_seats": "Target seats"}
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, may_choose_owner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_choose_owner:
            # Account managers create and edit their own companies; ownership moves by admins.
            del self.fields["owner"]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        formfield_callback = formfield_callback
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "is_primary",
            "is_decision_maker",
            "is_billing_contact",
            "is_champion",
            "accepts_reminders",
        ]
        labels = {
            "is_primary": "Primary contact",
            "is_decision_maker": "Decision maker",
            "is_billing_contact": "Billing contact",
            "is_champion": "Champion",
        }


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="The script or tool that will use it, e.g. “BI export”."
    )
    scope = forms.ChoiceField(
        # Usage-feed tokens are made for machine accounts by `manage.py create_usage_feed`.
        choices=[
            (value, label)
            for value, label in ApiToken.Scope.choices
            if value != ApiToken.Scope.USAGE
        ],
        initial=ApiToken.Scope.READ_ONLY,
        help_text="Read-only tokens may only read; read-write tokens act with your role.",
    )
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=API_TOKEN_MAX_DAYS)


class SavedFilterForm(forms.ModelForm):
    """Save the list's current filter (sent by the list's page in hidden fields) by name."""

    class Meta:
        model = SavedFilter
        formfield_callback = formfield_callback
        fields = ["list_key", "name", "query"]
        widgets = {"list_key": forms.HiddenInput, "query": forms.HiddenInput}
        labels = {"name": "Save this filter as"}


# Notes, calls, meetings and follow-ups


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def about_choices(company: Company, *, may_see_quotes: bool) -> list[tuple[str, str]]:
    """What a note or follow-up may be about: the company, or one of its latest trials,
    licenses and (for who may see them) quotes; one query per kind, for both forms."""
    choices = [("", f"{company} in general")]
    related = {"licensing.trial": "trials", "licensing.license": "licenses"}
    if may_see_quotes:
        related["sales.quote"] = "quotes"
    for label, relation in related.items():
        rows = subjects_of(label, getattr(company, relation).order_by("-pk"))
        choices += [(f"{label}:{row.pk}", describe_subject(row)) for row in rows[:50]]
    return choices


class CompanyRecordForm(forms.ModelForm):
    """What notes and follow-ups share: the contact and the subject ("About"), both among
    the company's own. The subjects are read through the company's reverse relations, so
    accounts names no licensing or sales model."""

    about = forms.ChoiceField(label="About", required=False)

    def __init__(self, *args, company: Company, about: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.company = company
        self.fields["contact"].queryset = company.contacts.all()
        self.fields["contact"].required = False
        self.fields["about"].choices = about

    def clean_about(self):
        return company_subject(self.company, self.cleaned_data["about"])


def company_subject(company: Company, key: str):
    """The company's trial, license or quote a form names by its subject_key ("" for none)."""
    if not key:
        return None
    label, _, pk = key.partition(":")
    if label not in SUBJECT_MODELS or not pk.isdigit():
        raise ValidationError("Choose one of the company's trials, licenses or quotes.")
    subject = company_subjects(company, label).filter(pk=int(pk)).first()
    if subject is None:
        raise ValidationError("Choose one of the company's trials, licenses or quotes.")
    return subject


class InteractionForm(CompanyRecordForm):
    prefix = "interaction"

    class Meta:
        model = Interaction
        fields = ["kind", "occurred_at", "contact", "about", "summary"]
        labels = {"kind": "What", "occurred_at": "When", "contact": "With"}
        widgets = {"occurred_at": DateTimeInput(), "summary": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = formfield_callback

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["occurred_at"].widget.attrs["max"] = timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M"
        )


class FollowUpForm(CompanyRecordForm):
    prefix = "follow_up"

    assignee = OwnerChoiceField(queryset=account_managers(), label="For")

    class Meta:
        model = FollowUp
        fields = ["title", "due_on", "assignee", "contact", "about"]
        labels = {"due_on": "Due"}
        widgets = {"due_on": DateInput()}
        formfield_callback = formfield_callback

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = account_managers().filter(is_active=True)
        self.fields["assignee"].initial = user.pk
        today = timezone.localdate()
        self.fields["due_on"].initial = today
        self.fields["due_on"].widget.attrs.update(
            min=today.isoformat(),
            max=(today + timedelta(days=limits.MAX_FOLLOW_UP_DAYS)).isoformat(),
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="One row per company (matched on its domain), optionally with one of its "
        "contacts (matched on their email). The first row names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )


class ImportMappingForm(forms.Form):
    """Which of the file's columns each Seatdesk field is read from."""

    def __init__(self, *args, fields: dict, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not imported —")] + [
            (str(index), header) for index, header in enumerate(headers)
        ]
        for name, (label, _) in fields.items():
            self.fields[name] = forms.TypedChoiceField(
                label=label, choices=choices, required=False, coerce=int, empty_value=None
            )
