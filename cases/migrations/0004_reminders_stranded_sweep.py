"""Every 30 minutes, queue the week's reminders that were planned but never queued
(cases.tasks.send_stranded_reminders), so a broker outage loses nothing."""

from django.db import migrations

NAME = "补发未投递的整改提醒"
TASK = "cases.tasks.send_stranded_reminders"


def create_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every, _ = IntervalSchedule.objects.get_or_create(every=30, period="minutes")
    PeriodicTask.objects.create(
        name=NAME, task=TASK, interval=every, enabled=True, kwargs="{}",
        description="每30分钟检查本周已生成但未投递的提醒(如发送时消息队列不可用),重新投递;不会重复发送。",
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_reminders_weekly_schedule")]

    operations = [migrations.RunPython(create_sweep, remove_sweep)]
