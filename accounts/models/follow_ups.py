"""What an account manager records by hand on a company: notes, calls and meetings
(interactions) and follow-up tasks with a due date.

Both may be about one of the company's trials, licenses or quotes: a generic "subject"
(content type + id), because accounts sits below licensing and sales and may not import them
(DESIGN.md). The services check that a subject is one of SUBJECT_MODELS and the company's."""

from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import Exists, OuterRef, Q

from accounts import limits
from accounts.models.companies import Company, Contact

# What a note or a follow-up may be about, besides its company ("app_label.model"), with the
# relations its label (describe_subject) reads.
SUBJECT_MODELS = {
    "licensing.trial": ["product"],
    "licensing.license": ["product"],
    "sales.quote": [],
}


def subject_prefetch(lookup: str = "subject") -> GenericPrefetch:
    """Prefetch the subjects of notes or follow-ups with what their labels read (one query
    per kind of subject), the models named by label so that accounts imports neither app."""
    return GenericPrefetch(lookup, [subjects_of(label) for label in SUBJECT_MODELS])


def subjects_of(label: str, queryset=None):
    """Rows of a subject model ("licensing.trial") with what their label reads."""
    if queryset is None:
        queryset = apps.get_model(label).objects.all()
    related = SUBJECT_MODELS[label]
    return queryset.select_related(*related) if related else queryset


def company_subjects(company: Company, label: str):
    """The company's rows of a subject model ("licensing.trial"); ValueError for a model that
    is not one of SUBJECT_MODELS."""
    if label not in SUBJECT_MODELS:
        raise ValueError(f"{label} is not a subject model.")
    return subjects_of(label, apps.get_model(label).objects.filter(company=company))


def subject_key(subject) -> str:
    """How forms name a subject: "licensing.trial:12"."""
    return f"{subject._meta.label_lower}:{subject.pk}"


def describe_subject(subject) -> str:
    """What a note or follow-up is about, in a few words ("Trial of Seatdesk Pro")."""
    label = subject._meta.label_lower
    if label == "sales.quote":
        return f"Quote {subject.reference}"
    if label == "licensing.trial":
        return f"Trial of {subject.product}, ends {subject.ends_on:%d %b %Y}"
    return f"License of {subject.product} × {subject.seats}, ends {subject.ends_on:%d %b %Y}"


class SubjectQuerySet(models.QuerySet):
    def about(self, subject):
        """The rows about `subject` (a trial, license or quote)."""
        content_type = ContentType.objects.get_for_model(subject)  # cached: no query
        return self.filter(subject_type=content_type, subject_id=subject.pk)


class Interaction(models.Model):
    """A note, call or meeting logged on a company: who, when, what was said."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="interactions")
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        help_text="Who you spoke or met with, if a contact.",
    )
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    occurred_at = models.DateTimeField(help_text="When it happened.")
    summary = models.TextField(validators=[limits.text_of_at_most(limits.TEXT_NOTES)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["company", "-occurred_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.company}"


class FollowUpQuerySet(SubjectQuerySet):
    def open(self):
        return self.filter(completed_at__isnull=True)

    def assigned_to(self, user):
        return self.filter(assignee=user)

    def overdue(self, today: date):
        return self.open().filter(due_on__lt=today)

    def agenda(self, today: date, days: int):
        """Open follow-ups by due date as the home page groups them: overdue, today and the
        next `days` days."""
        return self.open().filter(due_on__lte=today + timedelta(days=days))

    def with_parties(self):
        return self.select_related("company", "contact", "assignee", "subject_type")


def without_open_follow_up(queryset):
    """The rows of `queryset` (trials, licenses, quotes: rows with a company) that no open
    follow-up covers: none about the row itself, none about its company as a whole. Two
    anti-joins on partial indexes, so a list of them stays fast on a large book."""
    subject_type = ContentType.objects.get_for_model(queryset.model)
    open_follow_ups = FollowUp.objects.open()
    about_row = open_follow_ups.filter(subject_type=subject_type, subject_id=OuterRef("pk"))
    about_company = open_follow_ups.filter(
        subject_type__isnull=True, company_id=OuterRef("company_id")
    )
    return queryset.filter(~Exists(about_row), ~Exists(about_company))


class FollowUp(models.Model):
    """A task with a due date for an account manager: call back, send the proposal."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="follow_ups")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(
        max_length=limits.TEXT_NAME, validators=[limits.SINGLE_LINE], help_text="What to do."
    )
    due_on = models.DateField(validators=limits.DATE)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # "My follow-ups" and the digest: open ones per assignee in due date order (the id
            # too, so a group's first rows are read without sorting them all).
            models.Index(
                fields=["assignee", "due_on", "id"],
                condition=Q(completed_at__isnull=True),
                name="follow_up_open_by_assignee",
            ),
            # "Needs a next step": is there an open follow-up on this trial, license, quote...
            models.Index(
                fields=["subject_type", "subject_id"],
                condition=Q(completed_at__isnull=True),
                name="follow_up_open_by_subject",
            ),
            # ... or on its company as a whole.
            models.Index(
                fields=["company"],
                condition=Q(completed_at__isnull=True, subject_type__isnull=True),
                name="follow_up_open_on_company",
            ),
            models.Index(fields=["company", "-created_at"], name="follow_up_company_created"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None
