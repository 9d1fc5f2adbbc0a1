"""Organisations above units and cases; unit names unique per organisation.

Existing data becomes one organisation, named after the body its cases rectify (the most
common `Case.inspected_body`, else "本单位"); every unit joins it, and everyone whose groups
let them read every unit (supervisors, administrators) becomes its supervisor, so nobody
loses sight of anything they saw before.
"""

from collections import Counter

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_first_organisation(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    OrganisationMembership = apps.get_model("accounts", "OrganisationMembership")
    Unit = apps.get_model("accounts", "Unit")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    if not (Unit.objects.exists() or Case.objects.exists() or User.objects.exists()):
        return  # a fresh database: the demo or the administrator creates organisations
    bodies = Counter(Case.objects.values_list("inspected_body", flat=True))
    name = (bodies.most_common(1)[0][0] if bodies else "") or "本单位"
    organisation = Organisation.objects.create(name=name[:200], kind="county", path="")
    organisation.path = f"/{organisation.pk}/"
    organisation.save(update_fields=["path"])
    Unit.objects.update(organisation=organisation)
    readers = User.objects.filter(
        models.Q(is_superuser=False)
        & (models.Q(groups__permissions__codename="view_all_measures")
           | models.Q(user_permissions__codename="view_all_measures"))
    ).distinct()
    OrganisationMembership.objects.bulk_create(
        [OrganisationMembership(user=u, organisation=organisation, role="supervisor") for u in readers]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_groups"),
        ("cases", "0004_reminders_stranded_sweep"),
    ]

    operations = [
        migrations.CreateModel(
            name="Organisation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("path", models.CharField(db_index=True, default="", editable=False, max_length=255)),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("short_name", models.CharField(blank=True, help_text="Used in document numbers, e.g. 青整督",
                                                max_length=20, verbose_name="short name")),
                ("kind", models.CharField(choices=[("province", "Province"), ("city", "City"),
                                                   ("county", "County / district"), ("department", "Department"),
                                                   ("enterprise", "State enterprise"), ("university", "University"),
                                                   ("township", "Township / subdistrict"), ("other", "Other")],
                                          default="county", max_length=20, verbose_name="kind")),
                ("email", models.EmailField(blank=True, help_text="The rectification office's mailbox.",
                                            max_length=254, verbose_name="office e-mail")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("parent", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                             related_name="children", to="accounts.organisation",
                                             verbose_name="parent organisation")),
            ],
            options={"verbose_name": "organisation", "verbose_name_plural": "organisations", "ordering": ["path"]},
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(fields=("parent", "name"), name="organisation_unique_name_per_parent"),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(condition=models.Q(parent__isnull=True), fields=("name",),
                                               name="organisation_unique_root_name"),
        ),
        migrations.CreateModel(
            name="OrganisationMembership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("supervisor", "Rectification office (整改办)"),
                                                   ("leader", "Leader")],
                                          default="supervisor", max_length=20, verbose_name="role in organisation")),
                ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="memberships", to="accounts.organisation",
                                                   verbose_name="organisation")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                           related_name="organisation_memberships", to=settings.AUTH_USER_MODEL,
                                           verbose_name="user")),
            ],
            options={"verbose_name": "organisation membership", "verbose_name_plural": "organisation memberships"},
        ),
        migrations.AddConstraint(
            model_name="organisationmembership",
            constraint=models.UniqueConstraint(fields=("user", "organisation"), name="orgmembership_unique_user_org"),
        ),
        migrations.AddField(
            model_name="unit",
            name="organisation",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="units",
                                    to="accounts.organisation", verbose_name="organisation"),
        ),
        migrations.RunPython(create_first_organisation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="unit",
            name="organisation",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="units",
                                    to="accounts.organisation", verbose_name="organisation"),
        ),
        migrations.AlterField(
            model_name="unit",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(fields=("organisation", "name"),
                                               name="unit_unique_name_per_organisation"),
        ),
    ]
