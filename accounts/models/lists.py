"""Filters a user saved on a list, to open it again as they left it."""

from django.conf import settings
from django.db import models

from accounts import limits

# A saved filter is a list's address query: a few fields, never long.
SAVED_FILTER_QUERY = 1_000
SAVED_FILTER_NAME = 80


class SavedFilter(models.Model):
    class List(models.TextChoices):
        COMPANIES = "companies", "Companies"
        QUOTES = "quotes", "Quotes"
        TRIALS = "trials", "Trials"
        LICENSES = "licenses", "Licenses"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_key = models.CharField("list", max_length=20, choices=List.choices)
    name = models.CharField(max_length=SAVED_FILTER_NAME, validators=[limits.SINGLE_LINE])
    query = models.CharField(
        max_length=SAVED_FILTER_QUERY, blank=True, help_text="The list's filter and sort"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"],
                name="saved_filter_name_unique_per_list",
                violation_error_message="You already have a filter of this name on this list.",
            )
        ]

    def __str__(self):
        return self.name
