from django.db import migrations

from accounts.migrations._groups import create_groups


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
