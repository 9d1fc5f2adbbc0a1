"""The one scoping rule: which rows a person may read or act on.

In the spirit of NetBox's `RestrictedQuerySet.restrict(user, action)`: every model that holds
rectification data has a queryset deriving from `RestrictedQuerySet`, and every surface (admin,
API, pages, dashboard, exports, imports, reminders) asks `Model.objects.restrict(user, action)`.

A person reaches rows in two ways, and the rule is the union of both:

- **Organisation scope** — an `OrganisationMembership` (整改办 supervisor, leader) in an
  organisation gives that organisation *and every organisation below it*: a county's 整改办
  reads all of the county and of its townships; the province's 巡视办 reads everything.
- **Unit scope** — a `Membership` in a unit gives that unit *and its sub-units*: staff read the
  items their units lead or support.

Each model says how it reaches an organisation (`organisation_lookup`) and which of its rows a
set of units reaches (`unit_condition`). Reading needs nothing more than the scope (membership
is what grants it); any other action also needs the model permission of that action
(`cases.change_measure`, …), which the role groups carry. A superuser reads everything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import ClassVar

from django.db import connection, models
from django.db.models import Exists, F, Lookup, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith

VIEW = "view"


class _AnyOf(Lookup):
    """`pk = ANY(ARRAY(subquery))`: registered on the primary-key fields only through `pk_among`."""

    lookup_name = "rectify_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


models.BigAutoField.register_lookup(_AnyOf)
models.AutoField.register_lookup(_AnyOf)


def pk_among(ids_query) -> Q:
    """Rows whose id is among those `ids_query` (a one-column queryset, a UNION included) returns,
    or among a list of ids.

    `pk IN (subquery)` lets PostgreSQL hash-join the ids against a scan of the whole table,
    which it prefers as soon as it guesses a few thousand ids (a unit with sub-units: 150 ms at
    400,000 measures); `pk = ANY(ARRAY(subquery))` computes the ids first, once, then fetches the
    rows through the primary key (12 ms). A list is one array parameter (`pk = ANY(%s)`), not a
    placeholder per id. SQLite has no arrays and plans IN well: it keeps IN.
    """
    listed = isinstance(ids_query, list | tuple | set | frozenset)
    if connection.vendor == "postgresql":
        if listed:
            from django.contrib.postgres.fields import ArrayField

            return Q(pk__rectify_any=Value(list(ids_query), output_field=ArrayField(models.BigIntegerField())))
        from django.contrib.postgres.expressions import ArraySubquery

        return Q(pk__rectify_any=ArraySubquery(ids_query))
    return Q(pk__in=list(ids_query) if listed else ids_query)
_SCOPE_ATTR = "_rectify_scope"


@dataclass(frozen=True)
class Scope:
    """What a person reaches: every row, or the rows of these organisations and these units."""

    everything: bool = False
    organisation_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    # The organisations the user's own units work in (a staff member's colleagues and leaders).
    unit_organisation_ids: frozenset[int] = frozenset()

    @property
    def supervises(self) -> bool:
        """True for someone who reads whole organisations, not only their units' items."""
        return self.everything or bool(self.organisation_ids)


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is None:
        cached = _compute_scope(user)
        setattr(user, _SCOPE_ATTR, cached)
    return cached


def forget_scope(user) -> None:
    """Drop the cached scope (after memberships of this user object changed)."""
    if hasattr(user, _SCOPE_ATTR):
        delattr(user, _SCOPE_ATTR)
    user.__dict__.pop("unit_ids", None)


def _tagged(queryset, tag: str, field):
    """(tag, field as text) rows of `queryset`, unordered, to UNION with other tagged rows."""
    return queryset.order_by().values_list(Value(tag, output_field=models.CharField()),
                                           Cast(field, output_field=models.CharField()))


def _compute_scope(user) -> Scope:
    """One query (a UNION): the paths of the user's organisations and of the roots, and the ids of
    the organisations and units at or below the user's own (a path-prefix semi-join). Every
    request of a signed-in user pays this, so it is one round trip, not one per step, and its SQL
    is compiled once per process (`_scope_sql`)."""
    if user.is_superuser:
        return Scope(everything=True)
    sql, compiled, user_at = _scope_sql(connection.alias, connection.vendor)
    params = list(compiled)
    for index in user_at:
        params[index] = user.pk
    found: dict[str, set[str]] = {"org": set(), "root": set(), "org_id": set(), "unit_id": set(),
                                  "unit_org_id": set()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for tag, value in cursor.fetchall():
            found[tag].add(value)
    if found["org"] and found["root"] <= found["org"]:
        # Supervising every root is supervising the whole deployment: no filter at all.
        return Scope(everything=True)
    return Scope(organisation_ids=frozenset(int(pk) for pk in found["org_id"]),
                 unit_ids=frozenset(int(pk) for pk in found["unit_id"]),
                 unit_organisation_ids=frozenset(int(pk) for pk in found["unit_org_id"] if pk is not None))


# A user id no user has: where it lands in the compiled parameters is where each user's id goes.
_NOBODY = -7_340_033


@functools.lru_cache(maxsize=8)
def _scope_sql(alias: str, vendor: str) -> tuple[str, tuple, tuple[int, ...]]:
    """The scope's UNION as SQL, its parameters, and the positions of the user's id among them.

    Built by the ORM once per process and database (compiling the five-part UNION cost 4 ms, more
    than running it), then run with each user's id in those positions."""
    rows = _scope_rows(_NOBODY)
    sql, params = rows.query.sql_with_params()
    user_at = tuple(index for index, value in enumerate(params) if value == _NOBODY)
    if not user_at:  # pragma: no cover - the query always filters by the user
        raise RuntimeError("the scope query does not mention its user")
    return sql, tuple(params), user_at


def _scope_rows(user_id: int):
    """(tag, value) rows of what user `user_id` reaches (see `_compute_scope`)."""
    from accounts.models import Membership, Organisation, OrganisationMembership, Unit

    organisations_below = Organisation.objects.filter(Exists(OrganisationMembership.objects.filter(
        StartsWith(OuterRef("path"), F("organisation__path")), user_id=user_id)))
    units_below = Unit.objects.filter(Exists(Membership.objects.filter(
        StartsWith(OuterRef("path"), F("unit__path")), user_id=user_id)))
    return _tagged(OrganisationMembership.objects.filter(user_id=user_id), "org", "organisation__path").union(
        _tagged(Organisation.objects.filter(parent=None), "root", "path"),
        _tagged(organisations_below, "org_id", "pk"),
        _tagged(units_below, "unit_id", "pk"),
        _tagged(Membership.objects.filter(user_id=user_id), "unit_org_id", "unit__organisation_id"), all=True)


def permission_name(model, action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how a person's scope reaches its rows.

    Subclasses set `organisation_lookup` (the path from the model to its organisation's pk, e.g.
    ``"case__organisation"``; None when rows are reached through units only) and override
    `unit_condition`.
    """

    organisation_lookup: ClassVar[str | None] = None
    # The path from the model to the unit whose staff reach a row (e.g. ``"letter__unit"``), for
    # the common case; models reached through units in another way override `unit_condition`.
    unit_lookup: ClassVar[str | None] = None

    def unit_condition(self, unit_ids: frozenset[int]) -> Q | None:
        """The rows that staff of `unit_ids` reach; None when units reach none."""
        if self.unit_lookup is None:
            return None
        return Q(**{f"{self.unit_lookup}_id__in": sorted(unit_ids)})

    def restrict(self, user, action: str = VIEW) -> RestrictedQuerySet:
        """The rows `user` may see (action "view") or act on ("change", "delete", …)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if action != VIEW and not user.has_perm(permission_name(self.model, action)):
            return self.none()
        condition = self.scope_condition(scope_of(user))
        if condition is None:
            return self
        return self.filter(condition) if condition else self.none()

    def through_units(self, user) -> RestrictedQuerySet:
        """The rows `user` reaches through their unit memberships alone ("my items"): a part of
        `restrict(user)`, asked as the one unit condition rather than the whole scope narrowed
        to the units again (two conditions the planner cannot tell are the same)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        scope = scope_of(user)
        condition = self.unit_condition(scope.unit_ids) if scope.unit_ids else None
        return self.filter(condition) if condition is not None else self.none()

    def scope_condition(self, scope: Scope) -> Q | None:
        """None for "every row", an empty Q for "no row", else the condition of the scope."""
        if scope.everything:
            return None
        parts = []
        if scope.organisation_ids and self.organisation_lookup is not None:
            parts.append(Q(**{f"{self.organisation_lookup}__in": sorted(scope.organisation_ids)}))
        if scope.unit_ids:
            by_units = self.unit_condition(scope.unit_ids)
            if by_units is not None:
                parts.append(by_units)
        return reduce(or_, parts) if parts else Q()
