"""Creating the role groups from a migration: shared by every migration that changes them."""


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations run; create them now so the
    # groups can be given theirs in this same migrate.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    from accounts.roles import sync_groups

    sync_groups(apps)
