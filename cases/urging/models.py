"""The urging ladder (督办阶梯) and the numbered letters (督办函 / 预警函) it issues.

A `Ladder` belongs to an organisation (or, with no organisation, is the deployment's default);
a case may name its own. Its `LadderLevel`s are thresholds in working days relative to an
item's deadline (negative: before it; 0: overdue; N: overdue by N working days), each with a
colour, who is told, and which document goes out. An item's current level is stored on the
measure (`Measure.urging_level`), refreshed every working day by `cases.urging.levels`.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Unit
from accounts.scoping import RestrictedQuerySet, Scope
from cases.delivery.outbox import DeliveryRecord


class Colour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class Document(models.TextChoices):
    REMINDER = "reminder", _("Reminder (提醒)")
    WARNING = "warning", _("Warning letter (预警函)")
    SUPERVISION = "supervision", _("Supervision letter (督办函)")
    CIRCULAR = "circular", _("Circular (通报)")


# Letters are numbered documents; a reminder or a circular goes out in the weekly mail.
LETTER_DOCUMENTS = (Document.WARNING, Document.SUPERVISION)


class LadderQuerySet(RestrictedQuerySet):
    organisation_lookup = "organisation"


class Ladder(models.Model):
    name = models.CharField(_("name"), max_length=100)
    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="urging_ladder", help_text=_("Empty: the default for organisations without their own."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = LadderQuerySet.as_manager()

    class Meta:
        verbose_name = _("urging ladder")
        verbose_name_plural = _("urging ladders")
        ordering = ["organisation__path", "pk"]

    def __str__(self) -> str:
        return self.name


class LadderLevelQuerySet(RestrictedQuerySet):
    """Levels of the ladders that can apply to a person's items: their organisations' own
    ladders and the deployment's default (which every organisation without its own follows)."""

    organisation_lookup = "ladder__organisation"

    def unit_condition(self, unit_ids: frozenset[int]) -> Q | None:
        return Q(ladder__organisation_id__in=Unit.objects.filter(pk__in=sorted(unit_ids)).values("organisation_id"))

    def scope_condition(self, scope: Scope) -> Q | None:
        condition = super().scope_condition(scope)
        if condition is None:
            return None
        return condition | Q(ladder__organisation__isnull=True)


class LadderLevel(models.Model):
    ladder = models.ForeignKey(Ladder, verbose_name=_("ladder"), on_delete=models.CASCADE, related_name="levels")
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("1 is the mildest; higher levels outrank lower."))
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 黄色预警"))
    threshold_days = models.IntegerField(
        _("threshold (working days)"),
        help_text=_("Relative to the deadline: -10 = from 10 working days before it; 0 = once it has passed; "
                    "10 = once overdue by 10 working days."),
    )
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    to_liaison = models.BooleanField(_("liaison and unit mailbox"), default=True)
    to_unit_head = models.BooleanField(_("+ unit head"), default=False)
    to_lead_leader = models.BooleanField(_("+ lead leader (分管领导)"), default=False)
    to_principal_leader = models.BooleanField(_("+ principal leader (主要领导)"), default=False)
    copy_to = models.TextField(
        _("copies to"), blank=True,
        help_text=_("E-mail addresses (纪委, 组织部…), one a line or separated by commas."),
    )
    document = models.CharField(_("document"), max_length=20, choices=Document.choices, default=Document.REMINDER)
    reply_days = models.PositiveSmallIntegerField(
        _("reply within (working days)"), default=5, help_text=_("For letters: the reply deadline after issue."),
    )

    objects = LadderLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("ladder level")
        verbose_name_plural = _("ladder levels")
        ordering = ["ladder", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "rank"], name="ladderlevel_unique_rank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def copies(self) -> list[str]:
        return [a.strip().lower() for a in re.split(r"[\s,;，；]+", self.copy_to) if a.strip()]

    @property
    def is_letter(self) -> bool:
        return self.document in LETTER_DOCUMENTS

    def clean(self) -> None:
        for address in self.copies:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError({"copy_to": _("“%(address)s” is not an e-mail address.") % {
                    "address": address}}) from None


class LetterQuerySet(RestrictedQuerySet):
    organisation_lookup = "organisation"
    unit_lookup = "unit"

    def overdue(self, on: datetime.date):
        """Issued or acknowledged, not answered, reply deadline passed."""
        return self.filter(state__in=[Letter.State.ISSUED, Letter.State.ACKNOWLEDGED], reply_by__lt=on)


class Letter(models.Model):
    """A numbered urging letter to one unit about some of its items, and its 签收 and 反馈."""

    class State(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged (已签收)")
        ANSWERED = "answered", _("Answered (已反馈)")
        ESCALATED = "escalated", _("Escalated")

    organisation = models.ForeignKey(Organisation, verbose_name=_("issuing organisation"),
                                     on_delete=models.PROTECT, related_name="letters")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="letters")
    level = models.ForeignKey(LadderLevel, verbose_name=_("level"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="letters")
    document = models.CharField(_("document"), max_length=20, choices=Document.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    number = models.CharField(_("document number (文号)"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    measures = models.ManyToManyField("cases.Measure", verbose_name=_("items"), related_name="letters")
    recipients = models.TextField(_("recipients"), blank=True, help_text=_("Who it was sent to, one a line."))
    issued_on = models.DateField(_("issued on"))
    reply_by = models.DateField(_("reply by"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  help_text=_("Empty when issued automatically at its level."))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ISSUED)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    reply = models.TextField(_("reply"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    escalated_to = models.OneToOneField("self", verbose_name=_("escalated to"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="escalated_from")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("urging letter")
        verbose_name_plural = _("urging letters")
        ordering = ["-issued_on", "-pk"]
        permissions = [("issue_letter", "Can issue urging letters")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "document", "year", "serial"],
                                    name="letter_number_unique"),
        ]
        indexes = [models.Index(fields=["state", "reply_by"], name="letter_state_reply_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:letter-detail", args=[self.pk])


def letter_evidence_upload_to(instance: LetterEvidence, filename: str) -> str:
    import uuid
    from pathlib import Path

    return f"letters/{instance.letter_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class LetterEvidenceQuerySet(RestrictedQuerySet):
    organisation_lookup = "letter__organisation"
    unit_lookup = "letter__unit"


class LetterEvidence(models.Model):
    letter = models.ForeignKey(Letter, verbose_name=_("letter"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=letter_evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = LetterEvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply evidence")
        verbose_name_plural = _("reply evidence")

    def __str__(self) -> str:
        return self.original_name


class LetterDelivery(DeliveryRecord):
    """One message of a letter to one recipient (an address, or one of the unit's group bots):
    recorded once per letter and recipient, claimed before it is sent through
    `cases.delivery.outbox`, so a retried or twice-queued send task reaches nobody twice."""

    letter = models.ForeignKey(Letter, verbose_name=_("letter"), on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey("cases.NotificationChannel", verbose_name=_("channel"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+",
                                help_text=_("Empty for e-mail to the recipient's address."))

    class Meta:
        verbose_name = _("letter delivery")
        verbose_name_plural = _("letter deliveries")
        ordering = ["letter", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "recipient_email"], condition=Q(channel__isnull=True),
                                    name="letter_delivery_once"),
            models.UniqueConstraint(fields=["letter", "channel"], condition=Q(channel__isnull=False),
                                    name="letter_delivery_channel_once"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} · {self.recipient_email}"
