"""Large exports as background jobs: the ledger (.xlsx) or its CSV, written by a worker.

Both exports stream at any size (constant statements and memory: `cases.ledger`), but a
province's 85,000 overdue items or 400,000 measures take longer than the web server's
timeout. Past `EXPORT_BACKGROUND_ROWS` rows (`EXPORT_CSV_BACKGROUND_ROWS` for CSV) an
export leaves the request: an `ExportJob` records what to export (the filter's query string
and/or the selected ids) and the Celery task is queued on commit; the person watches the
job's page, which shows the rows written, then a download link. The worker reads the
measures again with the starter's own scope (`Measure.objects.restrict`), so the file holds
exactly what they could export by hand, and only the starter sees the job and its file. The
task claims its job (queued → running) with a conditional update, so a task delivered twice
writes once.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from types import SimpleNamespace

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ExportJob, ImportJob

log = logging.getLogger(__name__)


def should_export_in_background(rows: int, fmt: str) -> bool:
    limit = settings.EXPORT_CSV_BACKGROUND_ROWS if fmt == ExportJob.Format.CSV else settings.EXPORT_BACKGROUND_ROWS
    return rows > limit


def start_export(*, user, fmt: str, rows: int, file_name: str, query: str = "", measure_ids=None,
                 case=None) -> ExportJob:
    """Record the export and queue its task once the transaction commits."""
    job = ExportJob.objects.create(
        format=fmt, created_by=user, case=case, query=query, rows=rows, file_name=file_name[:255],
        measure_ids=sorted(measure_ids) if measure_ids is not None else None, stage=_("Waiting for a worker"),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    from .tasks import run_export_job

    transaction.on_commit(lambda: run_export_job.delay(job.pk))
    return job


def measures_of(job: ExportJob):
    """The job's measures, read now with its starter's scope and filters."""
    from cases.filters import MeasureFilterSet
    from cases.models import Measure

    measures = Measure.objects.restrict(job.created_by)
    if job.case_id:
        measures = measures.filter(case_id=job.case_id)
    if job.measure_ids is not None:
        measures = measures.filter(pk__in=job.measure_ids)
    if job.query:
        filterset = MeasureFilterSet(QueryDict(job.query), queryset=measures,
                                     request=SimpleNamespace(user=job.created_by))
        measures = filterset.qs
    return measures.order_by()


def run_export(job_id: int) -> str:
    """Run a queued export; its final state ("skipped" when another run has it)."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now(), progress=1)
    if not claimed:
        return "skipped"
    job = ExportJob.objects.select_related("created_by", "case").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            _write(job)
        except Exception as exc:  # the job must end, with a message, whatever happened
            log.exception("export job %s failed", job.pk)
            ExportJob.objects.filter(pk=job.pk).update(
                state=ImportJob.State.FAILED, finished_at=timezone.now(), progress=100, stage=_("Failed"),
                message=_("The export failed: %(error)s") % {"error": exc})
    return ExportJob.objects.values_list("state", flat=True).get(pk=job.pk)


def _write(job: ExportJob) -> None:
    from cases import ledger

    total = max(job.rows, 1)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(
            progress=max(1, min(99, 100 * done // total)),
            stage=_("%(done)s of %(total)s rows written") % {"done": f"{done:,}", "total": f"{job.rows:,}"})

    measures = measures_of(job)
    with tempfile.TemporaryFile() as out:
        if job.format == ExportJob.Format.CSV:
            for line in ledger.ledger_csv_lines(measures, progress=progress):
                out.write(line.encode("utf-8"))
        else:
            title = ledger.ledger_title(job.case) if job.case else None
            ledger.write_ledger_xlsx(measures, out, title=title, progress=progress)
        out.seek(0)
        stored = default_storage.save(f"exports/{uuid.uuid4().hex}/{job.file_name}", File(out))
    ExportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, finished_at=timezone.now(), progress=100, stored_as=stored, stage=_("Done"),
        message=_("The export is ready: %(rows)s rows.") % {"rows": f"{measures.count():,}"})
