"""The deployment's default ladder: three-colour warnings and a 督办函, in working days."""

from django.db import migrations

DEFAULT_LEVELS = [
    # rank, name, threshold (working days from the deadline), colour, recipients, document
    (1, "绿色提醒", -20, "green", {}, "reminder"),
    (2, "黄色预警", -10, "yellow", {"to_lead_leader": True}, "reminder"),
    (3, "红色警示", 0, "red", {"to_lead_leader": True, "to_unit_head": True, "to_principal_leader": True},
     "reminder"),
    (4, "督办函", 10, "red", {"to_lead_leader": True, "to_unit_head": True, "to_principal_leader": True},
     "supervision"),
]


def create(apps, schema_editor):
    Ladder = apps.get_model("cases", "Ladder")
    LadderLevel = apps.get_model("cases", "LadderLevel")
    if Ladder.objects.filter(organisation__isnull=True).exists():
        return
    ladder = Ladder.objects.create(name="默认督办阶梯(三色预警)")
    for rank, name, threshold, colour, recipients, document in DEFAULT_LEVELS:
        LadderLevel.objects.create(ladder=ladder, rank=rank, name=name, threshold_days=threshold, colour=colour,
                                   document=document, reply_days=5, **recipients)


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_urging_ladder_and_letters")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
