from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, using, **kwargs):
    """After every `migrate`, the role groups hold exactly what `accounts.roles` grants, the
    permissions of models added since included (those exist only once migrations have run)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from accounts.roles import sync_groups

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and units")

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="accounts.sync_roles")
        from accounts import audit, tokens

        audit.connect()
        tokens.connect()

