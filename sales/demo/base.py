"""What every demo data set shares: the demo logins, the price book, names to draw from."""

import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Company
from accounts.roles import Role
from licensing.models import BillingPeriod, PriceTier, Product
from licensing.pricing import add_months, term_end

# What the account managers of the demo write when a discount needs Finance.
DISCOUNT_JUSTIFICATION = "Competitive deal: the client compares us with a cheaper tool."

DEMO_PASSWORD = "demo"
# Demo companies live under this reserved domain: how a second run recognises them.
DEMO_DOMAIN = "example.net"

# username, first name, last name, role, may use the Django admin
DEMO_LOGINS = (
    ("am", "Alice", "Martin", Role.ACCOUNT_MANAGER, False),
    ("am2", "Bruno", "Keller", Role.ACCOUNT_MANAGER, False),
    ("support", "Sofia", "Rossi", Role.SUPPORT, False),
    ("finance", "Farah", "Nasser", Role.FINANCE, True),
    ("admin", "Adam", "Novak", Role.ADMINISTRATOR, True),
)

# code, name, seat block size, billing period, tiers (from seats, unit price)
PRODUCTS = (
    (
        "workspace-team",
        "Seatdesk Workspace Team",
        5,
        BillingPeriod.YEAR,
        ((1, "48.00"), (25, "42.00"), (100, "36.00")),
    ),
    (
        "workspace-enterprise",
        "Seatdesk Workspace Enterprise",
        10,
        BillingPeriod.YEAR,
        ((1, "96.00"), (50, "84.00"), (200, "72.00")),
    ),
    (
        "insights-monthly",
        "Seatdesk Insights",
        5,
        BillingPeriod.MONTH,
        ((1, "9.00"), (50, "7.50")),
    ),
)

FIRST_NAMES = (
    "Anna Ben Chloé David Elena Felix Greta Hugo Ines Jonas Katarzyna Lars Marta Nils Olivia "
    "Pedro Rosa Samir Tanja Ugo Vera Willem Yasmin Zofia Amaury Bianca Carlos Dora Emil Fatima"
).split()
LAST_NAMES = (
    "Andersen Bauer Costa Dubois Eriksson Fischer García Hansen Ivanova Jansen Kowalski Larsen "
    "Moreau Novak Olsen Petit Quinn Rossi Schmidt Tanaka Urban Vogel Weber Young Zimmermann"
).split()
# The flags a contact carries decide the job title they are given.
JOB_TITLES = {
    "decision maker": ("Chief Information Officer", "Head of IT", "Chief Operating Officer"),
    "billing": ("Finance Manager", "Accounts Payable Lead", "Procurement Officer"),
    "champion": ("Team Lead", "Operations Manager", "Product Owner"),
    "other": ("IT Administrator", "Office Manager", "Business Analyst", "Project Manager"),
}


def ensure_demo_users() -> dict[str, object]:
    """The demo logins by username; existing ones are left as they are."""
    user_model = get_user_model()
    groups = {group.name: group for group in Group.objects.filter(name__in=list(Role))}
    existing = {
        user.username: user
        for user in user_model.objects.filter(username__in=[login[0] for login in DEMO_LOGINS])
    }
    # One hash for all: hashing is deliberately slow, and the password is public anyway.
    password = make_password(DEMO_PASSWORD) if len(existing) < len(DEMO_LOGINS) else None
    users = {}
    for username, first_name, last_name, role, is_staff in DEMO_LOGINS:
        user = existing.get(username)
        if user is None:
            user = user_model.objects.create(
                username=username,
                first_name=first_name,
                last_name=last_name,
                email=f"{username}@seatdesk.example",
                password=password,
                is_staff=is_staff,
                is_superuser=role == Role.ADMINISTRATOR,
            )
            user.groups.add(groups[role])
        users[username] = user
    return users


def ensure_products() -> dict[str, Product]:
    """The demo price book by product code, created with its tiers when missing."""
    products = {}
    for code, name, block, period, tiers in PRODUCTS:
        product, created = Product.objects.get_or_create(
            code=code,
            defaults={"name": name, "seat_block_size": block, "billing_period": period},
        )
        if created:
            PriceTier.objects.bulk_create(
                PriceTier(product=product, min_seats=seats, unit_price=Decimal(price))
                for seats, price in tiers
            )
        products[code] = product
    return products


def demo_data_exists() -> bool:
    return Company.objects.filter(domain__endswith=f".{DEMO_DOMAIN}").exists()


def target_seats(employee_count: int) -> int:
    """The seat target agreed early on: about two thirds of the headcount, in tens, never
    above the headcount (Company.clean refuses that)."""
    return min(employee_count, max(10, (employee_count * 2 // 3 + 5) // 10 * 10))


def term_ending_on(ends_on: date, months: int) -> tuple[date, int]:
    """The start of a `months`-month term that ends on `ends_on`, or of a slightly shorter one
    when the calendar has no such start (no term of 12 months ends on 28 February of a leap
    year)."""
    for length in range(months, 0, -1):
        starts_on = add_months(ends_on + timedelta(days=1), -length)
        if term_end(starts_on, length) == ends_on:
            return starts_on, length
    raise ValueError(f"No term ends on {ends_on}")


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


class PhaseTimes:
    """How long each phase of a seed took, for the command's output: wall time, and this
    process's CPU time (the rest is mostly the database's work, or waiting for a core)."""

    def __init__(self):
        self.lines: list[str] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = clock.perf_counter(), clock.process_time()
        yield
        self.lines.append(
            f"  {name}: {clock.perf_counter() - wall:.1f}s "
            f"({clock.process_time() - cpu:.1f}s Python CPU)"
        )
