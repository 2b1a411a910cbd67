from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts import limits
from accounts.models import Company, Contact
from licensing import pricing
from licensing.models import MONEY, License, Product, SeatChange, Trial
from sales.pricing import Coterm, coterm, line_formula

PERCENT = {"max_digits": 5, "decimal_places": 2}
# What the home page's sums of the month's quotes read beside the date (Quote's indexes).
MONTH_SUMS = ["status", "currency", "total"]


SENT_QUOTES_STAY = (
    "A sent quote cannot be deleted: it went to the client and its number stays. "
    "Decline it, let it expire or send a revision instead."
)


# When an open deal should close: the expected close date, else the valid-until date, else
# the start date (the pipeline's close-month rows and the board's order; an index holds it).
CLOSES_ON = Coalesce("expected_close", "valid_until", "starts_on")


def stage_of(quote_model, link_model) -> Case:
    """A quote's place in the pipeline (Quote.Stage) as SQL, "" when it is out of it: a draft
    or a sent quote, unless a later revision of it is open too (the quote number counts once,
    at its latest open revision); a sent quote is viewed once a link of it not withdrawn was
    opened. The models are arguments so that the migration that filled the column computes it
    the same way."""
    open_statuses = (Quote.Status.DRAFT, Quote.Status.SENT)
    revised = quote_model.objects.filter(previous_revision=OuterRef("pk"), status__in=open_statuses)
    opened = link_model.objects.filter(
        quote=OuterRef("pk"), withdrawn_at__isnull=True, first_opened_at__isnull=False
    )
    return Case(
        When(~Q(status__in=open_statuses) | Exists(revised), then=Value("")),
        When(
            status=Quote.Status.DRAFT,
            approval=Quote.Approval.PENDING,
            then=Value(Quote.Stage.AWAITING_APPROVAL),
        ),
        When(status=Quote.Status.DRAFT, then=Value(Quote.Stage.DRAFT)),
        When(Exists(opened), then=Value(Quote.Stage.VIEWED)),
        default=Value(Quote.Stage.SENT),
        output_field=models.CharField(),
    )


class QuoteQuerySet(models.QuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)

    def issued(self):
        """Quotes that went to a client: every status but draft and closed (never sent)."""
        return self.exclude(status__in=Quote.UNSENT)

    def latest_sent(self):
        """Issued quotes at their latest sent revision, so that each quote number counts
        once: a revision sent later (superseding it, or after a decline or expiry) takes its
        place; a draft or closed revision never does. What every total of quotes counts.
        (Only a sent revision can be revised, so looking one revision ahead is enough.)"""
        # `previous_revision` not null, implied already, lets PostgreSQL read the few sent
        # revisions once from their partial index (quote_sent_revision) for a hash anti-join.
        sent_later = Quote.objects.filter(
            previous_revision=OuterRef("pk"), previous_revision__isnull=False
        ).exclude(status__in=Quote.UNSENT)
        return self.issued().filter(~Exists(sent_later))

    def awaiting_answer(self):
        return self.filter(status=Quote.Status.SENT)

    def open_renewals_of(self, license):
        """The renewal quotes of `license` still in play (a draft or sent), latest first."""
        return self.filter(
            kind=Quote.Kind.RENEWAL,
            license=license,
            status__in=(Quote.Status.DRAFT, Quote.Status.SENT),
        ).order_by("-revision", "-pk")

    def awaiting_approval(self):
        return self.filter(status=Quote.Status.DRAFT, approval=Quote.Approval.PENDING)

    def in_pipeline(self):
        """Open deals (drafts and sent quotes), each quote number once at its latest open
        revision, by their stored `stage` (Quote.Stage, see stage_of), annotated with
        `closes_on`: the expected close date, or else the valid-until date, or else the start
        date."""
        return self.exclude(stage="").annotate(closes_on=CLOSES_ON)

    def restage(self) -> int:
        """Store the pipeline stage (stage_of) of these quotes and of the revisions they
        follow, whose place in the pipeline their status decides. Every write of a status,
        an approval, a revision or a link's opening calls it; returns the rows written."""
        quotes = self.order_by()
        # One list of ids (not two IN tests joined by OR, which scan the whole table).
        ids = quotes.values("pk").union(quotes.values("previous_revision"))
        return Quote.objects.filter(pk__in=ids).update(stage=stage_of(Quote, QuoteLink))

    def search(self, text: str):
        """Quotes matching every word of `text` in their number or their company (a word of
        its name or domain, or of a contact's name or email: CompanyQuerySet.search)."""
        quotes = self
        for word in text.split():
            by_number = Quote.objects.filter(number__icontains=word).order_by().values("pk")
            by_company = (
                Quote.objects.filter(company__in=Company.objects.search(word))
                .order_by()
                .values("pk")
            )
            quotes = quotes.filter(pk__in=by_number.union(by_company))
        return quotes

    def with_parties(self):
        return self.select_related("company", "contact", "owner")

    def delete(self):
        """Only drafts delete: a sent quote is a business record and its number stays."""
        if self.exclude(status=Quote.Status.DRAFT).exists():
            raise ValidationError(SENT_QUOTES_STAY)
        followed = list(self.exclude(previous_revision=None).values_list("previous_revision"))
        deleted = super().delete()
        Quote.objects.filter(pk__in=[pk for (pk,) in followed]).restage()
        return deleted


class Quote(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "New business"
        EXPANSION = "expansion", "Expansion"
        RENEWAL = "renewal", "Renewal"
        TRIAL_CONVERSION = "trial_conversion", "Trial conversion"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        SUPERSEDED = "superseded", "Superseded by a revision"
        CLOSED = "closed", "Closed unsent (an earlier revision was accepted)"

    UNSENT = (Status.DRAFT, Status.CLOSED)

    class Stage(models.TextChoices):
        """Where an open quote stands in the pipeline (stage_of, stored in Quote.stage)."""

        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        SENT = "sent", "Sent"
        VIEWED = "viewed", "Viewed online"

    class EmailStatus(models.TextChoices):
        NOT_SENT = "not_sent", "Not emailed"
        PENDING = "pending", "Email queued"
        SENDING = "sending", "Email being sent"
        SENT = "sent", "Emailed"
        FAILED = "failed", "Email failed"

    class DeclineReason(models.TextChoices):
        """Why a quote was lost, from a short list the dashboard counts ("why we lose")."""

        PRICE = "price", "Price"
        TIMING = "timing", "Timing"
        COMPETITOR = "competitor", "Went with a competitor"
        NO_BUDGET = "no_budget", "No budget"
        OTHER = "other", "Other"

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", "Not needed"
        PENDING = "pending", "Needs approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    number = models.CharField(max_length=20, blank=True, db_index=True)
    revision = models.PositiveSmallIntegerField(default=1)
    previous_revision = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_revision"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="quotes")
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name="recipient",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quotes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEW)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default="EUR", validators=limits.CURRENCY)
    term_months = models.PositiveSmallIntegerField(default=12, validators=limits.TERM_MONTHS)
    starts_on = models.DateField(validators=limits.DATE)
    valid_until = models.DateField(null=True, blank=True, validators=limits.DATE)
    expected_close = models.DateField(
        null=True,
        blank=True,
        validators=limits.DATE,
        help_text="When the deal should close, for the pipeline; empty: the valid-until date",
    )
    discount_percent = models.DecimalField(
        **PERCENT, default=Decimal("0"), validators=limits.PERCENT
    )
    tax_percent = models.DecimalField(**PERCENT, default=Decimal("0"), validators=limits.PERCENT)
    notes = models.TextField(
        blank=True,
        max_length=limits.TEXT_NOTES,
        validators=[limits.text_of_at_most(limits.TEXT_NOTES)],
        help_text="Shown on the quote above the lines",
    )
    terms = models.TextField(
        blank=True,
        max_length=limits.TEXT_TERMS,
        validators=[limits.text_of_at_most(limits.TEXT_TERMS)],
    )
    po_reference = models.CharField(
        "PO reference",
        max_length=limits.TEXT_REFERENCE,
        blank=True,
        validators=[limits.SINGLE_LINE],
        help_text="The customer's purchase-order reference, printed on the quote",
    )
    # The customer's billing address and VAT number as they were when the quote was sent
    # (copied from the company by send_quote), so the document never changes afterwards.
    billing_address = models.TextField(blank=True, max_length=limits.TEXT_ADDRESS)
    vat_number = models.CharField("VAT number", max_length=30, blank=True)
    subtotal = models.DecimalField(**MONEY, default=Decimal("0.00"))
    discount_amount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    approval = models.CharField(
        max_length=12, choices=Approval.choices, default=Approval.NOT_NEEDED
    )
    # Denormalised from the status, the approval, the later revisions and the links (stage_of),
    # so that the pipeline reads its open quotes from an index: kept by QuoteQuerySet.restage,
    # which every writer of those calls. Blank: not in the pipeline.
    stage = models.CharField(max_length=20, choices=Stage.choices, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_comment = models.CharField(max_length=500, blank=True)
    trial = models.ForeignKey(
        Trial, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    license = models.ForeignKey(
        License,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="The license an expansion or renewal concerns",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    discount_justification = models.TextField(
        blank=True,
        max_length=limits.TEXT_REASON,
        validators=[limits.text_of_at_most(limits.TEXT_REASON)],
        help_text="Why a discount above the approval threshold is needed, for Finance",
    )
    decline_reason_code = models.CharField(
        "Decline reason",
        max_length=20,
        choices=DeclineReason.choices,
        blank=True,
        help_text="Why the quote was lost, from the short list; blank: not given",
    )
    decline_reason = models.TextField(
        blank=True,
        max_length=limits.TEXT_REASON,
        validators=[limits.text_of_at_most(limits.TEXT_REASON)],
        help_text="Why the client declined, as they or the account manager put it",
    )
    expired_at = models.DateTimeField(null=True, blank=True)
    # The document the client received: drawn once right after the send from the frozen
    # quote, then served byte for byte (sales/pdf.py); why the last draw failed, until one works.
    pdf = models.FileField(upload_to="quotes/%Y/", blank=True)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    pdf_error = models.CharField("PDF error", max_length=500, blank=True)
    email_message = models.TextField(
        blank=True,
        max_length=limits.TEXT_MESSAGE,
        validators=[limits.text_of_at_most(limits.TEXT_MESSAGE)],
        help_text="The note sent with the quote",
    )
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.NOT_SENT
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True)

    objects = QuoteQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["updated_at", "pdf_error", "stage"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "revision"],
                condition=~Q(number=""),
                name="quote_number_revision_unique",
                violation_error_message="This quote number and revision are already taken.",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="quote_discount_0_100",
                violation_error_message="The discount is a percentage between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(tax_percent__gte=0, tax_percent__lte=100),
                name="quote_tax_0_100",
                violation_error_message="The tax is a percentage between 0 and 100.",
            ),
            models.CheckConstraint(
                condition=Q(term_months__gt=0, term_months__lte=limits.MAX_TERM_MONTHS),
                name="quote_term_within_bounds",
                violation_error_message=f"The term is 1 to {limits.MAX_TERM_MONTHS} months.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sent_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["-created_at", "-id"], name="quote_newest_first"),  # the list
            models.Index(fields=["total", "id"], name="quote_total_id"),  # sorted by total
            # The home page: quotes awaiting an answer by validity, this month's sent and
            # accepted quotes: the latest ten read in the index's order (stopping at ten), the
            # month's sums from the index alone (its columns included, on PostgreSQL).
            models.Index(fields=["status", "valid_until"], name="quote_status_valid_until"),
            models.Index(fields=["sent_at", "id"], include=MONTH_SUMS, name="quote_sent_at_id"),
            models.Index(
                fields=["accepted_at", "id"], include=MONTH_SUMS, name="quote_accepted_at_id"
            ),
            # The pipeline (in_pipeline): the summary reads its open quotes from the first
            # index alone (index-only), by owner or all; the board ranks each stage's cards
            # by close date from the second, reading only the cards it shows.
            models.Index(
                fields=[
                    "owner",
                    "stage",
                    "currency",
                    "expected_close",
                    "valid_until",
                    "starts_on",
                    "total",
                    "id",
                ],
                condition=~Q(stage=""),
                name="quote_pipeline_summary",
            ),
            models.Index(
                F("stage"), CLOSES_ON, F("id"), condition=~Q(stage=""), name="quote_pipeline_board"
            ),
            # The revisions sent after another (latest_sent): a few rows, read whole.
            models.Index(
                fields=["previous_revision"],
                condition=Q(previous_revision__isnull=False) & ~Q(status__in=["draft", "closed"]),
                name="quote_sent_revision",
            ),
            # Renewals without an open renewal quote, and the stage's later revisions.
            models.Index(
                fields=["previous_revision", "kind", "license"],
                condition=Q(status__in=["draft", "sent"]),
                name="quote_open_revision",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("quote_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        sent = (
            not self.is_draft
            or Quote.objects.filter(pk=self.pk).exclude(status=Quote.Status.DRAFT).exists()
        )
        if sent:
            raise ValidationError(SENT_QUOTES_STAY)
        deleted = super().delete(*args, **kwargs)
        if self.previous_revision_id:  # the revision it followed is the latest open one again
            Quote.objects.filter(pk=self.previous_revision_id).restage()
        return deleted

    @property
    def reference(self) -> str:
        if not self.number:
            return f"Draft quote #{self.pk}"
        return self.number if self.revision == 1 else f"{self.number} rev. {self.revision}"

    @property
    def net_before_tax(self) -> Decimal:
        return self.subtotal - self.discount_amount

    @property
    def share_of_list(self) -> Decimal | None:
        """What the customer pays before tax as a share of the list price (the lines at the
        price book's tiers): 0.8 for a 20 % discount; None for a quote of nothing."""
        if not self.subtotal:
            return None
        return self.net_before_tax / self.subtotal

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def bill_to(self) -> tuple[str, str]:
        """(billing address, VAT number) as the document shows them: frozen once sent, the
        company's current ones on a draft."""
        if self.is_frozen:
            return self.billing_address, self.vat_number
        return self.company.billing_address, self.company.vat_number

    @property
    def needs_approval(self) -> bool:
        return self.approval in (self.Approval.PENDING, self.Approval.REJECTED)

    @property
    def ends_on(self) -> date:
        """Last day of the term; an expansion is co-termed to its license."""
        if self.kind == self.Kind.EXPANSION and self.license_id:
            return self.license.ends_on
        return pricing.term_end(self.starts_on, self.term_months)

    @property
    def coterm(self) -> Coterm | None:
        """An expansion's co-termed period and its share of the license term."""
        if self.kind == self.Kind.EXPANSION and self.license_id:
            return coterm(license=self.license, effective_on=self.starts_on)
        return None


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="quote_lines")
    requested_seats = models.PositiveIntegerField(validators=limits.SEATS_PER_LINE)
    billed_seats = models.PositiveIntegerField()
    seat_block_size = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY, help_text="Per seat per billing period")
    months = models.PositiveSmallIntegerField()
    line_total = models.DecimalField(**MONEY)
    license = models.ForeignKey(
        License,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quote_lines",
        help_text="The license this line created, renewed into or expanded, once accepted",
    )
    seat_change = models.OneToOneField(
        SeatChange, null=True, blank=True, on_delete=models.PROTECT, related_name="quote_line"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["quote", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_seats__gt=0, requested_seats__lte=limits.MAX_SEATS),
                name="quote_line_seats_within_bounds",
                violation_error_message=f"A line has 1 to {limits.MAX_SEATS:,} seats.",
            ),
            models.CheckConstraint(
                condition=Q(billed_seats__gte=F("requested_seats")),
                name="quote_line_billed_covers_requested",
                violation_error_message="The billed seats must cover the requested seats.",
            ),
            models.CheckConstraint(
                condition=Q(line_total__gte=0),
                name="quote_line_total_not_negative",
                violation_error_message="A line total cannot be negative.",
            ),
        ]

    def __str__(self):
        return f"{self.product} × {self.billed_seats}"

    @property
    def periods(self) -> Decimal:
        """Billing periods the unit price is charged for (12 months of a yearly price: 1)."""
        return Decimal(self.months) / Decimal(self.product.months_per_period)

    def formula(self, coterm: Coterm | None, currency: str) -> str:
        """How the line total comes about (sales.pricing.line_formula)."""
        return line_formula(
            billed_seats=self.billed_seats,
            unit_price=self.unit_price,
            periods=self.periods,
            coterm=coterm,
            line_total=self.line_total,
            currency=currency,
        )


class QuoteNumberSequence(models.Model):
    """The last quote number given in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class BookSnapshot(models.Model):
    """The dashboard's figures of one book (every company, or one account manager's) over
    its default period, as they stood at computed_at: what the home page, the dashboard and
    the metrics API read instead of the whole book (sales/metrics/snapshot.py)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The account manager whose book this is; empty: every company",
    )
    today = models.DateField(help_text="The day the book was looked at")
    figures = models.JSONField()
    computed_at = models.DateTimeField(help_text="When the computation began: the figures' time")
    changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The last change committed to the figures' records: after computed_at, stale",
    )
    refresh_queued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a refresh was queued that has not yet begun: changes until then ride on it",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Coalesce("owner", models.Value(0)),
                name="one_snapshot_per_book",
                violation_error_message="A book has one snapshot: refresh it instead.",
            )
        ]

    def __str__(self) -> str:
        return f"Book of {self.owner or 'every company'} as of {self.computed_at:%Y-%m-%d %H:%M}"


class QuoteLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class QuoteLink(models.Model):
    """The personal link (/q/<token>/) that carries one sent revision to one recipient. The
    URL holds `key` signed with the site's secret (sales.services.portal), so a copy of the
    database alone opens no quote. Opens are counted here, without cookies."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="links")
    email = models.EmailField("sent to")
    key = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opens = models.PositiveIntegerField(default=0)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    objects = QuoteLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "email"],
                condition=Q(withdrawn_at__isnull=True),
                name="quote_link_one_active_per_recipient",
                violation_error_message="This recipient already has a link to this quote.",
            )
        ]

    def __str__(self):
        return f"{self.quote} → {self.email}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class QuoteAcceptance(models.Model):
    """What the client signed online: who, when, from where, and which document (the SHA-256
    of the PDF the link served), with the certificate emailed to them. The certificate is
    kept in the row, so the record and its proof are written in one transaction."""

    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="acceptance")
    link = models.ForeignKey(QuoteLink, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=limits.TEXT_NAME)
    title = models.CharField("job title", max_length=limits.TEXT_NAME)
    signature = models.CharField("typed signature", max_length=limits.TEXT_NAME)
    email = models.EmailField("email of the link")
    accepted_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64)
    seal = models.CharField(
        max_length=64, help_text="HMAC-SHA256 of the facts above with the site's secret"
    )
    certificate_pdf = models.BinaryField()
    certificate_sha256 = models.CharField("certificate SHA-256", max_length=64)

    def __str__(self):
        return f"{self.quote} accepted by {self.name}"


class QuoteQuestion(models.Model):
    """A question the client asked from the quote's page."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="questions")
    link = models.ForeignKey(QuoteLink, on_delete=models.CASCADE, related_name="questions")
    message = models.TextField(
        max_length=limits.TEXT_REASON, validators=[limits.text_of_at_most(limits.TEXT_REASON)]
    )
    asked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-asked_at", "-id"]

    def __str__(self):
        return f"{self.quote}: {self.message[:40]}"
