"""What the demo stories are made of: the Demo being played, the date-ordered run of the
stories, and their steps (draft, send and answer a quote; sell, expand, renew), all through
the services."""

import heapq
from collections.abc import Generator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Company, Contact
from licensing.models import License, Product
from sales import services
from sales.models import Quote
from sales.pricing import LineInput

FRENCH_VAT = Decimal("20")

Story = Generator[date, None, object]


@dataclass
class Demo:
    today: date
    users: dict
    products: dict[str, Product]
    day: date | None = None  # the date of the step being taken

    @property
    def now(self) -> datetime:
        return min(timezone.make_aware(datetime.combine(self.day, time(10))), timezone.now())

    def days(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


def run_in_date_order(demo: Demo, stories: list[Story]) -> None:
    queue: list[tuple[date, int, Story]] = []

    def advance(order: int, story: Story) -> None:
        try:
            heapq.heappush(queue, (next(story), order, story))
        except StopIteration:
            pass

    for order, story in enumerate(stories):
        advance(order, story)
    while queue:
        demo.day, order, story = heapq.heappop(queue)
        advance(order, story)


# The steps stories are made of.


def primary_contact(company: Company) -> Contact:
    return company.contacts.get(is_primary=True)


def draft(demo: Demo, company: Company, product: Product, seats: int, **fields) -> Quote:
    tax = FRENCH_VAT if company.country == "FR" else Decimal("0")
    return services.create_quote(
        company=company,
        actor=company.owner,
        contact=primary_contact(company),
        lines=[LineInput(product, seats)],
        tax_percent=tax,
        valid_until=demo.day + timedelta(days=30),
        **fields,
    )


def send(demo: Demo, quote: Quote) -> Quote:
    return services.send_quote(quote=quote, actor=quote.owner, now=demo.now)


def answer(demo: Demo, quote: Quote, outcome: str) -> Quote:
    """The client's answer to a sent quote: accepted, declined, or none until it expired."""
    if outcome == "accepted":
        return services.accept_quote(quote=quote, actor=quote.owner, now=demo.now)
    if outcome == "declined":
        return services.decline_quote(quote=quote, actor=quote.owner, now=demo.now)
    return services.expire_quote(quote=quote, now=demo.now)


def sell(
    demo: Demo, company: Company, product: Product, seats: int, *, starts_on, months, trial=None
) -> Story:
    """A quote for a new term, sent ten days before it starts, accepted a week later;
    returns the license it made."""
    yield starts_on - timedelta(days=10)
    kind = Quote.Kind.TRIAL_CONVERSION if trial else Quote.Kind.NEW
    quote = draft(
        demo,
        company,
        product,
        seats,
        kind=kind,
        trial=trial,
        starts_on=starts_on,
        term_months=months,
        po_reference=f"PO-{starts_on.year}-{company.pk:04d}",  # the customer's order
    )
    send(demo, quote)
    yield starts_on - timedelta(days=3)
    answer(demo, quote, "accepted")
    return quote.lines.get().license


def expand(demo: Demo, license: License, seats: int, effective_on: date, outcome: str) -> Story:
    """An expansion quote drafted a week before the seats are wanted, co-termed to the license."""
    yield effective_on - timedelta(days=7)
    quote = services.draft_expansion_quote(
        license=license, seats=seats, effective_on=effective_on, actor=license.company.owner
    )
    if outcome == "draft":
        return
    quote = send(demo, quote)
    if outcome == "sent":
        return
    yield (
        quote.valid_until + timedelta(days=1)
        if outcome == "expired"
        else effective_on - timedelta(days=2)
    )
    answer(demo, quote, outcome)


def renew(demo: Demo, license: License, *, days_before_end: int, outcome: str) -> Story:
    """A renewal quote for the next term, drafted `days_before_end` days before the end."""
    yield license.ends_on - timedelta(days=days_before_end)
    quote = services.draft_renewal_quote(license=license, actor=license.company.owner)
    if outcome == "draft":
        return
    send(demo, quote)
    if outcome == "sent":
        return
    yield demo.day + timedelta(days=10)
    answer(demo, quote, outcome)
