from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, ExpressionWrapper, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Lower
from simple_history.models import HistoricalRecords


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


class CompanyQuerySet(models.QuerySet):
    """Company reads. Licensing data is reached through the reverse relations, so that
    accounts does not import licensing (imports flow accounts <- licensing)."""

    def for_owner(self, user):
        return self.filter(owner=user)

    def active(self):
        """Companies not archived: what lists show unless asked for the archived ones."""
        return self.filter(archived_at__isnull=True)

    def with_seats(self):
        """Annotate licensed_seats and annual_value (seats x unit price x periods per year)
        over active licenses."""
        active = Q(licenses__status="active")
        periods_per_year = Case(
            When(licenses__product__billing_period="month", then=Value(12)), default=Value(1)
        )
        money = models.DecimalField(max_digits=18, decimal_places=2)
        return self.annotate(
            licensed_seats=Coalesce(Sum("licenses__seats", filter=active), Value(0)),
            annual_value=Coalesce(
                Sum(
                    F("licenses__seats") * F("licenses__unit_price") * periods_per_year,
                    filter=active,
                    output_field=money,
                ),
                Value(Decimal("0.00")),
                output_field=money,
            ),
        )

    def with_penetration(self):
        """Annotate penetration: licensed seats per 100 employees (needs with_seats; None when
        the headcount is unknown)."""
        return self.annotate(
            penetration=Case(
                When(
                    employee_count__gt=0,
                    then=ExpressionWrapper(
                        F("licensed_seats") * Value(100.0) / F("employee_count"),
                        output_field=models.FloatField(),
                    ),
                ),
                default=None,
                output_field=models.FloatField(),
            )
        )

    def with_status(self):
        """Annotate status: customer (an active license), trial (an active trial),
        churned (licenses, none active), else prospect."""
        licenses = self.model._meta.get_field("licenses").related_model.objects.filter(
            company=OuterRef("pk")
        )
        trials = self.model._meta.get_field("trials").related_model.objects.filter(
            company=OuterRef("pk")
        )
        return self.annotate(
            status=Case(
                When(Exists(licenses.filter(status="active")), then=Value(CompanyStatus.CUSTOMER)),
                When(Exists(trials.filter(status="active")), then=Value(CompanyStatus.TRIAL)),
                When(Exists(licenses), then=Value(CompanyStatus.CHURNED)),
                default=Value(CompanyStatus.PROSPECT),
                output_field=models.CharField(),
            )
        )


class Company(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=40, choices=Industry.choices, default=Industry.OTHER)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. FR")
    employee_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Employee headcount"
    )
    target_seats = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seats agreed as the goal early in the relationship"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="companies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the company is archived: hidden from lists, its records kept.",
    )

    objects = CompanyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Contact(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    is_decision_maker = models.BooleanField(default=False)
    is_billing_contact = models.BooleanField(default=False)
    is_champion = models.BooleanField(default=False)
    is_primary = models.BooleanField(default=False)
    accepts_reminders = models.BooleanField(
        default=True, help_text="Untick to send this contact no reminder emails."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
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


class RoleChange(models.Model):
    """A role given to or taken from a user (group membership), by whom, when: the history
    of users' roles, which Django's own tables do not keep."""

    class Action(models.TextChoices):
        GIVEN = "given", "Given"
        TAKEN = "taken", "Taken"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_changes"
    )
    role = models.CharField(max_length=150)
    action = models.CharField(max_length=5, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.role} {self.get_action_display().lower()}: {self.user}"
