"""When items are looked back at, and what each look-back found."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import RestrictedQuerySet
from cases.delivery.outbox import DeliveryRecord


class Period(models.TextChoices):
    WEEK = "week", _("Every week")
    MONTH = "month", _("Every month")
    QUARTER = "quarter", _("Every quarter")


class LookbackPolicyQuerySet(RestrictedQuerySet):
    """A policy is reached through its organisation, or through its case's organisation."""

    organisation_lookup = "organisation"

    def scope_condition(self, scope):
        if scope.everything:
            return None
        if not scope.organisation_ids:
            return Q()
        ids = sorted(scope.organisation_ids)
        return Q(organisation__in=ids) | Q(case__organisation__in=ids)


class LookbackPolicy(models.Model):
    """The look-back rule for one kind of item, for an organisation (and those below it) or one case.

    A case's own rule wins over its organisation's, which wins over the organisation above it;
    where none is set, `cases.lookback.schedule.DEFAULTS` apply.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="lookback_policies",
        help_text=_("Applies to this organisation's cases and those of the organisations below it."),
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="lookback_policies", help_text=_("Applies to this case only (wins over its organisation's)."),
    )
    kind = models.CharField(_("item kind"), max_length=20, choices=[
        ("immediate", _("Rectify at once (立行立改)")),
        ("by_deadline", _("Rectify by deadline (限期整改)")),
        ("long_term", _("Long-term (长期坚持)")),
    ])
    months_after_completion = models.PositiveSmallIntegerField(
        _("months after completion"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("For 立行立改 and 限期整改 items: the look-back falls due this many months after sign-off."),
    )
    period = models.CharField(
        _("reporting period"), max_length=10, choices=Period.choices, blank=True,
        help_text=_("For 长期坚持 items: each period needs an entry; a period without one counts as lagging."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = LookbackPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("look-back rule")
        verbose_name_plural = _("look-back rules")
        ordering = ["organisation", "case", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(case__isnull=True))
                | (Q(organisation__isnull=True) & Q(case__isnull=False)),
                name="lookback_policy_org_or_case",
            ),
            models.UniqueConstraint(fields=["organisation", "kind"], condition=Q(case__isnull=True),
                                    name="lookback_policy_one_per_org_kind"),
            models.UniqueConstraint(fields=["case", "kind"], condition=Q(organisation__isnull=True),
                                    name="lookback_policy_one_per_case_kind"),
            models.CheckConstraint(
                condition=(Q(kind="long_term") & ~Q(period=""))
                | (~Q(kind="long_term") & Q(months_after_completion__gte=1)),
                name="lookback_policy_rule_set",
            ),
        ]

    def __str__(self) -> str:
        owner = self.case or self.organisation
        return f"{owner} · {self.get_kind_display()} · {self.rule_text()}"

    def rule_text(self) -> str:
        if self.kind == "long_term":
            return str(self.get_period_display())
        return str(_("%(n)s months after completion") % {"n": self.months_after_completion})

    def clean(self) -> None:
        errors = {}
        if bool(self.organisation_id) == bool(self.case_id):
            errors["case"] = _("Set the rule on an organisation or on a case, not both.")
        if self.kind == "long_term":
            if not self.period:
                errors["period"] = _("A 长期坚持 rule needs a reporting period.")
            self.months_after_completion = None
        else:
            if not self.months_after_completion:
                errors["months_after_completion"] = _("Say how many months after completion the look-back falls due.")
            self.period = ""
        if errors:
            raise ValidationError(errors)


class LookbackQuerySet(RestrictedQuerySet):
    organisation_lookup = "measure__case__organisation"

    def unit_condition(self, unit_ids):
        from cases.models import Measure

        return Q(measure__in=Measure.objects.for_units(unit_ids).values("pk"))

    def pending(self):
        return self.filter(outcome=Lookback.Outcome.PENDING)

    def checked(self):
        return self.exclude(outcome=Lookback.Outcome.PENDING)

    def current(self):
        """Pending checks that still follow the item's latest completion (not a superseded one)."""
        return self.pending().filter(
            measure__state="completed", measure__completed_at=models.F("completed_at")
        )


class Lookback(models.Model):
    """One look-back at one item: after a completion (立行立改/限期整改) or for a period (长期坚持)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Due")
        HELD = "held", _("Held (巩固)")
        RELAPSED = "relapsed", _("Relapsed (反弹回潮)")

    measure = models.ForeignKey("cases.Measure", verbose_name=_("measure"), on_delete=models.CASCADE,
                                related_name="lookbacks")
    completed_at = models.DateTimeField(
        _("completion checked"), null=True, blank=True,
        help_text=_("The sign-off this look-back follows (立行立改, 限期整改)."),
    )
    period_start = models.DateField(_("period"), null=True, blank=True,
                                    help_text=_("First day of the reporting period (长期坚持)."))
    due_on = models.DateField(_("due"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.TextField(_("finding"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    progress = models.OneToOneField(
        "cases.ProgressUpdate", verbose_name=_("progress entry"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="lookback",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = LookbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("look-back")
        verbose_name_plural = _("look-backs")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["outcome", "due_on"], name="lookback_outcome_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(completed_at__isnull=False) & Q(period_start__isnull=True))
                | (Q(completed_at__isnull=True) & Q(period_start__isnull=False)),
                name="lookback_completion_or_period",
            ),
            models.UniqueConstraint(fields=["measure", "completed_at"], condition=Q(completed_at__isnull=False),
                                    name="lookback_once_per_completion"),
            models.UniqueConstraint(fields=["measure", "period_start"], condition=Q(period_start__isnull=False),
                                    name="lookback_once_per_period"),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(checked_at__isnull=False), name="lookback_checked_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} · {self.due_on} · {self.get_outcome_display()}"


class LookbackReminderQuerySet(RestrictedQuerySet):
    organisation_lookup = "unit__organisation"
    unit_lookup = "unit"


class LookbackReminder(DeliveryRecord):
    """One look-back reminder: to whom (an address, or a unit's or person's group bot or SMS
    channel), for which week, how many items, and the outcome.

    Unique per address (or channel) and week, claimed before it is sent through
    `cases.delivery.outbox`: a job run twice sends once.
    """

    period = models.DateField(_("week"), help_text=_("Monday of the week the reminder is for."))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    channel = models.ForeignKey("cases.NotificationChannel", verbose_name=_("channel"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+",
                                help_text=_("Empty for e-mail to the recipient's address."))
    item_count = models.PositiveIntegerField(_("items"), default=0)

    objects = LookbackReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("look-back reminder")
        verbose_name_plural = _("look-back reminders")
        ordering = ["-period", "recipient_email"]
        constraints = [
            models.UniqueConstraint(fields=["recipient_email", "period"], condition=Q(channel__isnull=True),
                                    name="lookback_reminder_once_per_week"),
            models.UniqueConstraint(fields=["channel", "period"], condition=Q(channel__isnull=False),
                                    name="lookback_reminder_channel_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_email} · {self.period}"
