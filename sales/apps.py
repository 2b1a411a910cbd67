from django.apps import AppConfig


class SalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sales"

    def ready(self):
        # Registers the quote's kinds of outgoing email with the outbox.
        import sales.approval_emails  # noqa: F401
        import sales.emails  # noqa: F401
        import sales.follow_up_digest  # noqa: F401  (the daily digest's kind of reminder)
        import sales.portal_emails  # noqa: F401
        from sales.metrics import snapshot

        # A change to the records the figures count makes the book snapshots stale.
        snapshot.watch_changes()
