"""An import running in the background, and what it reported."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import RestrictedQuerySet


class ImportJobQuerySet(RestrictedQuerySet):
    """A job is seen by the supervisors of its organisation (as its case would be)."""

    organisation_lookup = "organisation"


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice")
        LEDGER = "ledger", _("Ledger")
        PLAN = "plan", _("Plan table")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Not imported")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.CASCADE,
                                   related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    stored_as = models.CharField(max_length=255, blank=True, editable=False)  # in default_storage, until done
    options = models.JSONField(default=dict, blank=True, editable=False)
    size = models.PositiveIntegerField(_("size"), default=0, help_text=_("Rows or measures to import."))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    errors = models.JSONField(default=list, blank=True, editable=False)  # the row-by-row report
    result = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="importjob_state_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class ExportJobQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """An export holds what its starter may see, so only its starter sees the job and its file."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(created_by=user)


class ExportJob(models.Model):
    """A large export (CSV or the Excel ledger) written by a worker, then downloaded from its page."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel ledger (.xlsx)")

    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    state = models.CharField(_("state"), max_length=10, choices=ImportJob.State.choices,
                             default=ImportJob.State.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.CASCADE,
                                   related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    # What to export, re-read with the starter's scope when the job runs: a MeasureFilterSet query
    # string, and/or the ids an admin action selected.
    query = models.TextField(blank=True, editable=False)
    measure_ids = models.JSONField(null=True, blank=True, editable=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    stored_as = models.CharField(max_length=255, blank=True, editable=False)
    # Set when the daily clean-up deleted the file (EXPORT_KEEP_DAYS after it was written).
    file_removed_at = models.DateTimeField(_("file removed"), null=True, blank=True, editable=False)
    language = models.CharField(max_length=10, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.file_name} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in (ImportJob.State.DONE, ImportJob.State.FAILED)
