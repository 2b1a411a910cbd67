from django.apps import AppConfig

# Kinds of license_started that begin an onboarding; a renewal keeps the one already done.
STARTING_KINDS = frozenset({"new", "trial_conversion"})


def start_onboarding_on_license_start(sender, *, license, kind, **kwargs):
    from onboarding.services import start_onboarding

    if kind in STARTING_KINDS:
        start_onboarding(license=license)


def add_education_task_on_seats_added(sender, *, license, seat_change, **kwargs):
    from onboarding.services import add_expansion_task

    add_expansion_task(license=license, seat_change=seat_change)


def add_tasks_on_usage_recorded(sender, *, license_ids, **kwargs):
    from onboarding.services import add_low_adoption_tasks

    add_low_adoption_tasks(license_ids=license_ids)


class OnboardingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "onboarding"

    def ready(self):
        from licensing.reminders import register_kind, user_digest_recipients
        from licensing.signals import license_started, seats_added, usage_recorded
        from onboarding.digests import DIGEST, build_digest

        license_started.connect(
            start_onboarding_on_license_start, dispatch_uid="onboarding_license_started"
        )
        seats_added.connect(
            add_education_task_on_seats_added, dispatch_uid="onboarding_seats_added"
        )
        usage_recorded.connect(add_tasks_on_usage_recorded, dispatch_uid="onboarding_usage")
        register_kind(DIGEST, recipients=user_digest_recipients, build=build_digest)
