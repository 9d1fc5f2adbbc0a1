"""Source documents: inspection feedback and published progress notices."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import RestrictedQuerySet


def content_hash(text: str) -> str:
    """The identity of a text: re-importing the same text is a no-op."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NoticeQuerySet(RestrictedQuerySet):
    """Notices of the cases a person reaches (and those they imported themselves)."""

    organisation_lookup = "case__organisation"

    def unit_condition(self, unit_ids):
        from cases.models import Case

        return Q(case__in=Case.objects.all().for_unit_ids(unit_ids))

    def restrict(self, user, action="view"):
        scoped = super().restrict(user, action)
        if action == "view" and getattr(user, "is_authenticated", False) and user.is_active:
            return scoped | self.filter(case__isnull=True, imported_by=user)
        return scoped


class Notice(models.Model):
    """One source document (feedback or progress notice) and what importing it did."""

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Inspection feedback")
        PROGRESS = "progress", _("Progress notice")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROGRESS)
    title = models.CharField(_("title"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    signed_on = models.DateField(_("signed"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True, help_text=_("File name or web address."))
    raw_text = models.TextField(_("text"))
    content_hash = models.CharField(_("content hash"), max_length=64, unique=True)
    parser_version = models.CharField(_("parser version"), max_length=20, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    parsed = models.JSONField(_("parsed tree"), default=dict, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.title

    def warning_messages(self) -> list[dict]:
        """The parser's warnings in the active language (stored as message ids and parameters)."""
        from notices.parser.messages import render_stored

        return [{"code": w.get("code", ""), "line": w.get("line"), "message": render_stored(w)}
                for w in self.warnings or [] if isinstance(w, dict)]
