from django.apps import AppConfig


class LicensingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "licensing"

    def ready(self):
        # Registers the reminder kinds, and the reminders' kind of outgoing email.
        import licensing.reminder_emails  # noqa: F401
