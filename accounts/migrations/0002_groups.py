from django.db import migrations


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


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cases", "0002_initial"),
        ("notices", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
