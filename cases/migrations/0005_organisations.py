"""Every case belongs to the organisation that must rectify it.

Existing cases join the organisation that accounts.0003 made from the existing data."""

import django.db.models.deletion
from django.db import migrations, models


def attach_cases(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        organisation = Organisation.objects.create(name="本单位", kind="county", path="")
        organisation.path = f"/{organisation.pk}/"
        organisation.save(update_fields=["path"])
    Case.objects.update(organisation=organisation)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_organisations"),
        ("cases", "0004_reminders_stranded_sweep"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="organisation",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="cases",
                to="accounts.organisation", verbose_name="organisation",
                help_text="The organisation that must rectify; its supervisors, and those above it, follow the case.",
            ),
        ),
        migrations.RunPython(attach_cases, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="cases", to="accounts.organisation",
                verbose_name="organisation",
                help_text="The organisation that must rectify; its supervisors, and those above it, follow the case.",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["organisation", "-feedback_on"], name="case_org_feedback_idx"),
        ),
    ]
