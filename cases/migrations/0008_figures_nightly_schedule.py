"""The nightly recount of the dashboard figures: 00:05 Asia/Shanghai, editable in the admin
(周期任务 → 仪表盘统计每日重算). Overdue and due-soon counts change with the date, and the day that
ended becomes a point of the weekly trend (cases.figures.refresh_all)."""

from django.db import migrations

NAME = "仪表盘统计每日重算"
TASK = "cases.tasks.refresh_figures"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return  # an administrator's edited schedule is never overwritten
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.create(
        name=NAME, task=TASK, crontab=crontab, enabled=True, kwargs="{}",
        description="每日零点后按新的日期重算仪表盘的逾期、即将到期统计,并记录前一日所在周的整改趋势。"
                    "未重算前仪表盘直接按事项实时统计。",
    )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_dashboard_figures_rollups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
