"""Give the role groups the permissions of the organisation models (accounts.0003)."""

from django.db import migrations

from accounts.migrations import _groups


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organisations"),
        ("cases", "0005_organisations"),
    ]

    operations = [migrations.RunPython(_groups.create_groups, migrations.RunPython.noop)]
