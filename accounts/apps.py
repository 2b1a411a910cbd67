from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from accounts.roles import sync_role_groups

    # post_migrate fires once per app: sync after the last one, when every permission exists.
    # A test flush sends it without `apps`; the global registry is right then.
    if sender is list(global_apps.get_app_configs())[-1]:
        sync_role_groups(apps)


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        # Also after a test flush, and whenever a migration adds permissions.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
        import accounts.lookups  # noqa: F401  (registers `__any`)
        from accounts.history import connect_role_history

        connect_role_history()
