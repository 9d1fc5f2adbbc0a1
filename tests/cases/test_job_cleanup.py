"""The daily clean-up of the files jobs leave behind (cases/jobs/cleanup.py)."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from cases.jobs import cleanup
from cases.jobs.models import ExportJob, ImportJob
from cases.jobs.tasks import purge_old_files

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _export(user, *, age: datetime.timedelta) -> ExportJob:
    stored = default_storage.save("exports/t/台账.xlsx", ContentFile(b"xlsx"))
    return ExportJob.objects.create(format="xlsx", state="done", created_by=user, file_name="台账.xlsx",
                                    stored_as=stored, finished_at=timezone.now() - age, message="导出已完成")


def _aged(path: str, age: datetime.timedelta) -> None:
    when = (timezone.now() - age).timestamp()
    os.utime(default_storage.path(path), (when, when))


def test_an_old_export_loses_its_file_and_its_page_says_so(client, supervisor, settings):
    settings.EXPORT_KEEP_DAYS = 7
    old, fresh = _export(supervisor, age=8 * DAY), _export(supervisor, age=6 * DAY)

    counts = purge_old_files()

    assert counts["exports"] == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.stored_as == "" and old.file_removed_at is not None
    assert fresh.stored_as and default_storage.exists(fresh.stored_as) and fresh.file_removed_at is None
    client.force_login(supervisor)
    page = client.get(reverse("admin:cases_export_job", args=[old.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = page.content.decode()
    assert 'id="export-download"' not in body and "文件已于" in body and "7 天" in body
    assert client.get(reverse("admin:cases_export_download", args=[old.pk])).status_code == 404
    assert client.get(reverse("admin:cases_export_job", args=[old.pk]), {"format": "json"}).json()["download"] is None


@pytest.mark.parametrize("directory", ["ledger-imports", "notice-imports", "plan-imports"])
def test_an_unconfirmed_upload_goes_after_a_day_and_a_recent_one_stays(settings, directory):
    settings.PENDING_UPLOAD_KEEP_HOURS = 24
    stale = default_storage.save(f"{directory}/a", ContentFile(b"x"))
    recent = default_storage.save(f"{directory}/b", ContentFile(b"y"))
    _aged(stale, 25 * datetime.timedelta(hours=1))

    assert cleanup.purge_old_files()["uploads"] == 1
    assert not default_storage.exists(stale) and default_storage.exists(recent)
    default_storage.delete(recent)


def test_an_import_job_no_worker_finished_fails_with_a_reason_and_loses_its_input(supervisor):
    stored = default_storage.save("import-jobs/x.bin", ContentFile(b"data"))
    job = ImportJob.objects.create(kind="ledger", created_by=supervisor, file_name="台账.xlsx", stored_as=stored)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - 2 * DAY)

    assert cleanup.purge_old_files()["import_jobs"] == 1
    job.refresh_from_db()
    assert job.state == "failed" and job.stored_as == "" and "重新上传" in job.message
    assert not default_storage.exists(stored)


def test_nothing_to_do_is_nothing_done():
    assert cleanup.purge_old_files() == {"exports": 0, "uploads": 0, "import_jobs": 0}


def test_the_clean_up_runs_daily_from_beat():
    """The migration's schedule (run again here: a transactional test elsewhere may have flushed
    the rows data migrations made), once however often it runs."""
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("cases.migrations.0025_export_file_removed")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)
    task = PeriodicTask.objects.get(task="cases.jobs.purge_old_files")
    assert task.enabled and task.crontab.hour == "3" and task.crontab.minute == "30"
