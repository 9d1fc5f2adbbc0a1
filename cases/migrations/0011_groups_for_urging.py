"""Supervisors get the urging ladder, letters and channels; staff read their units' letters."""

from django.db import migrations

from accounts.migrations._groups import create_groups


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_urging_daily_schedule")]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
