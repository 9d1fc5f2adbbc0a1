"""Files the jobs leave behind, deleted when nobody can want them any more.

- A finished export's file, `EXPORT_KEEP_DAYS` after it was written: it holds a snapshot of
  what its starter could see that day, and a province's full ledger is tens of megabytes. The
  job stays (its page says the file was removed and offers to export again).
- An upload that was checked and never confirmed (the admin's pending files: `ledger-imports/`,
  `notice-imports/`, `plan-imports/`), and the stored input of an import job that never finished (a worker lost
  mid-run), after `PENDING_UPLOAD_KEEP_HOURS`.

Run daily by beat (`cases.jobs.purge_old_files`); `manage.py shell -c` can call it by hand.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext

from .models import ExportJob, ImportJob

log = logging.getLogger(__name__)

PENDING_DIRECTORIES = ("ledger-imports", "notice-imports", "plan-imports")


def purge_old_files(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete expired files; how many of each kind went."""
    now = now or timezone.now()
    exports_before = now - datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    uploads_before = now - datetime.timedelta(hours=settings.PENDING_UPLOAD_KEEP_HOURS)
    counts = {"exports": 0, "uploads": 0, "import_jobs": 0}
    for job in ExportJob.objects.filter(finished_at__lt=exports_before).exclude(stored_as="").only("pk", "stored_as"):
        _delete(job.stored_as)
        ExportJob.objects.filter(pk=job.pk).update(stored_as="", file_removed_at=now)
        counts["exports"] += 1
    # A finished job deleted its input itself; one still unfinished a day later lost its worker.
    stale_jobs = ImportJob.objects.filter(created_at__lt=uploads_before).exclude(stored_as="")
    for import_job in stale_jobs.only("pk", "stored_as", "state"):
        _delete(import_job.stored_as)
        changes: dict = {"stored_as": ""}
        if import_job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING):
            changes.update(state=ImportJob.State.FAILED, finished_at=now, message=gettext(
                "No worker finished this import within a day; nothing was imported. Upload the file again."))
        ImportJob.objects.filter(pk=import_job.pk).update(**changes)
        counts["import_jobs"] += 1
    for directory in PENDING_DIRECTORIES:
        try:
            _dirs, files = default_storage.listdir(directory)
        except FileNotFoundError:
            continue
        for name in files:
            path = f"{directory}/{name}"
            if default_storage.get_modified_time(path) < uploads_before:
                _delete(path)
                counts["uploads"] += 1
    if any(counts.values()):
        log.info("purged old job files: %s", counts)
    return counts


def _delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError as exc:  # a file already gone, or a storage hiccup: try again tomorrow
        log.warning("could not delete %s: %s", name, exc)
