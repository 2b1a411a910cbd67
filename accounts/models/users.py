"""API tokens and the history of users' roles."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from knox.models import AbstractAuthToken, AuthTokenManager


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now):
        return self.filter(Q(expiry__isnull=True) | Q(expiry__gt=now))


class ApiToken(AbstractAuthToken):
    """An API client's token (django-rest-knox): only its hash is stored, the key is shown once.
    A read-only token may only read; a read-write one acts with its user's role; a usage-feed
    token (of a Usage feed machine account) may only post seat usage."""

    class Scope(models.TextChoices):
        READ_ONLY = "read", "Read-only"
        READ_WRITE = "write", "Read-write"
        USAGE = "usage", "Usage feed"

    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ_ONLY)

    objects = AuthTokenManager.from_queryset(ApiTokenQuerySet)()

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.user})"

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ_ONLY

    @property
    def usage_only(self) -> bool:
        return self.scope == self.Scope.USAGE

    def is_expired(self, now) -> bool:
        return self.expiry is not None and self.expiry <= now


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
