"""Imports of companies and contacts from a spreadsheet: one row per upload, holding the
table read from the file, the column mapping, and what the check (dry run) found per row."""

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Columns to map"
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked: ready to apply"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    file_name = models.CharField(max_length=255)
    # The table as read from the file: its header row and its rows, every cell a string.
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    # Seatdesk field -> index of the column it is read from.
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    rows_done = models.PositiveIntegerField(default=0)
    # Per row: {"row", "action", "company", "contact", "changes", "errors"} (see accounts/imports.py).
    results = models.JSONField(default=list)
    counts = models.JSONField(default=dict)
    # What the check decided to write, so that the apply writes it without checking every row
    # again: {"companies": [...], "contacts": [...], "seen": {...}} (see accounts/imports.py).
    writes = models.JSONField(default=dict)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Import of {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    @property
    def percent_done(self) -> int:
        return round(100 * self.rows_done / len(self.rows)) if self.rows else 100
