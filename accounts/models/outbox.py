"""The email outbox: one row per email to send (accounts/outbox.py holds its rules and writes)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models.companies import Company


class OutboxMessageQuerySet(models.QuerySet):
    """Reads of the email outbox (accounts/outbox.py holds its rules and its writes)."""

    def due(self, now, lease_cutoff):
        """Waiting to go now: pending and due, or left `sending` past its lease by a crash."""
        return self.filter(
            Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=lease_cutoff)
        )

    def stuck(self, cutoff):
        """Not sent although it should have been by `cutoff`: due since then and not sent,
        retried since then (the mail server refuses or is down), or `sending` since then (its
        worker died)."""
        return self.filter(self._stuck_since(cutoff))

    @staticmethod
    def _stuck_since(cutoff) -> Q:
        pending = OutboxMessage.Status.PENDING
        return (
            Q(status=pending, next_attempt_at__lt=cutoff)
            | Q(status=pending, attempts__gt=0, created_at__lt=cutoff)
            | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=cutoff)
        )

    def failed(self):
        return self.filter(status=OutboxMessage.Status.FAILED)

    def needing_attention(self, cutoff):
        """Failed, or stuck since before `cutoff`: what administrators should look at."""
        return self.filter(Q(status=OutboxMessage.Status.FAILED) | self._stuck_since(cutoff))

    def for_source(self, kind: str, source_id: int):
        return self.filter(kind=kind, source_id=source_id)


class OutboxMessage(models.Model):
    """One email to one recipient, written in the same transaction as the business change
    that causes it; the outbox dispatcher sends it (at least once; its Message-ID stays the
    same on every attempt, so a rare second delivery collapses into one in the mail client).
    `kind` and `source_id` name what it is about ("reminder" 12, "quote" 7); the app that owns
    the kind composes the email when it goes out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (no longer wanted)"

    key = models.CharField(max_length=200, unique=True, help_text="One message per key")
    kind = models.CharField(max_length=40)
    source_id = models.BigIntegerField()
    recipient = models.EmailField(max_length=254)
    audience = models.CharField(max_length=20, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outgoing email"
        indexes = [
            models.Index(fields=["kind", "source_id"]),
            # The dispatcher's scan: only the rows still to send are indexed.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="outbox_unsent_next_attempt",
            ),
            # The failed count on the administrator's home and /healthz: the few failed rows.
            models.Index(fields=["id"], condition=Q(status="failed"), name="outbox_failed"),
        ]

    def __str__(self):
        return f"{self.subject or self.kind} to {self.recipient}"

    @property
    def message_id(self) -> str:
        """The same on every attempt of this row, different for every row."""
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "seatdesk"
        return f"<outbox.{self.pk}.{self.created_at:%Y%m%d%H%M%S}@{domain}>"
