"""One FilterSet per listable model, shared by the API, the pages and the exports.

Each filter narrows a queryset that is already scoped by `restrict(user)`, so no filter
can reach another unit's items.
"""

from __future__ import annotations

import django_filters as filters
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.db import connections
from django.db.models import Func, Q, TextField, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.filtering import MAX_DAYS, BoundedFilterSet
from accounts.models import Organisation, Unit, User

from .models import Case, Issue, LadderLevel, Measure, ProgressUpdate, Reminder
from .paging import planner_estimate, total_ordering
from .states import State


def _units_with_descendants(unit_ids):
    return Unit.objects.descendants_of(Unit.objects.filter(pk__in=unit_ids)).values_list("pk", flat=True)


class TotalOrderingFilter(filters.OrderingFilter):
    """`?ordering=` with the primary key as the last key: a page never repeats or skips a tied row."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.order_by(*total_ordering(self.get_ordering_value(param) for param in value
                                           if param not in EMPTY_VALUES))


class MeasureFilterSet(BoundedFilterSet):
    state = filters.MultipleChoiceFilter(label=_("state"), choices=State.choices)
    ongoing = filters.BooleanFilter(label=_("ongoing"), method="filter_ongoing")
    overdue = filters.BooleanFilter(label=_("overdue"), method="filter_overdue")
    overdue_on = filters.DateFilter(
        label=_("overdue as of"), method="filter_overdue_on",
        help_text=_("Ongoing items whose deadline is before this date."),
    )
    due_within = filters.NumberFilter(label=_("due within (days)"), method="filter_due_within", min_value=0,
                                      max_value=MAX_DAYS)
    due_before = filters.DateFilter(label=_("due before"), field_name="deadline", lookup_expr="lt")
    due_after = filters.DateFilter(label=_("due after"), field_name="deadline", lookup_expr="gt")
    unit = filters.ModelMultipleChoiceFilter(
        label=_("unit (with sub-units)"), queryset=Unit.objects.all(), method="filter_unit",
        help_text=_("Lead or supporting unit, including its sub-units."),
    )
    lead_unit = filters.ModelMultipleChoiceFilter(label=_("lead unit"), queryset=Unit.objects.all())
    urging_level = filters.ModelMultipleChoiceFilter(
        label=_("urging level"), queryset=LadderLevel.objects.all(), method="filter_urging_level",
        help_text=_("Ongoing items at these levels of the urging ladder."),
    )
    case = filters.ModelMultipleChoiceFilter(label=_("case"), queryset=Case.objects.all())
    organisation = filters.ModelChoiceFilter(
        label=_("organisation (with those below)"), queryset=Organisation.objects.all(), method="filter_organisation",
        field_name="case__organisation",
        help_text=_("Items of the cases of this organisation and of the organisations below it."),
    )
    issue = filters.ModelChoiceFilter(label=_("issue (with sub-issues)"), queryset=Issue.objects.all(),
                                      method="filter_issue")
    kind = filters.MultipleChoiceFilter(label=_("kind"), choices=Measure.Kind.choices)
    lead_leader = filters.ModelChoiceFilter(label=_("lead leader"), queryset=User.objects.all())
    q = filters.CharFilter(label=_("search"), method="filter_search",
                           help_text=_("Words in the measure, its issue, unit or leader; Chinese works."))
    ordering = TotalOrderingFilter(
        fields=[("deadline", "deadline"), ("state", "state"), ("position", "position"),
                ("last_progress_at", "last_progress_at"), ("updated_at", "updated_at"), ("lead_unit__name", "unit")],
        label=_("ordering"),
    )

    class Meta:
        model = Measure
        fields = ["state", "kind", "case", "lead_unit", "lead_leader"]

    def filter_ongoing(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.ongoing() if value else queryset.completed()

    def filter_urging_level(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.ongoing().filter(urging_level__in=value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue(on=timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_overdue_on(self, queryset, name, value):
        return queryset.overdue(on=value) if value else queryset

    def filter_due_within(self, queryset, name, value):
        return queryset if value is None else queryset.due_within(int(value))

    @extend_schema_field(OpenApiTypes.INT)  # unit ids, for the OpenAPI schema of the API
    def filter_unit(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.for_units(_units_with_descendants([u.pk for u in value]))

    def filter_issue(self, queryset, name, value):
        return queryset.filter(issue__path__startswith=value.path) if value else queryset

    def filter_organisation(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(case__organisation__in=Organisation.objects.filter(path__startswith=value.path))

    def filter_search(self, queryset, name, value):
        return search_measures(queryset, value)


GRAMS = ArrayField(TextField())
# Above this many expected matches a search term is checked row by row along the list's order.
COMMON_TERM_ROWS = 20_000


def search_measures(queryset, value: str):
    """Every whitespace-separated term must appear in one of the searched columns: the measure's
    text or label, its issue's title, its lead unit's name or its lead leader's name.

    Chinese has no spaces between words, so each term is matched as a substring; 整改台账 finds
    "建立整改台账制度". Each column is searched on its own table and the measures are matched by
    id (a UNION of index scans), so on PostgreSQL every branch uses its `pg_trgm` GIN index
    (migration cases 0012) instead of one OR across four joined tables scanning every measure;
    SQLite runs the same query as plain LIKE scans.

    A term shorter than three characters has no trigram: on PostgreSQL the measure's text and
    label are then matched through the GIN index of their one- and two-character substrings
    (`rectify_short_grams`, migration cases 0023), the other columns (issue titles, unit and
    leader names: far fewer rows) by LIKE; on SQLite every column by LIKE.

    A term most items contain (整改, 制度) is the exception: the UNION would gather every match
    (255,000 ids for 整改 at province scale, 1.3 s) before the page is cut. When the planner
    expects more than `COMMON_TERM_ROWS` measures to match the text, the term is one OR across
    the columns instead, which the list's ordered index scan checks row by row and stops at the
    page (a page of 100 is found in the first few hundred rows). The planner's estimate of the
    text condition is the probe: from the indexes' statistics, one EXPLAIN, no rows read.
    """
    postgres = connections[queryset.db].vendor == "postgresql"
    for term in (value or "").split()[:8]:
        issues = Issue.objects.filter(title__icontains=term).order_by().values("pk")
        units = Unit.objects.filter(name__icontains=term).order_by().values("pk")
        leaders = User.objects.filter(name__icontains=term).order_by().values("pk")
        in_text: Q | DataContains
        if len(term) < 3 and postgres:
            in_text = DataContains(ShortGrams("label", "text"), Value([term.upper()], output_field=GRAMS))
        else:
            in_text = Q(text__icontains=term) | Q(label__icontains=term)

        def ids(condition):
            return Measure.objects.filter(condition).order_by().values("pk")

        if postgres and (planner_estimate(ids(in_text)) or 0) > COMMON_TERM_ROWS:
            queryset = queryset.filter(Q(in_text) | Q(issue__in=issues) | Q(lead_unit__in=units)
                                       | Q(lead_leader__in=leaders))
            continue
        matching = ids(in_text).union(
            ids(Q(issue__in=issues)), ids(Q(lead_unit__in=units)), ids(Q(lead_leader__in=leaders)))
        queryset = queryset.filter(pk__in=matching)
    return queryset


class ShortGrams(Func):
    """`rectify_short_grams(label, text)`: the one- and two-character substrings the short-term
    index holds (PostgreSQL only; see migration cases 0023)."""

    function = "rectify_short_grams"
    output_field = GRAMS


class IssueFilterSet(BoundedFilterSet):
    case = filters.ModelMultipleChoiceFilter(label=_("case"), queryset=Case.objects.all())
    kind = filters.MultipleChoiceFilter(label=_("level"), choices=Issue.Kind.choices)
    state = filters.MultipleChoiceFilter(label=_("state"), choices=State.choices)
    parent = filters.ModelChoiceFilter(label=_("parent"), queryset=Issue.objects.all())
    root = filters.BooleanFilter(label=_("top level only"), field_name="parent", lookup_expr="isnull")
    q = filters.CharFilter(label=_("search"), method="filter_search")

    class Meta:
        model = Issue
        fields = ["case", "kind", "state", "parent"]

    def filter_search(self, queryset, name, value):
        for term in (value or "").split()[:8]:
            queryset = queryset.filter(Q(title__icontains=term) | Q(text__icontains=term) | Q(label=term))
        return queryset


class CaseFilterSet(BoundedFilterSet):
    kind = filters.MultipleChoiceFilter(label=_("kind"), choices=Case.Kind.choices)
    feedback_after = filters.DateFilter(label=_("feedback after"), field_name="feedback_on", lookup_expr="gte")
    feedback_before = filters.DateFilter(label=_("feedback before"), field_name="feedback_on", lookup_expr="lte")
    q = filters.CharFilter(label=_("search"), method="filter_search")

    class Meta:
        model = Case
        fields = ["kind"]

    def filter_search(self, queryset, name, value):
        for term in (value or "").split()[:8]:
            queryset = queryset.filter(
                Q(title__icontains=term) | Q(inspected_body__icontains=term) | Q(inspection_team__icontains=term)
            )
        return queryset


class ProgressUpdateFilterSet(BoundedFilterSet):
    measure = filters.ModelChoiceFilter(label=_("measure"), queryset=Measure.objects.all())
    case = filters.ModelChoiceFilter(label=_("case"), queryset=Case.objects.all(), field_name="measure__case")
    author = filters.ModelChoiceFilter(label=_("author"), queryset=User.objects.all())
    action = filters.CharFilter(label=_("action"))
    since = filters.DateTimeFilter(label=_("since"), field_name="created_at", lookup_expr="gte")
    until = filters.DateTimeFilter(label=_("until"), field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ProgressUpdate
        fields = ["measure", "author", "action"]


class ReminderFilterSet(BoundedFilterSet):
    period = filters.DateFilter(label=_("week"))
    status = filters.ChoiceFilter(label=_("status"), choices=Reminder.Status.choices)
    kind = filters.ChoiceFilter(label=_("kind"), choices=Reminder.Kind.choices)
    level = filters.ChoiceFilter(label=_("level"), choices=Reminder.Level.choices)
    unit = filters.ModelChoiceFilter(label=_("unit"), queryset=Unit.objects.all())

    class Meta:
        model = Reminder
        fields = ["period", "status", "kind", "level", "unit"]
