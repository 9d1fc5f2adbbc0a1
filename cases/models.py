"""Cases (one inspection round), their issue trees, measures and what happens to them.

Writes go through `cases.services`; these models hold fields, constraints, derived values
and the read-side querysets (`Measure.objects.overdue(on=…)`, `.restrict(user, action)`: the
one scoping rule of `accounts.scoping`, with each model saying how it reaches an organisation
and which of its rows a unit's staff reach).
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Organisation, Unit
from accounts.scoping import RestrictedQuerySet, pk_among
from accounts.tree import PathTreeModel

from . import delivery as _delivery
from .delivery.outbox import DeliveryRecord
from .signoff.models import ExtensionRequest, SignoffChain, SignoffStep  # noqa: F401 (Django finds them here)
from .states import ONGOING_STATES, Action, State

# The highest order number within a case: far above any real case, far below what the column holds,
# so "the next position" can always be computed (see services.next_measure_position).
MAX_POSITION = 10_000_000

# --- Cases ---------------------------------------------------------------------------


class CaseQuerySet(RestrictedQuerySet):
    organisation_lookup = "organisation"

    def unit_condition(self, unit_ids):
        """Staff reach the cases holding at least one of their units' measures."""
        return Exists(Measure.objects.for_units(unit_ids).filter(case=OuterRef("pk")))

    def for_unit_ids(self, unit_ids) -> CaseQuerySet:
        return self.filter(self.unit_condition(unit_ids))

    def with_progress(self, measures=None) -> CaseQuerySet:
        """Problem-level counts, as the notices count them (已完成整改37个,占比71.2%).

        `measures` limits the measure counts (e.g. to `Measure.objects.restrict(user)`), so
        a count shown to staff never includes another unit's items.
        """
        problems = Issue.objects.filter(case=OuterRef("pk"), kind=Issue.Kind.PROBLEM)
        measures = (Measure.objects.all() if measures is None else measures).filter(case=OuterRef("pk"))
        return self.annotate(
            problem_total=_subquery_count(problems),
            problem_completed=_subquery_count(problems.filter(state=State.COMPLETED)),
            measure_total=_subquery_count(measures),
            measure_completed=_subquery_count(measures.filter(state=State.COMPLETED)),
        )


def _subquery_count(queryset) -> Coalesce:
    # Coalesce: a case with no matching rows counts 0, not NULL.
    return Coalesce(
        models.Subquery(
            queryset.order_by().values("case").annotate(n=Count("pk")).values("n")[:1],
            output_field=models.IntegerField(),
        ),
        0,
    )


class Case(models.Model):
    """One inspection round and the rectification that follows it."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("Inspection (巡视)")
        CIRCUIT = "circuit", _("Circuit inspection (巡察)")
        AUDIT = "audit", _("Audit")
        ENVIRONMENT = "environment", _("Environmental inspection")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=300)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="cases",
        help_text=_("The organisation that must rectify; its supervisors, and those above it, follow the case."),
    )
    inspected_body = models.CharField(_("inspected body"), max_length=200)
    inspection_team = models.CharField(_("inspection team"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INSPECTION)
    inspection_start = models.DateField(_("inspection start"), null=True, blank=True)
    inspection_end = models.DateField(_("inspection end"), null=True, blank=True)
    feedback_on = models.DateField(_("feedback date"), null=True, blank=True)
    rectification_deadline = models.DateField(
        _("end of concentrated rectification"), null=True, blank=True,
        help_text=_("Deadline of the concentrated rectification period (集中整改期)."),
    )
    signoff_chain = models.ForeignKey(
        SignoffChain, verbose_name=_("sign-off chain"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("The steps an item must be signed at, in order; empty: the deployment's default chain."),
    )
    description = models.TextField(_("description"), blank=True)
    urging_ladder = models.ForeignKey(
        "cases.Ladder", verbose_name=_("urging ladder"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="cases", help_text=_("Empty: the ladder of the case's organisation."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()
    # The sign-off requirement, the deadlines, the organisation: every change, old → new.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-feedback_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "-feedback_on"], name="case_org_feedback_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(inspection_end__isnull=True)
                | Q(inspection_start__isnull=True)
                | Q(inspection_end__gte=models.F("inspection_start")),
                name="case_inspection_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # The admin's "view on site": the case's items on the site, not the admin page again.
        return reverse("cases:items") + f"?case={self.pk}"

    def clean(self) -> None:
        if self.inspection_start and self.inspection_end and self.inspection_end < self.inspection_start:
            raise ValidationError({"inspection_end": _("The inspection cannot end before it starts.")})

    def completion(self) -> tuple[int, int]:
        """(completed, total) over problem-level issues."""
        problems = self.issues.filter(kind=Issue.Kind.PROBLEM)
        return problems.filter(state=State.COMPLETED).count(), problems.count()

    @property
    def completion_rate(self) -> float | None:
        """Share of problem-level issues completed, 0–100 with one decimal, as the notices print it."""
        done, total = (
            (self.problem_completed, self.problem_total) if hasattr(self, "problem_total") else self.completion()
        )
        if not total:
            return None
        return round(100 * (done or 0) / total, 1)


# --- Issues --------------------------------------------------------------------------


class IssueQuerySet(RestrictedQuerySet):
    organisation_lookup = "case__organisation"

    def unit_condition(self, unit_ids):
        """Staff read the whole tree of a case they work on (the context of their items)."""
        return Exists(Measure.objects.for_units(unit_ids).filter(case=OuterRef("case")))

    def problems(self) -> IssueQuerySet:
        return self.filter(kind=Issue.Kind.PROBLEM)


class Issue(PathTreeModel):
    """A feedback problem (反馈问题): a node of the tree category → problem → sub-problem."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Category")
        PROBLEM = "problem", _("Problem")
        DETAIL = "detail", _("Sub-problem")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="issues")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField(
        _("level"), max_length=10, choices=Kind.choices, default=Kind.PROBLEM,
        help_text=_("Completion rates count problem-level issues, as the notices do."),
    )
    label = models.CharField(
        _("label"), max_length=40, blank=True, help_text=_("Original numbering, e.g. （一）, 1., （3）")
    )
    title = models.CharField(_("title"), max_length=500)
    text = models.TextField(_("full text"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0, validators=[MaxValueValidator(MAX_POSITION)],
                                           help_text=_("Order within the case, tree order."))
    # Rolled up from the measures below it by cases.services.refresh_issue_states.
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PLANNED, editable=False)

    objects = IssueQuerySet.as_manager()
    # The rolled-up state is computed from the measures (which have their own history).
    history = HistoricalRecords(excluded_fields=["state"])

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["case", "position", "pk"]
        indexes = [
            models.Index(fields=["case", "kind", "state"], name="issue_case_kind_state_idx"),
            models.Index(fields=["case", "position"], name="issue_case_position_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label}{self.title}" if self.label else self.title

    def clean(self) -> None:
        if self.parent_id and self.case_id and self.parent.case_id != self.case_id:
            raise ValidationError({"parent": _("The parent issue belongs to another case.")})
        if self.pk and self.parent_id and f"/{self.pk}/" in f"{self.parent.path}{self.parent_id}/":
            raise ValidationError({"parent": _("An issue cannot be placed under itself.")})

    @property
    def level(self) -> int:
        return self.depth


# --- Measures ------------------------------------------------------------------------


def ongoing_condition() -> Q:
    """An item still to be done: the one definition of "ongoing" (also used inside aggregates)."""
    return ~Q(state=State.COMPLETED)


def overdue_condition(on: datetime.date) -> Q:
    """An item late on `on`: the one definition of "overdue" (逾期), for filters and aggregates.

    Ongoing with its deadline past — except an item whose sign-off was requested on or before
    its deadline and still waits at a step: that wait is the supervisors' lag, not the unit's
    (`waits_on_time_condition`, shown apart as "awaiting sign-off"). Sent back, the item is in
    progress again and its own deadline counts once more.
    """
    return lateness_counts_condition() & Q(deadline__lt=on)


def lateness_counts_condition() -> Q:
    """Items that are overdue once their deadline has passed (`overdue_condition` without the day):
    ongoing, and not waiting at a sign-off asked for on or before the deadline. The partial index
    `measure_late_dl_id_idx` holds exactly these, so the overdue list and its count read only them."""
    return ongoing_condition() & (~Q(state=State.SUBMITTED) | Q(signoff_requested_on__isnull=True)
                                  | Q(signoff_requested_on__gt=F("deadline")))


def waits_on_time(state: str, deadline: datetime.date | None, signoff_requested_on: datetime.date | None) -> bool:
    """`waits_on_time_condition` of one item's values (`Measure.waits_on_time`)."""
    return (state == State.SUBMITTED and signoff_requested_on is not None
            and (deadline is None or signoff_requested_on <= deadline))


def days_overdue(state: str, deadline: datetime.date | None, signoff_requested_on: datetime.date | None,
                 on: datetime.date) -> int:
    """Days past the deadline of an item with these values on `on`; 0 when not overdue: the overdue
    rule of `overdue_condition` for one item (`Measure.days_overdue`, and rows read without a model)."""
    if state not in ONGOING_STATES or not deadline or waits_on_time(state, deadline, signoff_requested_on):
        return 0
    return max((on - deadline).days, 0)


def waits_on_time_condition() -> Q:
    """Items whose sign-off was asked for on or before their deadline and still wait at a step."""
    return (Q(state=State.SUBMITTED) & Q(signoff_requested_on__isnull=False)
            & Q(signoff_requested_on__lte=F("deadline")))


def awaiting_signoff_condition() -> Q:
    """Items waiting for a signature (申请销号): counted apart from overdue, as the supervisors' lag."""
    return Q(state=State.SUBMITTED)


def due_within_condition(days: int, on: datetime.date) -> Q:
    """An ongoing item due from `on` up to and including `on + days` (即将到期)."""
    return ongoing_condition() & Q(deadline__gte=on, deadline__lte=on + datetime.timedelta(days=days))


class MeasureQuerySet(RestrictedQuerySet):
    organisation_lookup = "case__organisation"

    def unit_condition(self, unit_ids):
        """Staff reach the items their units (and sub-units) lead or support."""
        return self._units_condition(unit_ids)

    def ongoing(self) -> MeasureQuerySet:
        # Written as an exclusion so it matches the partial index condition exactly.
        return self.exclude(state=State.COMPLETED)

    def completed(self) -> MeasureQuerySet:
        return self.filter(state=State.COMPLETED)

    def overdue(self, on: datetime.date | None = None) -> MeasureQuerySet:
        """Ongoing measures whose deadline is before `on` (default: today in Asia/Shanghai)."""
        return self.filter(overdue_condition(on or timezone.localdate()))

    def awaiting_signoff(self) -> MeasureQuerySet:
        return self.filter(awaiting_signoff_condition())

    def due_within(self, days: int, on: datetime.date | None = None) -> MeasureQuerySet:
        """Ongoing measures due from `on` up to and including `on + days`."""
        return self.filter(due_within_condition(days, on or timezone.localdate()))

    def lagging(self, days: int, on: datetime.date | None = None) -> MeasureQuerySet:
        """Ongoing measures with no progress logged for `days` days before `on` (进展滞后).

        An item never reported on counts from its creation, so a new item is not lagging yet.
        """
        on = on or timezone.localdate()
        cutoff = timezone.make_aware(datetime.datetime.combine(on - datetime.timedelta(days=days), datetime.time()))
        return self.ongoing().filter(
            Q(last_progress_at__lt=cutoff) | Q(last_progress_at__isnull=True, created_at__lt=cutoff)
        )

    def for_units(self, unit_ids, *, include_supporting: bool = True) -> MeasureQuerySet:
        return self.filter(self._units_condition(unit_ids, include_supporting=include_supporting))

    @staticmethod
    def _units_condition(unit_ids, *, include_supporting: bool = True) -> Q:
        """Led by one of `unit_ids` (the units and sub-units the scope resolved through the
        materialised path), or supported by one: an id set built from the two indexes
        (`measure_unit_state_idx` on the lead unit, the through table's unit index), as a UNION.
        "lead IN (…) OR EXISTS (supporting)" forced a scan of every measure, evaluating the
        EXISTS per row, because no index serves an OR across two tables."""
        unit_ids = sorted(unit_ids)
        if not include_supporting:
            return Q(lead_unit_id__in=unit_ids)
        led = Measure.objects.filter(lead_unit_id__in=unit_ids).order_by().values("pk")
        supported = Measure.supporting_units.through.objects.filter(unit_id__in=unit_ids).order_by().values(
            "measure_id")
        return pk_among(led.union(supported))

    def with_related(self) -> MeasureQuerySet:
        """What a list row renders, loaded up front: constant queries per page."""
        return self.select_related("case", "issue", "lead_unit", "lead_leader", "urging_level").prefetch_related(
            "supporting_units")

    def for_list(self) -> MeasureQuerySet:
        """`with_related()` narrowed to the columns a list row renders (the API's measure list).

        Same queries, fewer columns: the related rows load only what the row shows, and the
        supporting units only their id and name. A row loaded this way is for display; code
        that needs the whole measure (detail, writes, exports) uses `with_related()`.
        """
        return (
            self.select_related("case", "issue", "lead_unit", "lead_leader", "urging_level")
            .only(
                "id", "version", "case", "issue", "label", "text", "kind", "lead_leader", "responsible_person",
                "lead_unit", "deadline",
                "original_deadline", "state", "signoff_requested_on", "last_progress_at", "completed_at", "updated_at",
                "case__id", "case__title", "issue__id", "issue__label", "issue__title",
                "lead_unit__id", "lead_unit__name", "lead_leader__id", "lead_leader__name", "lead_leader__username",
                "urging_level", "urging_level_since", "urging_level__id", "urging_level__name", "urging_level__rank",
                "urging_level__colour", "urging_level__document",
            )
            .prefetch_related(Prefetch("supporting_units", queryset=Unit.objects.only("id", "name")))
        )

    def counts_by_unit(self, on: datetime.date | None = None):
        """Per lead unit: total, ongoing, overdue, completed, and the oldest overdue deadline."""
        on = on or timezone.localdate()
        overdue = overdue_condition(on)
        return (
            self.order_by()
            .values("lead_unit", "lead_unit__name", "lead_unit__organisation__name")
            .annotate(
                total=Count("pk"),
                ongoing=Count("pk", filter=ongoing_condition()),
                overdue=Count("pk", filter=overdue),
                completed=Count("pk", filter=Q(state=State.COMPLETED)),
                oldest_overdue_deadline=Min("deadline", filter=overdue),
                last_progress_at=Max("last_progress_at"),
            )
            .order_by("lead_unit__name")
        )


class Measure(models.Model):
    """A rectification measure (整改措施): one row of the ledger (整改台账)."""

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", _("Rectify at once (立行立改)")
        BY_DEADLINE = "by_deadline", _("Rectify by deadline (限期整改)")
        LONG_TERM = "long_term", _("Long-term (长期坚持)")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="measures")
    issue = models.ForeignKey(Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveIntegerField(_("position"), default=0, validators=[MaxValueValidator(MAX_POSITION)])
    label = models.CharField(_("label"), max_length=40, blank=True, help_text=_("e.g. 一是"))
    text = models.TextField(_("measure"))
    lead_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead leader"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="led_measures",
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_measures"
    )
    # 责任人: the person who does the work, named in the plan beside its 责任领导. Often someone
    # without an account (a section head), so a name as written rather than a user.
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True,
                                          help_text=_("责任人, as the plan names them."))
    supporting_units = models.ManyToManyField(
        Unit, verbose_name=_("supporting units"), blank=True, related_name="supported_measures"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BY_DEADLINE)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True, editable=False)
    # Changed only through cases.services, which checks the transition rules.
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PLANNED, editable=False)
    # Incremented on every write: the API's ETag and the services' stale-write guard.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    signoff_round = models.PositiveIntegerField(default=0, editable=False)
    # While submitted: the position of the chain step it waits at, who asked and on which day
    # (an item asked for on or before its deadline is not overdue while it waits).
    signoff_step = models.PositiveSmallIntegerField(_("sign-off step"), default=0, editable=False)
    signoff_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sign-off requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    signoff_requested_on = models.DateField(_("sign-off requested on"), null=True, blank=True, editable=False)
    last_progress_at = models.DateTimeField(_("last progress"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    # The level of the urging ladder the item is at, kept by cases.urging.levels (not edited).
    urging_level = models.ForeignKey(
        "cases.LadderLevel", verbose_name=_("urging level"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    urging_level_since = models.DateField(_("at this level since"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[supporting_units],
                                excluded_fields=["updated_at", "signoff_round", "signoff_step", "urging_level",
                                                 "urging_level_since"])
    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["case", "position", "pk"]
        permissions = [
            ("view_all_measures", _("Can read the measures of every unit")),
            ("sign_off_measure", _("Can sign off or send back measures")),
            ("reopen_measure", _("Can reopen completed measures as relapsed")),
            ("record_paper_signoff", _("Can record a paper sign-off sheet (纸质销号单) with its scan")),
        ]
        indexes = [
            models.Index(fields=["case", "position"], name="measure_case_position_idx"),
            models.Index(fields=["lead_unit", "state"], name="measure_unit_state_idx"),
            models.Index(fields=["state", "deadline"], name="measure_state_deadline_idx"),
            models.Index(fields=["case", "state"], name="measure_case_state_idx"),
            # "Overdue" and "due soon" only ever look at ongoing items.
            models.Index(
                fields=["deadline"], name="measure_ongoing_deadline_idx", condition=~Q(state=State.COMPLETED)
            ),
            # The overdue list's order with its tie-breaker: pages by id read only this index. It
            # carries the columns of the overdue rule (cases.models.overdue_condition: a sign-off
            # asked for in time stops the clock), so counting a province's 81,000 overdue items is
            # an index-only scan (27 ms) instead of a visit to every row (160 ms).
            models.Index(
                fields=["deadline", "id"], name="measure_ongoing_dl_id_idx", condition=~Q(state=State.COMPLETED),
                include=["state", "signoff_requested_on"],
            ),
            # The items whose lateness counts (`lateness_counts_condition`), by deadline: the overdue list's
            # page and its count are an index-only scan of exactly the overdue items, with no filter
            # (counting a province's 81,000: 9.7 -> 3.3 ms; the index above also holds the items waiting
            # on time, and their columns, to be filtered out).
            models.Index(fields=["deadline", "id"], name="measure_late_dl_id_idx",
                         condition=lateness_counts_condition()),
            # A staff scope's items (`pk = ANY(their units' ids)`) checked against the overdue rule without
            # visiting their rows: a unit with sub-units has 5,000 of them, and probing the primary key
            # and then each row cost the API's staff page and its count 7 ms each.
            models.Index(
                fields=["id"], name="measure_ongoing_id_idx", condition=~Q(state=State.COMPLETED),
                include=["deadline", "state", "signoff_requested_on"],
            ),
            # The sign-off queue (/signoff/): "submitted, waiting at step X" (each signer's condition
            # is a step of a chain), longest waiting first; only the waiting few are indexed.
            models.Index(
                fields=["signoff_step", "last_progress_at", "id"], name="measure_signoff_queue_idx",
                condition=Q(state=State.SUBMITTED),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="measure_state_valid"),
            models.CheckConstraint(
                condition=Q(kind="long_term") | Q(deadline__isnull=False), name="measure_deadline_unless_long_term"
            ),
            models.CheckConstraint(
                condition=~Q(state=State.COMPLETED) | Q(completed_at__isnull=False),
                name="measure_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 40 else self.text[:40] + "…"
        return f"{self.label}{text}" if self.label else text

    def get_absolute_url(self) -> str:
        return reverse("admin:cases_measure_change", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.issue_id and self.case_id and self.issue.case_id != self.case_id:
            errors["issue"] = _("The issue belongs to another case.")
        if self.kind != self.Kind.LONG_TERM and not self.deadline:
            errors["deadline"] = _("A deadline is required unless the measure is long-term.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_ongoing(self) -> bool:
        return self.state in ONGOING_STATES

    @property
    def waits_on_time(self) -> bool:
        """Submitted on or before the deadline and still waiting: not the unit's lateness."""
        return waits_on_time(self.state, self.deadline, self.signoff_requested_on)

    def days_overdue(self, on: datetime.date | None = None) -> int:
        """Days past the deadline for an ongoing item; 0 when not overdue (see `overdue_condition`)."""
        return days_overdue(self.state, self.deadline, self.signoff_requested_on, on or timezone.localdate())

    def days_awaiting_signoff(self, on: datetime.date | None = None) -> int:
        """Days since sign-off was requested, while the item waits (the supervisors' lag)."""
        if self.state != State.SUBMITTED or self.signoff_requested_on is None:
            return 0
        return max(((on or timezone.localdate()) - self.signoff_requested_on).days, 0)

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        return self.days_overdue(on) > 0


# --- What happens to a measure -------------------------------------------------------


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # Stored under a random name: the original is kept in `original_name`, and user file
    # names never reach the file system.
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class _ThroughMeasureQuerySet(RestrictedQuerySet):
    """Records of a measure (its log, files, signatures, deadline changes): scoped as the measure."""

    measure_lookup: str = "measure"

    def unit_condition(self, unit_ids):
        return Q(**{f"{self.measure_lookup}__in": Measure.objects.for_units(unit_ids).values("pk")})


class ProgressUpdateQuerySet(_ThroughMeasureQuerySet):
    organisation_lookup = "measure__case__organisation"


class EvidenceQuerySet(_ThroughMeasureQuerySet):
    organisation_lookup = "progress__measure__case__organisation"
    measure_lookup = "progress__measure"


class MeasureRecordQuerySet(_ThroughMeasureQuerySet):
    organisation_lookup = "measure__case__organisation"


class ProgressUpdate(models.Model):
    """One entry of a measure's progress log: a note, a state change, or both."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="progress_updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="progress_updates",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)
    from_state = models.CharField(_("from state"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("to state"), max_length=20, choices=State.choices)
    source_notice = models.ForeignKey(
        "notices.Notice", verbose_name=_("source notice"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="progress_updates",
    )
    # What the code added to the entry, as message ids and parameters (cases.lognotes), rendered
    # in the reader's language; `note` is only what a person wrote or a document said.
    notes = models.JSONField(_("system notes"), default=list, blank=True)

    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["measure", "-created_at"], name="progress_measure_time_idx")]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.get_action_display()} {self.created_at:%Y-%m-%d}"

    @property
    def changed_state(self) -> bool:
        return self.from_state != self.to_state

    @property
    def system_notes(self) -> list[str]:
        """What the code added to the entry, in the active language."""
        from . import lognotes

        return lognotes.render(self.notes)

    @property
    def text(self) -> str:
        """The entry as a reader sees it: the note, then what the code added, in the active language."""
        return "\n".join(part for part in (self.note.strip(), *self.system_notes) if part)


class Evidence(models.Model):
    """A supporting file (佐证材料) attached to a progress update."""

    progress = models.ForeignKey(
        ProgressUpdate, verbose_name=_("progress update"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class SignOff(models.Model):
    """A supervisor's decision on a submitted or completed item (对账销号)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        SEND_BACK = "send_back", _("Sent back")
        REOPEN = "reopen", _("Reopened as relapsed")
        PAPER = "paper", _("Paper sign-off sheet (纸质销号单)")

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="signoffs")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="signoffs"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    round = models.PositiveIntegerField(_("round"), default=0)
    step = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    step_title = models.CharField(_("step title"), max_length=60, blank=True)  # the chain's own name of the step
    # Who signs at the step (SignoffStep.Signer): names an untitled step in the reader's language.
    signer = models.CharField(_("signer"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    progress = models.OneToOneField(
        ProgressUpdate, null=True, blank=True, on_delete=models.SET_NULL, related_name="signoff"
    )

    objects = MeasureRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-off record")
        verbose_name_plural = _("sign-off records")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One approval per supervisor per submission: 四签制 needs four different people.
            models.UniqueConstraint(
                fields=["measure", "by", "round"], condition=Q(decision="approve"),
                name="signoff_one_approval_per_round",
            ),
            models.CheckConstraint(
                condition=Q(decision="approve") | ~Q(comment=""), name="signoff_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.by} · {self.created_at:%Y-%m-%d}"

    @property
    def step_label(self) -> str:
        """The step's name: the chain's own title, else who signs there, in the active language."""
        if self.step_title:
            return self.step_title
        try:
            return str(SignoffStep.Signer(self.signer).label) if self.signer else ""
        except ValueError:
            return ""


class DeadlineChange(models.Model):
    """A moved deadline, with the reason; the measure keeps its original deadline too."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="deadline_changes"
    )
    old_deadline = models.DateField(_("old deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = MeasureRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="deadline_change_reason_required")]

    def __str__(self) -> str:
        return f"{self.old_deadline} → {self.new_deadline}"


# --- Reminders -----------------------------------------------------------------------


class ReminderQuerySet(RestrictedQuerySet):
    organisation_lookup = "unit__organisation"
    unit_lookup = "unit"

    def restrict(self, user, action="view"):
        """Reminders of the user's units, those sent to them, and — for those allowed to read
        reminders — every reminder of the organisations they supervise."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if action == "view" and not user.has_perm("cases.view_reminder"):
            return self.filter(Q(recipient=user) | Q(unit_id__in=sorted(user.unit_ids)))
        scoped = super().restrict(user, action)
        return scoped | self.filter(recipient=user) if action == "view" else scoped


class Reminder(DeliveryRecord):
    """One urging message (督办函/提醒函): who, which week, what level, which items, and the outcome
    (the address, status, claim and error fields are `DeliveryRecord`'s, shared by every recorded message)."""

    class Kind(models.TextChoices):
        UNIT_DIGEST = "unit_digest", _("Unit digest")
        ESCALATION = "escalation", _("Escalation (督办)")
        SUPERVISOR_SUMMARY = "supervisor_summary", _("Supervisor summary")

    class Level(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        LAGGING = "lagging", _("Lagging")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated (督办)")
        SUMMARY = "summary", _("Summary")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    period = models.DateField(_("week"), help_text=_("Monday of the week the reminder is for."))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reminders",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    channel = models.ForeignKey(
        "NotificationChannel", verbose_name=_("channel"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reminders", help_text=_("Empty for e-mail to the recipient's address."),
    )
    # What the reminder reports, counted at planning: every item it covers, and how many at each level.
    item_count = models.PositiveIntegerField(_("items"), default=0)
    counts = models.JSONField(
        _("items at each level"), default=dict, blank=True,
        help_text=_("How many of the items are at each level, counted when the week was planned."))
    # What it shows: the most urgent of them (at most REMINDER_MAIL_MAX_ITEMS), in the mail's order.
    measures = models.ManyToManyField(
        Measure, verbose_name=_("items shown"), blank=True, related_name="reminders",
        help_text=_("The most urgent items the reminder lists; the number of items counts them all."))

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-period", "recipient_email"]
        constraints = [
            # The second guard against double-sending: one reminder per recipient, week and kind.
            models.UniqueConstraint(fields=["recipient_email", "period", "kind"], condition=Q(channel__isnull=True),
                                    name="reminder_mail_once_per_week"),
            models.UniqueConstraint(fields=["channel", "period", "kind"], condition=Q(channel__isnull=False),
                                    name="reminder_channel_once_per_week"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="reminder_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["period", "status"], name="reminder_period_status_idx")]

    def __str__(self) -> str:
        return f"{self.recipient_email} · {self.period} · {self.get_kind_display()}"


class NotificationChannelQuerySet(RestrictedQuerySet):
    organisation_lookup = "unit__organisation"
    unit_lookup = "unit"


class NotificationChannel(models.Model):
    """A way to reach a unit or a person besides e-mail: a group bot's webhook, or a phone for SMS.

    A unit's channels get what its digest mailbox gets; a person's channels what they get by mail.
    """

    Kind = _delivery.Channel

    kind = models.CharField(_("kind"), max_length=20, choices=_delivery.Channel.choices[1:])
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. 住建局整改工作群"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="channels")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="channels")
    address = models.CharField(
        _("webhook URL or phone"), max_length=500,
        help_text=_("The bot's webhook URL as the platform shows it, or a mobile number for SMS."),
    )
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk 加签 secret (SEC…) or Feishu 签名校验 secret; empty if signing is off."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = NotificationChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["unit", "user", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(unit__isnull=True) ^ Q(user__isnull=True),
                                   name="channel_for_unit_or_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name or self.unit or self.user}"

    def clean(self) -> None:
        from django.core.validators import URLValidator

        errors = {}
        if (self.unit_id is None) == (self.user_id is None):
            errors["unit"] = _("Choose a unit or a person, not both.")
        if self.kind == self.Kind.SMS:
            if not re.fullmatch(r"\+?\d{6,20}", self.address.replace(" ", "").replace("-", "")):
                errors["address"] = _("Enter a mobile number, e.g. 13800000000.")
        else:
            try:
                URLValidator(schemes=["http", "https"])(self.address)
            except ValidationError:
                errors["address"] = _("Enter the webhook URL, starting with https://.")
        if errors:
            raise ValidationError(errors)

    @property
    def target(self) -> _delivery.Target:
        return _delivery.Target(channel=self.kind, address=self.address, secret=self.secret)


# The working-day calendar lives in its own package; imported here so Django finds its models.
from .calendar.models import CalendarDay, CalendarYear  # noqa: E402, F401
from .urging.models import Ladder, LadderLevel, Letter, LetterDelivery, LetterEvidence  # noqa: E402, F401

# --- Dashboard figures (kept by cases.figures) ------------------------------------------


class UnitFiguresQuerySet(RestrictedQuerySet):
    # Supervisors' figures: reached through the case's organisation, never through units (a
    # rollup row mixes the items of a unit with those of its case); see cases.selectors.
    organisation_lookup = "case__organisation"


class UnitFigures(models.Model):
    """The dashboard's counts for one case × lead unit, as of a day.

    `cases.figures` rewrites a case's rows in the same transaction as every service write to
    that case, and a nightly task rewrites all of them for the new day (overdue and due soon
    depend on the date). The dashboard sums these rows instead of 400,000 measures.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    lead_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(help_text="The day overdue and due-soon were counted for.")
    total = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    ongoing = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    due_soon = models.PositiveIntegerField(default=0)
    oldest_overdue_deadline = models.DateField(null=True, blank=True)
    last_progress_at = models.DateTimeField(null=True, blank=True)
    # Waiting for a signature (申请销号), and the oldest request's day: the wait in days is
    # computed when read, so the date alone never makes these stale.
    awaiting = models.PositiveIntegerField(default=0)
    oldest_awaiting_request = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    objects = UnitFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("dashboard figures")
        verbose_name_plural = _("dashboard figures")
        default_permissions = ()  # derived data: nobody edits it
        constraints = [
            models.UniqueConstraint(fields=["case", "lead_unit"], name="unitfigures_unique_case_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.lead_unit_id} @ {self.on}"


class CaseFigures(models.Model):
    """Problem-level counts of one case (as the notices count them), kept with `UnitFigures`."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="figures")
    measures = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)
    problems_completed = models.PositiveIntegerField(default=0)
    # The case's `UnitFigures` summed: what the headline, the case chart and the ranking of
    # organisations read (2,000 rows for a province rather than 35,000).
    on = models.DateField(null=True)
    completed = models.PositiveIntegerField(default=0)
    ongoing = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    due_soon = models.PositiveIntegerField(default=0)
    oldest_overdue_deadline = models.DateField(null=True, blank=True)
    awaiting = models.PositiveIntegerField(default=0)
    oldest_awaiting_request = models.DateField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    objects = UnitFiguresQuerySet.as_manager()

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case_id}: {self.problems_completed}/{self.problems}"


class LevelFigures(models.Model):
    """Ongoing items of one case at one level of the urging ladder (the dashboard's 督办等级 counts).

    Rewritten with the case's other figures, and for every case after the daily refresh of the
    levels (`cases.urging.levels.refresh`), which moves items between levels by itself.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    urging_level = models.ForeignKey("cases.LadderLevel", on_delete=models.CASCADE, related_name="+")
    ongoing = models.PositiveIntegerField(default=0)

    objects = UnitFiguresQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["case", "urging_level"], name="levelfigures_unique_case_level"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.urging_level_id}: {self.ongoing}"


class TrendWeek(models.Model):
    """Snapshot of one case at the end of a week: completed and remaining items (the trend chart)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="Monday of the week.")
    completed = models.PositiveIntegerField(default=0)
    remaining = models.PositiveIntegerField(default=0)

    objects = UnitFiguresQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["case", "week"], name="trendweek_unique_case_week")]
        indexes = [models.Index(fields=["week", "case"], name="trendweek_week_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.week}"


class FiguresRefresh(models.Model):
    """When all figures were last rewritten, and for which day: the dashboard reads the
    figures only when they are for today (else it counts live and a refresh is queued)."""

    on = models.DateField()
    finished_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.on} ({self.finished_at:%Y-%m-%d %H:%M})"
from .jobs.models import ExportJob, ImportJob  # noqa: E402, F401
from .lookback.models import Lookback, LookbackPolicy, LookbackReminder  # noqa: E402, F401
from .outcomes.models import OutcomeFigure  # noqa: E402, F401
from .reports.models import ReportDelivery, ReportSubscription  # noqa: E402, F401
