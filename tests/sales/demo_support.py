"""Helpers shared by the demo-data tests."""

from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Activity, Company, Contact
from accounts.roles import Role, roles_of
from licensing.models import License, PriceTier, Product, SeatChange, Trial
from sales.models import Quote, QuoteLine, QuoteNumberSequence

MODELS = (
    Company,
    Contact,
    Activity,
    Product,
    PriceTier,
    Trial,
    License,
    SeatChange,
    Quote,
    QuoteLine,
    QuoteNumberSequence,
)


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def days_from_today(queryset) -> set[int]:
    today = timezone.localdate()
    return {(ends_on - today).days for ends_on in queryset.values_list("ends_on", flat=True)}


def assert_demo_logins_work():
    expected = {
        "am": Role.ACCOUNT_MANAGER,
        "am2": Role.ACCOUNT_MANAGER,
        "support": Role.SUPPORT,
        "finance": Role.FINANCE,
        "admin": Role.ADMINISTRATOR,
    }
    for username, role in expected.items():
        user = authenticate(RequestFactory().post("/"), username=username, password="demo")
        assert user is not None, username
        assert roles_of(user) == {role}, username
    admin = authenticate(RequestFactory().post("/"), username="admin", password="demo")
    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name=Role.ADMINISTRATOR).exists()


def assert_every_row_is_within_the_bounds():
    """Every row of the domain passes its fields' bounds (accounts.limits) and constraints,
    whether it came through the services or from the bulk inserts of --scale."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "licensing", "sales", "onboarding"):
            continue
        if model.__name__.startswith("Historical"):
            continue  # the audit's copies of rows, not rows anyone typed
        relations = [field.name for field in model._meta.fields if field.is_relation]
        for row in model.objects.all():
            row.clean_fields(exclude=relations)
