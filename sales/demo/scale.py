"""`seed_demo --scale N`: N companies with proportional contacts, trials, licenses, quotes
(with lines) and seat changes, for benchmarks.

Tens of thousands of rows cannot go through the services one by one in seconds, so they are
built in memory and written with bulk inserts. They keep the services' rules all the same:
whole blocks, prices from the price book (licensing.pricing), terms, prorated expansions,
quote numbers given in the order quotes were sent, the number sequence brought up to date.
Rows are written with COPY on PostgreSQL (accounts/bulk.py). The reminders the daily sweep
sent on the past days are replayed by the sweep's own code (scale_reminders.py). Signals are
not sent: seed_demo has the onboarding app make the recent licenses' onboardings in bulk
(onboarding/demo.py), then writes 90 days of usage per license (licensing/demo_usage.py) once
the go-live dates it is read from are known. The command prints how long each phase took. No audit history rows are written: the demo's past is synthetic, and
history begins with the first real change."""

import functools
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.bulk import foreign_keys_checked_once, indexes_built_once, insert_rows
from accounts.models import Activity, Company, Contact, Industry
from licensing import pricing
from licensing.models import License, Product, SeatChange, Trial
from sales.demo.base import (
    DEMO_DOMAIN,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    PhaseTimes,
    aware,
    demo_data_exists,
    ensure_demo_users,
    ensure_products,
    target_seats,
    term_ending_on,
)
from sales.demo.scale_quotes import QuoteRows
from sales.demo.scale_reminders import replay_reminder_sweeps
from sales.models import Quote, QuoteLine

NAME_WORDS = (
    "Northern Blue Silver Atlas Summit Harbor Cedar Granite Nova Vertex Pioneer Coastal Alpine "
    "Crimson Meridian Orbit Prairie Quantum Riverside Sterling Union Zenith"
).split()
NAME_ENDINGS = (
    "Systems Logistics Health Partners Capital Foods Media Labs Industries Group Consulting "
    "Analytics Retail Energy Learning Works"
).split()


@dataclass
class ScaleBuilder(QuoteRows):
    """Companies and their history built in memory, then inserted in bulk by save()."""

    today: date
    owners: list
    products: list[Product]
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    rows: dict = field(init=False)

    # Insert order: every row after the rows its foreign keys point to.
    MODELS = (Company, Contact, License, Trial, SeatChange, Quote, QuoteLine, Activity)

    def __post_init__(self):
        self.rows = {model: [] for model in self.MODELS}
        self.tiers = {product.pk: product.tiers() for product in self.products}
        self.slugs = {name: slugify(name) for name in FIRST_NAMES + LAST_NAMES}
        self.industries = Industry.values
        # A few hundred distinct days: each made aware once.
        self.aware = functools.cache(aware)

    def add(self, row):
        self.rows[type(row)].append(row)
        return row

    def days(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def price(self, product: Product, seats: int, **overrides) -> pricing.LinePrice:
        return pricing.price_line(
            requested_seats=seats,
            seat_block_size=product.seat_block_size,
            tiers=self.tiers[product.pk],
            term_months=12,
            months_per_period=product.months_per_period,
            currency=product.currency,
            **overrides,
        )

    def log(self, company: Company, kind: str, message: str, day: date) -> None:
        self.add(Activity(company=company, kind=kind, message=message, occurred_at=self.aware(day)))

    # Companies and what happened to them.

    def company(self, index: int) -> None:
        rng = self.rng
        name = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_ENDINGS)} {index}"
        headcount = int(10 * 1.5 ** rng.uniform(0, 14))
        company = self.add(
            Company(
                name=name,
                domain=f"{slugify(name)}.{DEMO_DOMAIN}",
                industry=rng.choice(self.industries),
                country=rng.choice(("FR", "DE", "GB", "ES", "IT", "NL", "US", "CA", "SE", "PL")),
                employee_count=headcount,
                target_seats=target_seats(headcount),
                owner=self.owners[index % len(self.owners)],
            )
        )
        contact = self.contacts(company)
        roll = rng.random()
        if roll < 0.55:
            self.customer(company, contact)
        elif roll < 0.75:
            self.trial(company, contact)
        elif roll < 0.9:
            self.prospect(company, contact)
        else:
            self.churned(company, contact)

    def contacts(self, company: Company) -> Contact:
        """2 to 5 contacts; returns the primary one."""
        rng = self.rng
        duties = ("decision maker", "billing", "champion", "other", "other")[: rng.randint(2, 5)]
        contacts = []
        for index, duty in enumerate(duties):
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{self.slugs[first_name]}.{self.slugs[last_name]}{index}@{company.domain}"
            contacts.append(
                self.add(
                    Contact(
                        company=company,
                        first_name=first_name,
                        last_name=last_name,
                        email=email,
                        job_title=rng.choice(JOB_TITLES[duty]),
                        is_primary=index == 0,
                        is_decision_maker=duty == "decision maker",
                        is_billing_contact=duty == "billing",
                        is_champion=duty == "champion",
                        accepts_reminders=index == 0 or rng.random() > 0.15,
                    )
                )
            )
        return contacts[0]

    def license(self, company, contact, *, ends_on: date, status=License.Status.ACTIVE):
        """A license sold by an accepted quote (after a converted trial, sometimes)."""
        rng = self.rng
        product = rng.choice(self.products)
        line = self.price(product, rng.randint(3, max(5, company.target_seats)))
        starts_on, months = term_ending_on(ends_on, 12)
        license = self.add(
            License(
                company=company,
                product=product,
                seats=line.billed_seats,
                unit_price=line.unit_price,
                starts_on=starts_on,
                ends_on=ends_on,
                status=status,
            )
        )
        trial = None
        if rng.random() < 0.3:
            trial = self.add(
                Trial(
                    company=company,
                    product=product,
                    seats=product.seat_block_size * 2,
                    starts_on=starts_on - timedelta(days=30),
                    ends_on=starts_on + timedelta(days=4),
                    status=Trial.Status.CONVERTED,
                    converted_license=license,
                    created_by=company.owner,
                    ended_at=self.aware(starts_on - timedelta(days=3)),
                )
            )
        self.quote(
            company,
            contact,
            product,
            line,
            kind=Quote.Kind.TRIAL_CONVERSION if trial else Quote.Kind.NEW,
            status=Quote.Status.ACCEPTED,
            starts_on=starts_on,
            term_months=months,
            sent_on=starts_on - timedelta(days=10),
            answered_on=starts_on - timedelta(days=3),
            trial=trial,
            made=license,
        )
        self.log(
            company,
            Activity.Kind.LICENSE,
            f"License of {product} started: {license.seats} seats, {starts_on} to {ends_on}",
            starts_on,
        )
        return license

    def customer(self, company, contact) -> None:
        rng = self.rng
        license = self.license(company, contact, ends_on=self.days(rng.randint(0, 364)))
        if rng.random() < 0.35:
            self.expansion(company, contact, license)
        if (license.ends_on - self.today).days <= 90 and rng.random() < 0.5:
            starts_on = license.ends_on + timedelta(days=1)
            self.quote(
                company,
                contact,
                license.product,
                self.price(license.product, license.seats),
                kind=Quote.Kind.RENEWAL,
                status=Quote.Status.SENT,
                starts_on=starts_on,
                sent_on=self.days(-rng.randint(0, 20)),
                license=license,
            )

    def expansion(self, company, contact, license: License) -> None:
        """Seats added mid-term by an accepted expansion quote, prorated to the license end."""
        rng = self.rng
        latest = min(self.today, license.ends_on)
        effective_on = license.starts_on + timedelta(
            days=rng.randint(0, (latest - license.starts_on).days)
        )
        seats = license.product.seat_block_size * rng.randint(1, 4)
        full = self.price(license.product, seats, unit_price=license.unit_price)
        factor = pricing.proration_factor(
            starts_on=license.starts_on, ends_on=license.ends_on, effective_on=effective_on
        )
        line = replace(
            full, line_total=pricing.prorate(full.line_total, factor, license.product.currency)
        )
        license.seats += seats
        change = self.add(
            SeatChange(
                license=license,
                delta=seats,
                seats_after=license.seats,
                effective_on=effective_on,
                prorated_amount=line.line_total,
                created_by=company.owner,
            )
        )
        self.quote(
            company,
            contact,
            license.product,
            line,
            kind=Quote.Kind.EXPANSION,
            status=Quote.Status.ACCEPTED,
            starts_on=effective_on,
            sent_on=max(license.starts_on, effective_on - timedelta(days=7)),
            answered_on=effective_on,
            license=license,
            made=license,
            seat_change=change,
        )

    def trial(self, company, contact) -> None:
        rng = self.rng
        product = rng.choice(self.products)
        status = rng.choices(
            (Trial.Status.ACTIVE, Trial.Status.EXPIRED, Trial.Status.CANCELLED), (60, 25, 15)
        )[0]
        ends_on = self.days(
            rng.randint(0, 29) if status == Trial.Status.ACTIVE else -rng.randint(1, 300)
        )
        starts_on = ends_on - timedelta(days=29)
        trial = self.add(
            Trial(
                company=company,
                product=product,
                seats=product.seat_block_size * rng.randint(1, 4),
                starts_on=starts_on,
                ends_on=ends_on,
                status=status,
                created_by=company.owner,
                ended_at=None if status == Trial.Status.ACTIVE else self.aware(ends_on),
            )
        )
        self.log(company, Activity.Kind.TRIAL, f"Trial of {product} started", starts_on)
        if status == Trial.Status.ACTIVE and rng.random() < 0.3:
            self.quote(
                company,
                contact,
                product,
                self.price(product, trial.seats),
                kind=Quote.Kind.TRIAL_CONVERSION,
                status=Quote.Status.DRAFT,
                starts_on=self.today,
                trial=trial,
            )

    def prospect(self, company, contact) -> None:
        rng = self.rng
        status = rng.choice(
            (Quote.Status.DRAFT, Quote.Status.SENT, Quote.Status.DECLINED, Quote.Status.EXPIRED)
        )
        sent_on = {
            Quote.Status.DRAFT: None,
            Quote.Status.SENT: self.days(-rng.randint(0, 25)),
            Quote.Status.DECLINED: self.days(-rng.randint(15, 300)),
            Quote.Status.EXPIRED: self.days(-rng.randint(35, 300)),
        }[status]
        product = rng.choice(self.products)
        self.quote(
            company,
            contact,
            product,
            self.price(product, rng.randint(3, max(5, company.target_seats))),
            kind=Quote.Kind.NEW,
            status=status,
            starts_on=(sent_on or self.today) + timedelta(days=21),
            sent_on=sent_on,
            answered_on=sent_on + timedelta(days=10) if sent_on else None,
            discount=Decimal(rng.choice((0, 0, 0, 5, 10, 20))),
        )

    def churned(self, company, contact) -> None:
        rng = self.rng
        if rng.random() < 0.6:
            ends_on = self.days(-rng.randint(1, 300))
            self.license(company, contact, ends_on=ends_on, status=License.Status.EXPIRED)
        else:
            license = self.license(
                company,
                contact,
                ends_on=self.days(rng.randint(1, 300)),
                status=License.Status.CANCELLED,
            )
            license.cancelled_on = max(license.starts_on, self.days(-rng.randint(0, 60)))

    def save(self) -> None:
        self.number_quotes()
        others = [model for model in self.MODELS if model is not Company]
        with foreign_keys_checked_once(*self.MODELS), indexes_built_once(Company):
            with indexes_built_once(*others):
                for model in self.MODELS:
                    insert_rows(model, self.rows[model])
            # The search documents read each company's contacts through their index, and the
            # stages each quote's revisions, built again by now; the companies' own indexes
            # are built after the documents.
            companies, quotes = self.rows[Company], self.rows[Quote]
            if companies:  # one pass over the range of their ids
                Company.objects.filter(
                    pk__gte=companies[0].pk, pk__lte=companies[-1].pk
                ).refresh_search_documents()
            if quotes:  # likewise; only drafts and sent quotes have a stage
                Quote.objects.filter(
                    pk__gte=quotes[0].pk,
                    pk__lte=quotes[-1].pk,
                    status__in=(Quote.Status.DRAFT, Quote.Status.SENT),
                ).restage()


def seed_scale(
    *, companies: int, today: date | None = None, times: PhaseTimes | None = None
) -> bool:
    """The demo logins, the price book and `companies` companies with their history, in bulk.
    Returns False, adding nothing, when demo companies exist already. `times` gets each
    phase's duration."""
    times = times or PhaseTimes()
    with transaction.atomic():
        users = ensure_demo_users()
        products = list(ensure_products().values())
        if demo_data_exists():
            return False
        builder = ScaleBuilder(
            today=today or timezone.localdate(),
            owners=[users["am"], users["am2"]],
            products=products,
        )
        with times.phase("companies, licenses and quotes built"):
            for index in range(1, companies + 1):
                builder.company(index)
        with times.phase("their rows written"):
            builder.save()
        with times.phase("past reminder sweeps replayed"):
            replay_reminder_sweeps(today=builder.today)
    return True
