"""The default weekly reminder schedule: Monday 09:00 Asia/Shanghai, editable in the admin
(周期任务 → 每周整改提醒). A run that falls on a public holiday defers itself to the next
working day (cases.tasks.run_weekly_reminders)."""

from django.db import migrations

NAME = "每周整改提醒"
TASK = "cases.tasks.run_weekly_reminders"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return  # an administrator's edited schedule is never overwritten
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="9", day_of_week="1", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.create(
        name=NAME, task=TASK, crontab=crontab, enabled=True, kwargs="{}",
        description="每周向责任单位、联络员发送逾期和即将到期事项提醒,向牵头领导和单位负责人发送督办提醒,"
                    "向督导人员发送汇总。遇法定节假日自动顺延至下一个工作日。",
    )
    # Tell a running beat that the schedule changed (the admin does the same on save).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
