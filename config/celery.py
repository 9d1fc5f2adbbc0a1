"""Celery application. Reads the CELERY_* settings from Django and finds tasks in each app."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rectify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(**kwargs) -> None:
    """Around each task, what Django does around each request: drop the database connections that
    are past CONN_MAX_AGE or unusable, and have the next query check the rest (CONN_HEALTH_CHECKS).
    With CELERY_DB_REUSE_MAX set, a worker keeps its connection between tasks instead of opening a
    new one for each (see the setting)."""
    if getattr(kwargs.get("task") and kwargs["task"].request, "is_eager", False):
        return  # an eager task runs inside the caller's request or transaction: leave its connection be
    from django.db import close_old_connections as close

    close()
