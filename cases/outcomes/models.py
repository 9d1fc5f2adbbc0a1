"""Outcome figures, each attached to one progress entry of one measure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import RestrictedQuerySet

from .kinds import CATEGORY, Category, Kind, MoneyUnit

_PEOPLE = [k.value for k, c in CATEGORY.items() if c == Category.ACCOUNTABILITY]
_RULES = [k.value for k, c in CATEGORY.items() if c == Category.RULES]
_MONEY = [k.value for k, c in CATEGORY.items() if c == Category.MONEY]


class OutcomeFigureQuerySet(RestrictedQuerySet):
    organisation_lookup = "measure__case__organisation"

    def unit_condition(self, unit_ids):
        from cases.models import Measure

        return Q(measure__in=Measure.objects.for_units(unit_ids).values("pk"))


class OutcomeFigure(models.Model):
    """What one progress entry reports was achieved: people held accountable, a rule, money."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEDGER = "ledger", _("Ledger import")
        NOTICE = "notice", _("Notice import")

    progress = models.ForeignKey("cases.ProgressUpdate", verbose_name=_("progress entry"), on_delete=models.CASCADE,
                                 related_name="outcomes")
    # The entry's measure, kept here so totals group without a join through the log.
    measure = models.ForeignKey("cases.Measure", verbose_name=_("measure"), on_delete=models.CASCADE,
                                related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    count = models.PositiveIntegerField(_("number"), null=True, blank=True,
                                        help_text=_("People, cases opened or rules."))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=4, null=True, blank=True,
                                 help_text=_("As entered, in the unit of money."))
    money_unit = models.CharField(_("unit of money"), max_length=4, choices=MoneyUnit.choices, blank=True)
    amount_wan = models.DecimalField(_("amount (万元)"), max_digits=18, decimal_places=4, null=True, blank=True,
                                     editable=False)
    title = models.CharField(_("document title"), max_length=300, blank=True,
                             help_text=_("For a rule: its title, e.g. 《公务接待管理办法》."))
    doc_number = models.CharField(_("document number"), max_length=100, blank=True,
                                  help_text=_("For a rule: its number (文号), e.g. 县委办发〔2026〕3号."))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ENTERED)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = OutcomeFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome figure")
        verbose_name_plural = _("outcome figures")
        ordering = ["measure", "kind", "pk"]
        indexes = [models.Index(fields=["measure", "kind"], name="outcome_measure_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=_PEOPLE + _RULES) | Q(count__gte=1, amount__isnull=True),
                name="outcome_count_for_people_and_rules",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=_MONEY) | (Q(amount__gt=0, amount_wan__isnull=False, count__isnull=True)
                                                 & ~Q(money_unit="")),
                name="outcome_amount_for_money",
            ),
        ]

    def __str__(self) -> str:
        from .words import figure_words

        return figure_words(self)
