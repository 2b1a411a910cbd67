"""The normal demo: about forty companies whose history is played through the services, so
the data obeys every rule and sends every signal (onboarding hears of every license).

Each company has a story: a generator that yields the date of its next step and, resumed
on that date, takes it. The steps of all stories run in date order, because quote numbers
are given in the order quotes are sent and must read chronologically. Dates are relative to
today, so trial and renewal reminders always fall due today and in the next days."""

import random
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Company, Contact, Industry
from accounts.services import save_company, save_contact
from licensing import services as licensing
from licensing.demo_usage import seed_usage
from licensing.models import Trial
from sales import services
from sales.demo.base import (
    DEMO_DOMAIN,
    DISCOUNT_JUSTIFICATION,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    demo_data_exists,
    ensure_demo_users,
    ensure_products,
    target_seats,
    term_ending_on,
)
from sales.demo.steps import (
    Demo,
    Story,
    answer,
    draft,
    expand,
    renew,
    run_in_date_order,
    sell,
    send,
)
from sales.pricing import LineInput, needs_approval

TRIAL_DAYS = 30


# The stories.


def customer(
    demo: Demo,
    company: Company,
    *,
    product: str,
    seats: int,
    ends_in: int,
    from_trial: bool = False,
    expansions: tuple[tuple[int, int, str], ...] = (),
    renewal: dict | None = None,
    ending: str | None = None,
) -> Story:
    """A license whose term ends in `ends_in` days (negative: ended), sold after a trial or
    not; expansions are (days after the start, seats, outcome); `ending` is expired or
    cancelled."""
    product = demo.products[product]
    starts_on, months = term_ending_on(demo.days(ends_in), 12)
    trial = None
    if from_trial:
        yield starts_on - timedelta(days=TRIAL_DAYS)
        trial = licensing.start_trial(
            company=company,
            product=product,
            seats=10,
            actor=company.owner,
            starts_on=demo.day,
            days=TRIAL_DAYS + 5,
        )
    license = yield from sell(
        demo, company, product, seats, starts_on=starts_on, months=months, trial=trial
    )
    for after_days, extra_seats, outcome in expansions:
        effective_on = starts_on + timedelta(days=after_days)
        yield from expand(demo, license, extra_seats, effective_on, outcome)
    if renewal:
        yield from renew(demo, license, **renewal)
    if ending == "expired":
        yield license.ends_on + timedelta(days=1)
        licensing.expire_license(license=license, today=demo.day)
    elif ending == "cancelled":
        yield demo.days(-15)
        licensing.cancel_license(license=license, actor=company.owner, cancelled_on=demo.day)


def on_trial(
    demo: Demo,
    company: Company,
    *,
    product: str,
    seats: int,
    ends_in: int,
    extended_by: int = 0,
    outcome: str = "active",
) -> Story:
    """A trial whose (extended) last day is in `ends_in` days; outcome: active, expired,
    cancelled, or active with a conversion quote sent."""
    starts_on = demo.days(ends_in - extended_by - TRIAL_DAYS + 1)
    yield starts_on
    trial: Trial = licensing.start_trial(
        company=company,
        product=demo.products[product],
        seats=seats,
        actor=company.owner,
        starts_on=starts_on,
        days=TRIAL_DAYS,
    )
    if extended_by:
        yield trial.ends_on - timedelta(days=3)
        trial = licensing.extend_trial(
            trial=trial, days=extended_by, actor=company.owner, today=demo.day
        )
    if outcome == "expired":
        yield trial.ends_on + timedelta(days=1)
        licensing.expire_trial(trial=trial, now=demo.now)
    elif outcome == "cancelled":
        yield starts_on + timedelta(days=8)
        licensing.cancel_trial(trial=trial, actor=company.owner, now=demo.now)
    elif outcome == "conversion quote sent":
        yield demo.days(-2)
        send(demo, services.draft_trial_conversion_quote(trial=trial, actor=company.owner))


# When a prospect's new-business quote was drafted, by how it ended up.
PROSPECT_DRAFTED = {
    "draft": -3,
    "pending": -2,
    "rejected": -6,
    "approved": -4,
    "sent": -5,
    "revised": -20,
    "won during a revision": -25,
    "declined": -40,
    "expired": -50,
}


def prospect(
    demo: Demo, company: Company, *, product: str, seats: int, outcome: str, discount: int = 0
) -> Story:
    """A new-business quote; outcome: draft, pending (approval), rejected, approved (not yet
    sent), sent, revised (sent again with more seats), won during a revision (accepted while
    a revision was being drafted, which closes that draft), declined or expired."""
    product = demo.products[product]
    drafted = PROSPECT_DRAFTED[outcome]
    yield demo.days(drafted)
    quote = draft(
        demo,
        company,
        product,
        seats,
        starts_on=demo.days(drafted + 21),
        discount_percent=discount,
        discount_justification=DISCOUNT_JUSTIFICATION if needs_approval(discount) else "",
    )
    finance = demo.users["finance"]
    if outcome == "rejected":
        services.reject_quote(
            quote=quote, actor=finance, comment="Above 15% only with a two-year commitment."
        )
    elif outcome == "approved":
        services.approve_quote(quote=quote, actor=finance, comment="Competitive deal")
    if outcome in ("draft", "pending", "rejected", "approved"):
        return
    send(demo, quote)
    if outcome == "revised":
        yield demo.days(-10)
        revision = services.revise_quote(quote=quote, actor=company.owner)
        services.update_quote(
            quote=revision, actor=company.owner, lines=[LineInput(product, seats + 10)]
        )
        send(demo, revision)
    elif outcome == "won during a revision":
        yield demo.days(-15)
        services.revise_quote(quote=quote, actor=company.owner)
        yield demo.days(-12)
        answer(demo, quote, "accepted")
    elif outcome == "declined":
        yield demo.days(-30)
        answer(demo, quote, outcome)
    elif outcome == "expired":
        yield quote.valid_until + timedelta(days=1)
        answer(demo, quote, outcome)


# name, industry, country, headcount, owner, story
I = Industry  # noqa: E741 (keeps the table below readable)
# fmt: off
COMPANIES: tuple[tuple[str, str, str, int, str, Callable | None], ...] = (
    # Renewals coming due: reminders 90, 60, 30 and 7 days before the end fall due today
    # and in the next days.
    ("Northwind Logistics", I.LOGISTICS, "DE", 420, "am", partial(customer, product="workspace-team", seats=118, ends_in=90)),
    ("Helvetia Precision", I.MANUFACTURING, "CH", 860, "am2", partial(customer, product="workspace-enterprise", seats=300, ends_in=91)),
    ("Lumen Health Partners", I.HEALTHCARE, "NL", 240, "am", partial(customer, product="workspace-team", seats=60, ends_in=93, expansions=((60, 15, "accepted"),))),
    ("Bordeaux Capital", I.FINANCE, "FR", 150, "am", partial(customer, product="workspace-team", seats=45, ends_in=60, renewal={"days_before_end": 65, "outcome": "sent"})),
    ("Nordlys Media", I.MEDIA, "NO", 95, "am2", partial(customer, product="insights-monthly", seats=40, ends_in=62)),
    ("Aurora Retail Group", I.RETAIL, "ES", 1200, "am", partial(customer, product="workspace-enterprise", seats=500, ends_in=30, renewal={"days_before_end": 31, "outcome": "draft"})),
    ("Kestrel Engineering", I.MANUFACTURING, "GB", 310, "am2", partial(customer, product="workspace-team", seats=100, ends_in=31, from_trial=True)),
    ("Tallinn Digital", I.SOFTWARE, "EE", 70, "am", partial(customer, product="workspace-team", seats=23, ends_in=33)),
    ("Greenfield Academy Trust", I.EDUCATION, "GB", 540, "am2", partial(customer, product="workspace-team", seats=200, ends_in=7, renewal={"days_before_end": 20, "outcome": "sent"})),
    ("Porto Atlântico Shipping", I.LOGISTICS, "PT", 180, "am", partial(customer, product="workspace-team", seats=50, ends_in=8)),
    ("Vienna Legal Partners", I.PROFESSIONAL_SERVICES, "AT", 85, "am2", partial(customer, product="workspace-team", seats=30, ends_in=10, from_trial=True)),
    # Customers mid-term, growing (or not).
    ("Solaris Energy", I.OTHER, "IT", 650, "am", partial(customer, product="workspace-enterprise", seats=250, ends_in=150, expansions=((90, 40, "accepted"),))),
    ("Baltic Freight", I.LOGISTICS, "LT", 130, "am2", partial(customer, product="workspace-team", seats=40, ends_in=220, from_trial=True)),
    ("Clearwater Insurance", I.FINANCE, "IE", 900, "am", partial(customer, product="workspace-enterprise", seats=400, ends_in=300, expansions=((20, 50, "accepted"), (68, 30, "draft")))),
    ("Fjord Seafood", I.MANUFACTURING, "NO", 280, "am2", partial(customer, product="workspace-team", seats=80, ends_in=200, expansions=((170, 20, "sent"),))),
    ("Atelier Lumière", I.MEDIA, "FR", 45, "am", partial(customer, product="insights-monthly", seats=15, ends_in=250, expansions=((95, 10, "declined"),))),
    ("Sakura Robotics", I.MANUFACTURING, "JP", 380, "am2", partial(customer, product="workspace-enterprise", seats=150, ends_in=180, expansions=((30, 20, "accepted"), (120, 30, "accepted")))),
    ("Danube Bank", I.FINANCE, "HU", 2200, "am2", partial(customer, product="workspace-enterprise", seats=800, ends_in=270, from_trial=True, expansions=((45, 100, "accepted"),))),
    ("Cedar Health Clinics", I.HEALTHCARE, "US", 320, "am", partial(customer, product="workspace-team", seats=90, ends_in=45, expansions=((200, 10, "expired"),))),
    ("Polar Software", I.SOFTWARE, "FI", 140, "am2", partial(customer, product="workspace-team", seats=55, ends_in=340)),
    # Renewed last term; churned.
    ("Maple Leaf Analytics", I.SOFTWARE, "CA", 210, "am", partial(customer, product="workspace-team", seats=80, ends_in=-36, renewal={"days_before_end": 45, "outcome": "accepted"})),
    ("Rhein Pharma", I.HEALTHCARE, "DE", 1500, "am2", partial(customer, product="workspace-enterprise", seats=600, ends_in=-10, renewal={"days_before_end": 40, "outcome": "accepted"})),
    ("Sunset Travel", I.OTHER, "US", 60, "am2", partial(customer, product="workspace-team", seats=20, ends_in=-40, ending="expired")),
    ("Oakridge Consulting", I.PROFESSIONAL_SERVICES, "US", 110, "am", partial(customer, product="workspace-team", seats=35, ends_in=120, ending="cancelled")),
    # Trials: reminders 7, 3, 1 and 0 days before the end fall due today and in the next days.
    ("Quantum Leap Labs", I.SOFTWARE, "US", 60, "am", partial(on_trial, product="workspace-team", seats=10, ends_in=0)),
    ("Alpine Outfitters", I.RETAIL, "AT", 220, "am2", partial(on_trial, product="workspace-team", seats=20, ends_in=1)),
    ("Brightside Learning", I.EDUCATION, "IE", 350, "am", partial(on_trial, product="workspace-enterprise", seats=30, ends_in=3)),
    ("Coastal Credit Union", I.FINANCE, "US", 180, "am2", partial(on_trial, product="workspace-team", seats=15, ends_in=7, outcome="conversion quote sent")),
    ("Iberia Foods", I.RETAIL, "ES", 480, "am", partial(on_trial, product="insights-monthly", seats=10, ends_in=12)),
    ("Medina Architects", I.PROFESSIONAL_SERVICES, "MA", 40, "am2", partial(on_trial, product="workspace-team", seats=10, ends_in=5, extended_by=14)),
    ("Hanseatic Trading", I.LOGISTICS, "DE", 260, "am", partial(on_trial, product="workspace-enterprise", seats=20, ends_in=20)),
    ("Vistula Media House", I.MEDIA, "PL", 75, "am2", partial(on_trial, product="workspace-team", seats=10, ends_in=-10, outcome="expired")),
    ("Red Rock Mining", I.OTHER, "AU", 900, "am", partial(on_trial, product="workspace-enterprise", seats=40, ends_in=-45, outcome="expired")),
    ("Kiwi Learning", I.EDUCATION, "NZ", 55, "am2", partial(on_trial, product="workspace-team", seats=10, ends_in=-5, outcome="cancelled")),
    # Prospects and their new-business quotes.
    ("Lyon Biotech", I.HEALTHCARE, "FR", 130, "am", partial(prospect, product="workspace-team", seats=50, outcome="pending", discount=20)),
    ("Copenhagen Design Studio", I.MEDIA, "DK", 35, "am2", partial(prospect, product="workspace-team", seats=12, outcome="draft")),
    ("Milano Fashion House", I.RETAIL, "IT", 600, "am", partial(prospect, product="workspace-enterprise", seats=120, outcome="revised")),
    ("Athena Public Services", I.PUBLIC_SECTOR, "GR", 1100, "am2", partial(prospect, product="workspace-enterprise", seats=200, outcome="declined")),
    ("Emerald Isle Tours", I.OTHER, "IE", 50, "am", partial(prospect, product="workspace-team", seats=15, outcome="expired")),
    ("Prairie Agritech", I.OTHER, "CA", 160, "am2", partial(prospect, product="workspace-team", seats=40, outcome="sent")),
    ("Seine Conseil", I.PROFESSIONAL_SERVICES, "FR", 90, "am", partial(prospect, product="workspace-team", seats=30, outcome="rejected", discount=25)),
    ("Zürich Reinsurance", I.FINANCE, "CH", 700, "am2", partial(prospect, product="workspace-enterprise", seats=100, outcome="approved", discount=18)),
    ("Tallinn Cloudworks", I.SOFTWARE, "EE", 140, "am2", partial(prospect, product="workspace-team", seats=45, outcome="won during a revision")),
    ("Gdańsk Maritime Tech", I.MANUFACTURING, "PL", 450, "am", None),
    ("Lisbon Startup Hub", I.SOFTWARE, "PT", 25, "am2", None),
)
# fmt: on


# Where the demo companies' invoices go: a city per country. Those in VIES (the EU) and its
# neighbours print a VAT number; Greece's starts with EL.
CITIES = {
    "AT": "1010 Wien", "AU": "Sydney NSW 2000", "CA": "Toronto ON M5H 2N2", "CH": "8001 Zürich",
    "DE": "10115 Berlin", "DK": "1050 København", "EE": "10111 Tallinn", "ES": "28001 Madrid",
    "FI": "00100 Helsinki", "FR": "33000 Bordeaux", "GB": "London EC1A 1BB", "GR": "105 57 Athina",
    "HU": "1051 Budapest", "IE": "Dublin 2", "IT": "20121 Milano", "JP": "Tokyo 100-0005",
    "LT": "01103 Vilnius", "MA": "20000 Casablanca", "NL": "1012 Amsterdam", "NO": "0150 Oslo",
    "NZ": "Auckland 1010", "PL": "00-001 Warszawa", "PT": "1100-148 Lisboa", "US": "Boston, MA 02108",
}  # fmt: skip
VAT_COUNTRIES = {"AT", "CH", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HU", "IE", "IT", "LT", "NL", "NO", "PL", "PT"}  # fmt: skip


def billing_details(name: str, country: str) -> dict:
    """A demo company's billing address and VAT number, the same on every run."""
    rng = random.Random(f"{name} billing")
    address = f"{name}\nAccounts payable\n{rng.randint(1, 120)} Harbour Street\n{CITIES[country]}"
    prefix = "EL" if country == "GR" else country
    vat = f"{prefix}{rng.randrange(10**8, 10**9)}" if country in VAT_COUNTRIES else ""
    return {"billing_address": address, "vat_number": vat}


def create_company(demo: Demo, name, industry, country, headcount, owner) -> Company:
    company = save_company(
        company=Company(
            name=name,
            domain=f"{slugify(name)}.{DEMO_DOMAIN}",
            industry=industry,
            country=country,
            employee_count=headcount,
            target_seats=target_seats(headcount),
            owner=demo.users[owner],
            **billing_details(name, country),
        ),
        actor=demo.users[owner],
    )
    rng = random.Random(name)
    for contact in contacts_for(company, rng):
        save_contact(contact=contact, actor=company.owner)
    return company


def contacts_for(company: Company, rng: random.Random) -> list[Contact]:
    """2 to 5 contacts: the primary decision maker, a billing contact, a champion, others."""
    contacts, emails = [], set()
    duties = ("decision maker", "billing", "champion", "other", "other")[: rng.randint(2, 5)]
    for index, duty in enumerate(duties):
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{slugify(first_name)}.{slugify(last_name)}@{company.domain}"
        if email in emails:
            email = email.replace("@", f"{index}@")
        emails.add(email)
        contacts.append(
            Contact(
                company=company,
                first_name=first_name,
                last_name=last_name,
                email=email,
                phone=f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                job_title=rng.choice(JOB_TITLES[duty]),
                is_primary=index == 0,
                is_decision_maker=duty == "decision maker",
                is_billing_contact=duty == "billing",
                is_champion=duty == "champion",
                accepts_reminders=index == 0 or rng.random() > 0.15,
            )
        )
    return contacts


def seed_demo(*, today: date | None = None) -> bool:
    """Create the demo logins, the price book and the demo companies with their history,
    all through the services. Returns False, adding nothing, when the companies exist."""
    with transaction.atomic():
        users = ensure_demo_users()
        products = ensure_products()
        if demo_data_exists():
            return False
        demo = Demo(today=today or timezone.localdate(), users=users, products=products)
        stories = []
        for *fields, story in COMPANIES:
            company = create_company(demo, *fields)
            if story:
                stories.append(story(demo, company))
        run_in_date_order(demo, stories)
        seed_usage(today=demo.today)
    return True
