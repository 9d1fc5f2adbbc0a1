"""Who receives which periodic report, and every report mail sent."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import RestrictedQuerySet
from cases.delivery.outbox import DeliveryRecord

from .periods import KINDS, WEEK


class ReportSubscriptionQuerySet(RestrictedQuerySet):
    def scope_condition(self, scope):
        if scope.everything:
            return None
        if not scope.organisation_ids:
            return Q()
        ids = sorted(scope.organisation_ids)
        return Q(organisation__in=ids) | Q(case__organisation__in=ids)


class ReportSubscription(models.Model):
    """A weekly or monthly report of an organisation (with those below it) or of one case, mailed
    as a .docx to chosen leaders when its period ends (task 周汇总月调度报告, editable)."""

    name = models.CharField(_("name"), max_length=200, help_text=_("e.g. 县委书记专题会月调度"))
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="report_subscriptions")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="report_subscriptions")
    kind = models.CharField(_("period"), max_length=10, choices=list(KINDS.items()), default=WEEK)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("leaders"), blank=True,
                                        related_name="report_subscriptions")
    extra_emails = models.TextField(_("other addresses"), blank=True,
                                    help_text=_("One e-mail address per line, e.g. the office's mailbox."))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ReportSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(case__isnull=True))
                | (Q(organisation__isnull=True) & Q(case__isnull=False)),
                name="report_subscription_org_or_case",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.validators import validate_email

        if bool(self.organisation_id) == bool(self.case_id):
            raise ValidationError({"case": _("Choose an organisation or a case, not both.")})
        bad = []
        for line in self.extra_emails.splitlines():
            if line.strip():
                try:
                    validate_email(line.strip())
                except ValidationError:
                    bad.append(line.strip())
        if bad:
            raise ValidationError({"extra_emails": _("Not an e-mail address: %(list)s") % {"list": ", ".join(bad)}})

    @property
    def scope(self):
        return self.case or self.organisation

    def addresses(self) -> list[str]:
        """Each address once (leaders first, then the others), lower-cased for the uniqueness guard."""
        seen, out = set(), []
        emails = [u.email for u in self.recipients.filter(is_active=True) if u.email]
        emails += [line.strip() for line in self.extra_emails.splitlines() if line.strip()]
        for email in emails:
            if email.lower() not in seen:
                seen.add(email.lower())
                out.append(email.lower())
        return out


class ReportDelivery(DeliveryRecord):
    """One report message: unique per subscription, period and address (or a leader's group bot
    or SMS channel); claimed before it is sent through `cases.delivery.outbox`."""

    subscription = models.ForeignKey(ReportSubscription, verbose_name=_("report subscription"),
                                     on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField(_("period"))
    channel = models.ForeignKey("cases.NotificationChannel", verbose_name=_("channel"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+",
                                help_text=_("Empty for e-mail to the recipient's address."))

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        ordering = ["-period_start", "recipient_email"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start", "recipient_email"],
                                    condition=Q(channel__isnull=True), name="report_delivery_once"),
            models.UniqueConstraint(fields=["subscription", "period_start", "channel"],
                                    condition=Q(channel__isnull=False), name="report_delivery_channel_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} · {self.period_start} · {self.recipient_email}"
