"""Every working day at 07:00 Asia/Shanghai: items move up the urging ladder, letters due at
their level are issued and unanswered letters past their reply deadline climb
(cases.tasks.run_daily_urging; on a public holiday it does nothing)."""

from django.db import migrations

NAME = "每日督办阶梯"
TASK = "cases.tasks.run_daily_urging"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.create(
        name=NAME, task=TASK, crontab=crontab, enabled=True, kwargs="{}",
        description="每个工作日更新事项的督办等级,按阶梯自动签发预警函/督办函,逾期未签收或未反馈的函件升级一级。",
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_default_urging_ladder"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
