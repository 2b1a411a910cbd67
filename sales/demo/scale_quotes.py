"""The quotes of `seed_demo --scale`, with their lines, numbered in the order they were sent
(see scale.py)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from accounts.models import Activity
from licensing import pricing
from sales.demo.base import DISCOUNT_JUSTIFICATION
from sales.models import Quote, QuoteLine, QuoteNumberSequence
from sales.pricing import needs_approval

ZERO = Decimal("0")


class QuoteRows:
    """ScaleBuilder's quotes: built in memory with the builder's rows, numbered before save()."""

    def quote(
        self,
        company,
        contact,
        product,
        line: pricing.LinePrice,
        *,
        kind,
        status,
        starts_on,
        term_months=12,
        sent_on=None,
        answered_on=None,
        discount=ZERO,
        trial=None,
        license=None,
        made=None,
        seat_change=None,
    ) -> None:
        totals = pricing.quote_totals(
            [line.line_total],
            discount_percent=discount,
            tax_percent=ZERO,
            currency=product.currency,
        )
        # The validity send_quote gives a quote sent without one.
        valid_until = sent_on + timedelta(days=settings.QUOTE_VALIDITY_DAYS) if sent_on else None
        approval = Quote.Approval.NOT_NEEDED
        if needs_approval(discount):
            draft = status == Quote.Status.DRAFT
            approval = Quote.Approval.PENDING if draft else Quote.Approval.APPROVED
        quote = self.add(
            Quote(
                company=company,
                contact=contact,
                owner_id=company.owner_id,
                kind=kind,
                status=status,
                currency=product.currency,
                term_months=term_months,
                starts_on=starts_on,
                valid_until=valid_until,
                discount_percent=discount,
                discount_justification=DISCOUNT_JUSTIFICATION if needs_approval(discount) else "",
                subtotal=totals.subtotal,
                discount_amount=totals.discount_amount,
                tax_amount=totals.tax_amount,
                total=totals.total,
                approval=approval,
                trial=trial,
                license=license,
                sent_at=self.aware(sent_on) if sent_on else None,
                accepted_at=self.aware(answered_on) if status == Quote.Status.ACCEPTED else None,
                declined_at=self.aware(answered_on) if status == Quote.Status.DECLINED else None,
                expired_at=self.aware(valid_until + timedelta(days=1))
                if status == Quote.Status.EXPIRED
                else None,
            )
        )
        self.add(
            QuoteLine(
                quote=quote,
                product=product,
                requested_seats=line.requested_seats,
                billed_seats=line.billed_seats,
                seat_block_size=line.seat_block_size,
                unit_price=line.unit_price,
                months=term_months,
                line_total=line.line_total,
                license=made,
                seat_change=seat_change,
            )
        )

    def number_quotes(self) -> None:
        """Numbers in the order quotes were sent, continuing each year's sequence."""
        last = dict(QuoteNumberSequence.objects.values_list("year", "last_number"))
        sent = sorted((q for q in self.rows[Quote] if q.sent_at), key=lambda q: q.sent_at)
        for quote in sent:
            year = quote.sent_at.year
            last[year] = last.get(year, 0) + 1
            quote.number = f"Q-{year}-{last[year]:05d}"
            self.log(
                quote.company,
                Activity.Kind.QUOTE,
                f"{quote.number} sent to {quote.contact}: "
                f"{pricing.format_money(quote.total, quote.currency)}",
                quote.sent_at.date(),
            )
        QuoteNumberSequence.objects.bulk_create(
            [QuoteNumberSequence(year=year, last_number=number) for year, number in last.items()],
            update_conflicts=True,
            unique_fields=["year"],
            update_fields=["last_number"],
        )
