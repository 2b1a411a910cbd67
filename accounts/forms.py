from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q

from accounts.models import Company, CompanyStatus, Contact, Industry
from accounts.roles import Role, members_of


class DateInput(forms.DateInput):
    """<input type="date"> takes only ISO dates; a localised value would empty the field."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to the field it names, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def account_managers():
    return members_of(Role.ACCOUNT_MANAGER)


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class CompanyFilterForm(forms.Form):
    SORTS = {
        "name": ("Name A–Z", ["name", "pk"]),
        "-name": ("Name Z–A", ["-name", "-pk"]),
        "-seats": ("Most seats", ["-licensed_seats", "name", "pk"]),
        "penetration": ("Lowest penetration", [F("penetration").asc(nulls_last=True), "pk"]),
        "-value": ("Highest annual value", ["-annual_value", "name", "pk"]),
        "-created": ("Newest", ["-created_at", "-pk"]),
    }

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, domain, contact"}),
    )
    owner = OwnerChoiceField(queryset=account_managers(), required=False, empty_label="Any owner")
    status = forms.ChoiceField(choices=[("", "Any status"), *CompanyStatus.choices], required=False)
    industry = forms.ChoiceField(choices=[("", "Any industry"), *Industry.choices], required=False)
    sort = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in SORTS.items()], required=False
    )
    archived = forms.ChoiceField(
        label="Archived",
        choices=[("", "Hide archived"), ("include", "Include archived"), ("only", "Archived only")],
        required=False,
    )

    # Sorts on licensed seats need the seat sums of every matching company.
    SORTS_ON_SEATS = frozenset({"-seats", "penetration", "-value"})

    def filter(self, companies):
        """Narrow a company queryset by the valid form's values (no seat sums needed)."""
        data = self.cleaned_data
        for word in data["q"].split():
            # One scan of the contacts (a semi-join), not one lookup per company.
            contacts = Contact.objects.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            ).values("company_id")
            companies = companies.filter(
                Q(name__icontains=word) | Q(domain__icontains=word) | Q(pk__in=contacts)
            )
        if data["owner"]:
            companies = companies.filter(owner=data["owner"])
        if data["status"]:
            companies = companies.with_status().filter(status=data["status"])
        if data["industry"]:
            companies = companies.filter(industry=data["industry"])
        if data["archived"] == "only":
            companies = companies.filter(archived_at__isnull=False)
        elif data["archived"] != "include":
            companies = companies.active()
        return companies

    def order(self, companies):
        """Order filtered companies, summing seats only when the sort needs them."""
        sort = (self.cleaned_data.get("sort") if self.is_valid() else "") or "name"
        if sort in self.SORTS_ON_SEATS:
            companies = companies.with_seats().with_penetration()
        return companies.order_by(*self.SORTS[sort][1])


class CompanyForm(forms.ModelForm):
    owner = OwnerChoiceField(queryset=account_managers())

    class Meta:
        model = Company
        fields = [
            "name",
            "domain",
            "industry",
            "country",
            "employee_count",
            "target_seats",
            "owner",
        ]
        labels = {"employee_count": "Headcount", "target_seats": "Target seats"}

    def __init__(self, *args, may_choose_owner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_choose_owner:
            # Account managers create and edit their own companies; ownership moves by admins.
            del self.fields["owner"]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
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
