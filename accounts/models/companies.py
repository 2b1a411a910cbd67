"""Companies, their contacts and their timeline (activities)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThan, StartsWith
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from accounts import limits
from accounts.lists import LOW_UTILISATION, risk_share


class Industry(models.TextChoices):
    SOFTWARE = "software", "Software"
    FINANCE = "finance", "Financial services"
    HEALTHCARE = "healthcare", "Healthcare"
    MANUFACTURING = "manufacturing", "Manufacturing"
    RETAIL = "retail", "Retail"
    EDUCATION = "education", "Education"
    PROFESSIONAL_SERVICES = "professional_services", "Professional services"
    MEDIA = "media", "Media"
    LOGISTICS = "logistics", "Logistics"
    PUBLIC_SECTOR = "public_sector", "Public sector"
    OTHER = "other", "Other"


class CompanyStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    TRIAL = "trial", "Trial"
    CUSTOMER = "customer", "Customer"
    CHURNED = "churned", "Churned"


def whitespace(prefix: str = ""):
    """whitespace = max((target seats, or else headcount) - top_product_seats, 0); 0 when the
    company has neither. Over a row with top_product_seats and the company's fields (their
    names after `prefix`); the one definition Company.with_seats and the book's figures use."""
    gap = Coalesce(f"{prefix}target_seats", f"{prefix}employee_count") - F("top_product_seats")
    return Case(
        When(GreaterThanOrEqual(gap, 0), then=gap),
        default=Value(0),
        output_field=models.IntegerField(),
    )


def penetration():
    """The top product's seats per 100 employees, over a row with top_product_seats and
    employee_count; None when the headcount is unknown."""
    return Case(
        When(
            employee_count__gt=0,
            then=ExpressionWrapper(
                F("top_product_seats") * Value(100.0) / F("employee_count"),
                output_field=models.FloatField(),
            ),
        ),
        default=None,
        output_field=models.FloatField(),
    )


class SpaceJoined(models.Aggregate):
    """The group's texts joined by spaces (string_agg on PostgreSQL, group_concat on SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ' ')"
    output_field = models.TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def search_document(contacts: models.Manager):
    """What a company's search finds it by, lower-cased, words separated by spaces: its name,
    its domain, and each of its `contacts`' first and last names and email. A searched word
    holds no space, so it matches inside one of them or not at all (a name may hold spaces:
    its words match as they do in the name itself). `contacts`: the Contact manager (a
    migration's historical one)."""
    joined = (
        contacts.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(
            text=SpaceJoined(
                Concat(
                    "first_name",
                    Value(" "),
                    "last_name",
                    Value(" "),
                    "email",
                    output_field=models.TextField(),
                )
            )
        )
        .values("text")
    )
    return Lower(
        Concat(
            "name",
            Value(" "),
            "domain",
            Value(" "),
            Coalesce(Subquery(joined), Value(""), output_field=models.TextField()),
            output_field=models.TextField(),
        )
    )


def starts_with(field: str, text: str) -> Q:
    """`field`, lower-cased, starts with `text` (lower-cased): a range read in the order of an
    index on Lower(field), then as many rows as a page shows whatever the book's size. LIKE
    'x%' alone reads no b-tree index unless the collation is "C" (ours is C.UTF-8); the range
    ends at the last code point, and LIKE keeps the answer exact under any collation."""
    prefix = text.lower()
    lowered = Lower(field)
    return Q(
        GreaterThanOrEqual(lowered, prefix),
        LessThan(lowered, prefix + "\U0010ffff"),
        StartsWith(lowered, prefix),
    )


class CompanyQuerySet(models.QuerySet):
    """Company reads. Licensing data is reached through the reverse relations, so that
    accounts does not import licensing (imports flow accounts <- licensing)."""

    def for_owner(self, user):
        return self.filter(owner=user)

    def search(self, text: str):
        """Companies matching every word of `text` in their name or domain, or in a contact's
        name or email: each word a piece of the company's search document (one trigram index
        on PostgreSQL, see config/trigram.py), never a join to the contacts."""
        companies = self
        for word in text.split():
            companies = companies.filter(search_document__contains=word.lower())
        return companies

    def by_name(self):
        """Case-blind, as the header search lists them (the index company_name_lower)."""
        return self.order_by(Lower("name"), "pk")

    def refresh_search_documents(self) -> None:
        """Rewrite these companies' search documents from their name, domain and contacts.
        Every path that writes a company or a contact calls it after its writes: the
        services, the import, the admin, the demo data."""
        self.order_by().update(search_document=search_document(Contact.objects))

    def active(self):
        """Companies not archived: what lists show unless asked for the archived ones."""
        return self.filter(archived_at__isnull=True)

    def _licenses(self):
        return self.model._meta.get_field("licenses").related_model.objects

    def _trials(self):
        return self.model._meta.get_field("trials").related_model.objects

    def with_seats(self, today: date | None = None):
        """Annotate, over the licenses in force on `today` (LicenseQuerySet.active: a license
        counts from its start date on):
        - licensed_seats and annual_value (seats x unit price x periods per year), all products;
        - top_product_seats: the seats of the company's most-licensed product. Seat penetration
          is per product (its seats / the headcount): a second product is not more users, so
          the company's one figure is its highest product's, never a sum over products;
        - whitespace = max((target seats, or else headcount) - top_product_seats, 0); 0 when
          the company has neither. The target is the reach the customer agreed to (never above
          the headcount, see Company.clean); without one, every employee is a possible user."""
        licenses = self._licenses().active(today)
        money = models.DecimalField(max_digits=18, decimal_places=2)
        totals = licenses.filter(company=OuterRef("pk")).per_company()
        return self.annotate(
            licensed_seats=Coalesce(
                Subquery(totals.values("total_seats"), output_field=models.IntegerField()),
                Value(0),
            ),
            annual_value=Coalesce(
                Subquery(totals.values("total_value"), output_field=money),
                Value(Decimal("0.00")),
                output_field=money,
            ),
            top_product_seats=Coalesce(licenses.top_product_seats(OuterRef("pk")), Value(0)),
            whitespace=whitespace(),
        )

    def with_penetration(self):
        """Annotate penetration (see `penetration`; needs with_seats)."""
        return self.annotate(penetration=penetration())

    def with_utilisation(self, today: date | None = None):
        """Annotate lowest_utilisation: the utilisation of the company's least-used license
        in force with fresh usage (LicenseQuerySet.with_utilisation), None without one."""
        in_force = self._licenses().active(today).filter(company=OuterRef("pk"))
        lowest = in_force.lowest_utilisation(today).values("lowest_utilisation")
        return self.annotate(lowest_utilisation=Subquery(lowest, output_field=models.FloatField()))

    def in_utilisation_band(self, band: str):
        """Companies with a license in force in the utilisation `band` (accounts.lists)
        today: one product under-used is a renewal at risk, whatever the others do. A company
        has a license below the low band's bound exactly when its lowest utilisation is, so
        that band reads the stored figure (licensing's CompanyUtilisation, equal to
        with_utilisation's), one index for 100,000 companies."""
        if band == LOW_UTILISATION:
            return self.filter(stored_utilisation__lowest_utilisation__lt=risk_share())
        licenses = self._licenses().active().in_utilisation_band(band)
        return self.filter(pk__in=licenses.values("company"))

    def usage_per_product(self, today: date | None = None):
        """Per company of these and product in force: seats, and the seats and active users
        of the licenses reporting usage (LicenseQuerySet.per_product_with_usage)."""
        return (
            self._licenses()
            .active(today)
            .filter(company__in=self.order_by().values("pk"))
            .per_product_with_usage(today)
            .order_by("company", "-product_seats", "product__name")
        )

    def _status_rules(self, today: date | None):
        """The statuses but prospect, each with its condition, in the order they are decided:
        customer (a license in force or scheduled), trial (a running trial), churned
        (licenses, none held). A company meeting none is a prospect."""
        licenses = self._licenses().filter(company=OuterRef("pk"))
        trials = self._trials().filter(company=OuterRef("pk"))
        return [
            (CompanyStatus.CUSTOMER, Exists(licenses.held(today))),
            (CompanyStatus.TRIAL, Exists(trials.active(today))),
            (CompanyStatus.CHURNED, Exists(licenses)),
        ]

    def with_status(self, today: date | None = None):
        """Annotate status (see _status_rules)."""
        return self.annotate(
            status=Case(
                *(When(rule, then=Value(status)) for status, rule in self._status_rules(today)),
                default=Value(CompanyStatus.PROSPECT),
                output_field=models.CharField(),
            )
        )

    def in_status(self, status: str, today: date | None = None):
        """Companies whose status (with_status's) is `status`, as EXISTS and NOT EXISTS
        filters, which PostgreSQL answers with joins, instead of deciding every company's
        status to keep some (seconds at 100,000 companies)."""
        earlier = []
        for candidate, rule in self._status_rules(today):
            if candidate == status:
                return self.filter(*earlier, rule)
            earlier.append(~rule)
        return self.filter(*earlier)


class Company(models.Model):
    name = models.CharField(max_length=limits.TEXT_NAME, validators=[limits.SINGLE_LINE])
    domain = models.CharField(
        max_length=253,  # the longest a DNS name can be
        blank=True,
        validators=[limits.DomainValidator()],
        help_text="The company's web domain, e.g. example.com",
    )
    industry = models.CharField(max_length=40, choices=Industry.choices, default=Industry.OTHER)
    country = CountryField(blank=True)
    employee_count = models.PositiveIntegerField(
        null=True, blank=True, validators=limits.HEADCOUNT, help_text="Employee headcount"
    )
    target_seats = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=limits.SEATS,
        help_text="Seats agreed as the goal early in the relationship",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="companies"
    )
    billing_address = models.TextField(
        blank=True,
        max_length=limits.TEXT_ADDRESS,
        validators=[limits.text_of_at_most(limits.TEXT_ADDRESS)],
        help_text="Where invoices go, as printed on quotes",
    )
    vat_number = models.CharField(
        "VAT number",
        max_length=30,
        blank=True,
        validators=limits.VAT_NUMBER,
        help_text="e.g. FR12345678901: the country's two letters, then the number",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the company is archived: hidden from lists, its records kept.",
    )

    # Derived (search_document above): written by refresh_search_documents only.
    search_document = models.TextField(blank=True, default="", editable=False)

    objects = CompanyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "search_document"])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["created_at", "id"], name="company_created_id"),  # its sort
            # The lists' capped counts join the companies not archived by id alone, from
            # this index, instead of reading every company row.
            models.Index(
                fields=["id"], condition=Q(archived_at__isnull=True), name="company_unarchived"
            ),
            # One account manager's book joined to its licenses or quotes (the pipeline's
            # renewals due) from the index alone, not from every page of the table.
            models.Index(fields=["owner", "id"], name="company_owner_id"),
            models.Index(Lower("name"), "id", name="company_name_lower"),  # by_name
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("company_detail", args=[self.pk])

    def clean(self):
        self.vat_number = limits.normalize_vat(self.vat_number)
        if (
            self.target_seats is not None
            and self.employee_count is not None
            and self.target_seats > self.employee_count
        ):
            raise ValidationError(
                {
                    "target_seats": f"The seat target ({self.target_seats:,}) cannot be above the "
                    f"headcount ({self.employee_count:,}): a seat is one employee's."
                }
            )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class SpacedText(models.Func):
    """Texts joined by single spaces (`||`, which PostgreSQL and SQLite share; the columns
    joined are NOT NULL)."""

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = models.TextField()


def contact_search_text():
    """What a contact's search finds it by: its first and last name and email, lower-cased,
    separated by spaces (a searched word holds no space, so it matches inside one of them or
    not at all). One expression for the search and its trigram index (accounts migration
    0016), so that PostgreSQL reads one index instead of three and rechecks one text."""
    return Lower(SpacedText("first_name", "last_name", "email"))


class ContactQuerySet(models.QuerySet):
    def search(self, text: str):
        """Contacts matching every word of `text` ("Ada Lovelace", "ada@"), by name or email,
        in by_name's order. The API and the admin read their first matches through the
        trigram index and sort only those (config.pagination.first_matches); the header
        search reads names that start with the text from the name index
        (sales.views.search)."""
        contacts = self.alias(search_text=contact_search_text())
        for word in text.split():
            contacts = contacts.filter(search_text__contains=word.lower())
        return contacts.by_name()

    def by_name(self):
        """By last then first name, case-blind (the index contact_name_lower)."""
        return self.order_by(Lower("last_name"), Lower("first_name"), "pk")


class Contact(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(
        max_length=limits.TEXT_PERSON_NAME, validators=[limits.SINGLE_LINE]
    )
    last_name = models.CharField(
        max_length=limits.TEXT_PERSON_NAME, validators=[limits.SINGLE_LINE]
    )
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True, validators=[limits.SINGLE_LINE])
    job_title = models.CharField(max_length=120, blank=True, validators=[limits.SINGLE_LINE])
    is_decision_maker = models.BooleanField(default=False)
    is_billing_contact = models.BooleanField(default=False)
    is_champion = models.BooleanField(default=False)
    is_primary = models.BooleanField(default=False)
    accepts_reminders = models.BooleanField(
        default=True, help_text="Untick to send this contact no reminder emails."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContactQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"]),
            models.Index(Lower("last_name"), Lower("first_name"), "id", name="contact_name_lower"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "company",
                name="contact_email_unique_in_company",
                violation_error_message="This company already has a contact with this email.",
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(is_primary=True),
                name="one_primary_contact_per_company",
                violation_error_message="This company already has a primary contact.",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Activity(models.Model):
    """One line of a company's timeline: something that happened, by whom, when."""

    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        TRIAL = "trial", "Trial"
        QUOTE = "quote", "Quote"
        LICENSE = "license", "License"
        SEATS = "seats", "Seat change"
        EMAIL = "email", "Email"
        REMINDER = "reminder", "Reminder"
        ONBOARDING = "onboarding", "Onboarding"
        FOLLOW_UP = "follow_up", "Follow-up"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["company", "-occurred_at"])]

    def __str__(self):
        return self.message
