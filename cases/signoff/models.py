"""Sign-off chains (对账销号) and deadline extension requests (申请延期).

A `SignoffChain` is an ordered list of `SignoffStep`s. One chain may be the deployment's
default; a case may name its own. Each step says who may sign there: a role in the measure's
context (the lead unit's head, the measure's lead leader, the case organisation's 整改办 — its
supervisors or those of an organisation above it —, its principal leader,
`Organisation.principal_leader`) or named people. Who matches a step for one measure is worked out in
`cases.signoff.eligibility`; the services in `cases.services` apply the chain.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scoping import RestrictedQuerySet


class SignoffChainQuerySet(RestrictedQuerySet):
    # Chains are deployment-wide configuration, not rectification data: everyone signed in may
    # read them (to know who signs next); only administrators change them (model permissions).
    organisation_lookup = None

    def restrict(self, user, action="view"):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if action != "view" and not user.has_perm(f"cases.{action}_signoffchain"):
            return self.none()
        return self

    def default(self) -> SignoffChain | None:
        return self.filter(is_default=True).first()


class SignoffChain(models.Model):
    """An ordered set of steps an item must pass, one signature per step, to be completed."""

    class Evidence(models.TextChoices):
        REQUIRED = "required", _("Required with the request")
        OPTIONAL = "optional", _("Optional")

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(
        _("deployment default"), default=False,
        help_text=_("Cases that name no chain of their own use the default chain."),
    )
    evidence = models.CharField(
        _("evidence with the request"), max_length=10, choices=Evidence.choices, default=Evidence.OPTIONAL,
        help_text=_("Whether a sign-off request must attach at least one evidence file."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = SignoffChainQuerySet.as_manager()
    history = HistoricalRecords()  # who may sign off is a setting: every change is kept

    class Meta:
        verbose_name = _("sign-off chain")
        verbose_name_plural = _("sign-off chains")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="signoffchain_one_default"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def evidence_required(self) -> bool:
        return self.evidence == self.Evidence.REQUIRED

    def ordered_steps(self) -> list[SignoffStep]:
        cached = getattr(self, "_ordered_steps", None)
        if cached is None:
            cached = list(self.steps.order_by("position").prefetch_related("people"))
            self._ordered_steps = cached
        return cached


class SignoffStep(models.Model):
    """One signature of a chain: its position, its title and who may sign there."""

    class Signer(models.TextChoices):
        LEAD_UNIT_HEAD = "lead_unit_head", _("Head of the lead unit")
        LEAD_LEADER = "lead_leader", _("The measure's lead leader")
        ORG_SUPERVISORS = "org_supervisors", _("The organisation's rectification office (整改办)")
        PRINCIPAL_LEADER = "principal_leader", _("The organisation's principal leader")
        NAMED = "named", _("Named people")

    chain = models.ForeignKey(SignoffChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=60, help_text=_("e.g. 科室负责人, 分管领导"))
    signer = models.CharField(_("who signs"), max_length=20, choices=Signer.choices)
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("named people"), blank=True, related_name="+",
        help_text=_("Only for “named people”: any one of them signs the step."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sign-off step")
        verbose_name_plural = _("sign-off steps")
        ordering = ["chain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "position"], name="signoffstep_unique_position"),
            models.CheckConstraint(condition=Q(position__gte=1), name="signoffstep_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class ExtensionRequestQuerySet(RestrictedQuerySet):
    organisation_lookup = "measure__case__organisation"

    def unit_condition(self, unit_ids):
        from cases.models import Measure

        return Q(measure__in=Measure.objects.for_units(unit_ids).values("pk"))

    def pending(self) -> ExtensionRequestQuerySet:
        return self.filter(status=ExtensionRequest.Status.PENDING)


class ExtensionRequest(models.Model):
    """A unit asking for more time (申请延期): a reason and a proposed date, then a decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    measure = models.ForeignKey(
        "cases.Measure", verbose_name=_("measure"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    current_deadline = models.DateField(_("deadline when asked"), null=True, blank=True)
    proposed_deadline = models.DateField(_("proposed deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision comment"), blank=True)

    objects = ExtensionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="extension_reason_required"),
            models.UniqueConstraint(fields=["measure"], condition=Q(status="pending"),
                                    name="extension_one_pending_per_measure"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False), name="extension_decided_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.current_deadline} → {self.proposed_deadline} ({self.get_status_display()})"

    def clean(self) -> None:
        if self.current_deadline and self.proposed_deadline and self.proposed_deadline <= self.current_deadline:
            raise ValidationError({"proposed_deadline": _("The proposed deadline must be after the current one.")})
