from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.roles import ADMIN, AM, FINANCE, roles_of
from licensing.pricing import add_months
from sales.metrics import Scope, default_period

ALL_OWNERS = "all"
LONGEST_PERIOD_MONTHS = 60


def default_owner_id(user) -> int | None:
    """Account managers look at their own book first; Finance and Administrators at all."""
    roles = roles_of(user)
    return user.pk if AM in roles and not roles & {FINANCE, ADMIN} else None


class DashboardFilterForm(forms.Form):
    """The dashboard's period and owner, shared by the page and the metrics API.

    Unbound or blank fields fall back to the last twelve calendar months and the user's
    default book; owner is an account manager's id or "all"."""

    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ChoiceField(required=False, label="Owner")

    def __init__(self, data=None, *, user, today=None):
        self.user = user
        self.today = today or timezone.localdate()
        start, end = default_period(self.today)
        default = default_owner_id(user)
        initial = {"start": start, "end": end, "owner": default or ALL_OWNERS}
        # Blank fields take their default, so that a partly filled query still works.
        data = {**initial, **{k: v for k, v in (data or {}).items() if v not in ("", None)}}
        super().__init__(data)
        managers = (
            get_user_model()
            .objects.filter(groups__name=AM)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].choices = [(ALL_OWNERS, "All owners")] + [
            (str(manager.pk), manager.get_full_name() or manager.username) for manager in managers
        ]

    def clean_owner(self) -> int | None:
        owner = self.cleaned_data["owner"]
        return None if owner == ALL_OWNERS else int(owner)

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
