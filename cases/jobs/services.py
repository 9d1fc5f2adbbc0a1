"""Start an import as a background job, run it, and record its progress and outcome.

An import whose size (rows or measures) or file passes the settings `IMPORT_BACKGROUND_ROWS`
/ `IMPORT_BACKGROUND_BYTES` leaves the request: the checked file is stored, a job row is
created and the Celery task is queued when the transaction commits, and the person watches the
job's status page. Smaller imports stay synchronous. The task claims the job with a
conditional update (queued → running), so a task delivered twice runs once.

The runner of each kind does the import exactly as the synchronous path does (same service,
same all-or-nothing transaction) and reports its stages through `report(percent, stage)`.
Messages are written in the language of the person who started the job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ImportJob

log = logging.getLogger(__name__)

Report = Callable[[int, str], None]
# (job, file content, report) → (message, result, case id); raises JobRefused for a refusal.
Runner = Callable[[ImportJob, bytes, Report], tuple[str, dict[str, Any], int | None]]
_RUNNERS: dict[str, Runner] = {}


class JobRefused(Exception):
    """The import was refused (nothing written): `errors` is the row-by-row report."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def register(kind: str, runner: Runner) -> None:
    _RUNNERS[kind] = runner


def should_queue(*, rows: int, size: int) -> bool:
    """True when an import of `rows` rows or measures (or a file of `size` bytes) is heavy."""
    return rows > settings.IMPORT_BACKGROUND_ROWS or size > settings.IMPORT_BACKGROUND_BYTES


def read_in_background(size: int) -> bool:
    """True when a file of `size` bytes is too big to be read in the request: its check is a job."""
    return size > settings.IMPORT_BACKGROUND_BYTES


def refuse_too_large(size: int) -> None:
    """Refuse, before anything is stored or queued, a file past the import limit (cases.limits)."""
    from cases import limits

    if refusal := limits.file_too_large(size):
        raise JobRefused(refusal)


def start_job(*, kind: str, user, data: bytes, file_name: str, organisation=None, case=None, size: int = 0,
              options: dict[str, Any] | None = None, preview: bool = False, then: str = "") -> ImportJob:
    """Store the file, create the job and queue it on commit. `options` must be JSON.

    `preview`: the job only checks the file and records the preview as its result (nothing is
    written); `then` is the page the status page leads to once it is done (the preview's)."""
    if kind not in _RUNNERS:
        raise ValueError(f"no runner for import jobs of kind {kind!r}")
    refuse_too_large(len(data))
    stored = default_storage.save(f"import-jobs/{uuid.uuid4().hex}.bin", ContentFile(data))
    job = ImportJob.objects.create(
        kind=kind, created_by=user, organisation=organisation, case=case, file_name=file_name[:255],
        stored_as=stored, size=size, stage=_("Waiting for a worker"),
        options={**(options or {}), "language": translation.get_language() or settings.LANGUAGE_CODE,
                 "preview": preview, "then": then},
    )
    from .tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def run_job(job_id: int) -> str:
    """Run a queued job; returns its final state (or "skipped" when another run has it)."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now(), progress=1)
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("created_by", "organisation", "case").get(pk=job_id)
    with translation.override(job.options.get("language") or settings.LANGUAGE_CODE):
        return _run(job)


def _run(job: ImportJob) -> str:
    def report(percent: int, stage: str) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=max(1, min(int(percent), 99)), stage=stage[:200])

    report(2, _("Reading the file"))
    try:
        with default_storage.open(job.stored_as, "rb") as stored:
            data = stored.read()
        message, result, case_id = _RUNNERS[job.kind](job, data, report)
    except JobRefused as exc:
        _finish(job, state=ImportJob.State.FAILED, message=exc.message, errors=exc.errors)
    except Exception as exc:  # the job must end, with a message, whatever happened
        log.exception("import job %s failed", job.pk)
        _finish(job, state=ImportJob.State.FAILED,
                message=_("The import failed and nothing was written: %(error)s") % {"error": exc})
    else:
        _finish(job, state=ImportJob.State.DONE, message=message, result=result, case_id=case_id)
    return ImportJob.objects.values_list("state", flat=True).get(pk=job.pk)


def _finish(job: ImportJob, *, state: str, message: str, errors=None, result=None, case_id=None) -> None:
    values = {"state": state, "message": message, "errors": errors or [], "result": result,
              "finished_at": timezone.now(), "progress": 100,
              "stage": _("Done") if state == ImportJob.State.DONE else _("Not imported")}
    if case_id is not None:
        values["case_id"] = case_id
    ImportJob.objects.filter(pk=job.pk).update(**values)
    if job.stored_as:
        default_storage.delete(job.stored_as)
        ImportJob.objects.filter(pk=job.pk).update(stored_as="")


def _run_ledger(job: ImportJob, data: bytes, report: Report) -> tuple[str, dict[str, Any], int | None]:
    from cases import ledger

    report(10, _("Checking every row"))
    if job.options.get("preview"):
        result = ledger.read_ledger(data, file_name=job.file_name, user=job.created_by, case=job.case)
        if result.ok:
            try:
                ledger.apply_ledger(result, user=job.created_by, dry_run=True)
            except ledger.LedgerRejected as exc:
                result = exc.result
        if not result.ok:
            raise JobRefused(_("The ledger cannot be imported as it is; nothing was written."),
                             [e.as_dict() for e in result.errors])
        return (_("Ledger checked: %(summary)s") % {"summary": ledger.summary_text(result.summary)},
                {**result.as_dict(), "dry_run": True, "report": result.report()},
                result.case.pk if result.case else None)
    try:
        result = ledger.import_ledger(data, file_name=job.file_name, user=job.created_by, case=job.case)
    except ledger.LedgerRejected as exc:
        raise JobRefused(_("The ledger was not imported; nothing was written."),
                         [e.as_dict() for e in exc.result.errors]) from exc
    message = _("Ledger imported: %(summary)s") % {"summary": ledger.summary_text(result.summary)}
    return message, {"summary": result.summary}, result.case.pk if result.case else None


register(ImportJob.Kind.LEDGER, _run_ledger)
