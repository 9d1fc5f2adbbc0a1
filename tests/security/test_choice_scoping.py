"""Every choice of a related row offered to a user — a FilterSet's model choice filter, an admin
form's foreign key (inlines too), an API field accepting a pk on write — goes through the one
scoping rule: a row of another organisation is refused exactly like a row that does not exist
(same message, same status), so its id is neither usable nor disclosed."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.test import RequestFactory
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from rest_framework import relations
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.filtering import BoundedFilterSet, FilterBackend
from cases.models import Measure
from cases.urging.models import Ladder, LadderLevel
from config.api import router
from tests.accounts.test_access_matrix import ROLES, world  # noqa: F401
from tests.api.conftest import client_for  # noqa: F401

MISSING = 987654321


@pytest.fixture
def hidden(world):  # noqa: F811
    """One row of every choosable model that the roles of 甲县 may not see (乙县's)."""
    county_b = world["hidden"]["organisation"]
    ladder = Ladder.objects.create(name="乙县督办阶梯", organisation=county_b)
    level = LadderLevel.objects.create(ladder=ladder, rank=1, name="乙县黄色预警", threshold_days=0, colour="yellow")
    by_model = {obj._meta.model: obj for obj in world["hidden"].values() if obj is not None}
    by_model[LadderLevel] = level
    return by_model


def _filtersets():
    """Every FilterSet the code declares, and those the API builds from a view's `filterset_fields`."""
    import config.urls  # noqa: F401  (imports every module that declares a FilterSet)

    found, todo = {}, list(BoundedFilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith(("cases.", "notices.", "accounts.")):
            found[cls.__name__] = cls
    for _prefix, viewset, _basename in router.registry:
        if getattr(viewset, "filterset_fields", None) and not getattr(viewset, "filterset_class", None):
            view = viewset()
            model = viewset.queryset.model if viewset.queryset is not None else _model_of(viewset)
            cls = FilterBackend().get_filterset_class(view, model._default_manager.all())
            found[f"{viewset.__name__}.filterset_fields"] = cls
    return found


def _model_of(viewset):
    return viewset.serializer_class.Meta.model


def _choice_filters(filterset_class):
    return {name: flt for name, flt in filterset_class.base_filters.items()
            if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter)}


def _errors(filterset_class, name, flt, value, user) -> dict:
    data = QueryDict(mutable=True)
    if isinstance(flt, ModelMultipleChoiceFilter):
        data.setlist(name, [str(value)])
    else:
        data[name] = str(value)
    request = RequestFactory().get("/")
    request.user = user
    filterset = filterset_class(data, queryset=filterset_class._meta.model._default_manager.all(), request=request)
    return {} if filterset.is_valid() else filterset.errors.get_json_data()


def _model_of_filter(flt):
    queryset = flt.queryset
    return queryset.model


def test_every_filterset_with_choices_is_found():
    found = _filtersets()
    with_choices = {name for name, cls in found.items() if _choice_filters(cls)}
    assert {"MeasureFilterSet", "IssueFilterSet", "ProgressUpdateFilterSet", "ReminderFilterSet",
            "NoticeFilterSet", "OutcomeFigureFilterSet", "UnitViewSet.filterset_fields",
            "OrganisationViewSet.filterset_fields"} <= with_choices


@pytest.mark.parametrize("filterset_name", sorted(_filtersets()))
@pytest.mark.parametrize("role", ROLES)
def test_a_hidden_choice_is_refused_exactly_like_a_missing_one(world, hidden, role, filterset_name):  # noqa: F811
    filterset_class = _filtersets()[filterset_name]
    user = world["people"][role]
    checked = 0
    for name, flt in _choice_filters(filterset_class).items():
        target = hidden[_model_of_filter(flt)]
        refused = _errors(filterset_class, name, flt, target.pk, user)
        missing = _errors(filterset_class, name, flt, MISSING, user)
        assert name in refused, (filterset_name, name, "a hidden id was accepted")
        # The same words, with the id typed as the only difference.
        text = str(refused).replace(str(target.pk), "ID")
        assert text == str(missing).replace(str(MISSING), "ID"), (filterset_name, name)
        checked += 1
    assert checked == len(_choice_filters(filterset_class))


@pytest.mark.parametrize("filterset_name", sorted(_filtersets()))
def test_a_visible_choice_still_filters(world, hidden, filterset_name):  # noqa: F811
    filterset_class = _filtersets()[filterset_name]
    user = world["people"]["supervisor_a"]
    for name, flt in _choice_filters(filterset_class).items():
        model = _model_of_filter(flt)
        visible = model._default_manager.all().restrict(user).exclude(pk=hidden[model].pk).first()
        if model is LadderLevel and visible is None:
            visible = LadderLevel.objects.create(ladder=Ladder.objects.create(name="默认阶梯"), rank=1, name="提醒",
                                                 threshold_days=0, colour="green")
        assert visible is not None, (filterset_name, name)
        assert _errors(filterset_class, name, flt, visible.pk, user) == {}, (filterset_name, name)


def test_the_measures_api_answers_a_hidden_lead_unit_as_a_missing_one(world, client_for):  # noqa: F811
    api = client_for(world["people"]["supervisor_a"])
    hidden_unit = world["unit_b"]
    found = api.get("/api/v1/measures/", {"lead_unit": hidden_unit.pk})
    missing = api.get("/api/v1/measures/", {"lead_unit": MISSING})
    assert (found.status_code, missing.status_code) == (400, 400)
    assert found.json()["error"]["fields"].keys() == {"lead_unit"}
    assert (found.content.decode().replace(str(hidden_unit.pk), "ID")
            == missing.content.decode().replace(str(MISSING), "ID"))
    own = world["measure_a2"].lead_unit
    assert api.get("/api/v1/measures/", {"lead_unit": own.pk}).status_code == 200


@pytest.mark.parametrize("field,value", [("lead_unit", "unit"), ("lead_leader", "user"),
                                         ("supporting_units", "unit"), ("issue", "issue")])
def test_a_measure_cannot_be_given_a_hidden_unit_leader_or_issue(world, client_for, field, value):  # noqa: F811
    api = client_for(world["people"]["supervisor_a"])
    measure = world["measure_a2"]
    target = world["hidden"][value]

    def patch(pk):
        return api.patch(f"/api/v1/measures/{measure.pk}/", {field: [pk] if field == "supporting_units" else pk},
                         format="json")

    found, missing = patch(target.pk), patch(MISSING)
    assert (found.status_code, missing.status_code) == (400, 400)
    assert (found.content.decode().replace(str(target.pk), "ID")
            == missing.content.decode().replace(str(MISSING), "ID"))
    measure.refresh_from_db()
    assert measure.lead_unit != world["unit_b"] and measure.lead_leader != world["hidden"]["user"]
    assert not measure.supporting_units.filter(pk=world["unit_b"].pk).exists()


def test_every_writable_related_field_of_the_api_is_scoped(world, hidden):  # noqa: F811
    """Every serializer of every route, as used to create or update: no pk field offers a hidden row."""
    user = world["people"]["supervisor_a"]
    checked = 0
    for _prefix, viewset, _basename in router.registry:
        for action in ("create", "update", "partial_update"):
            if not hasattr(viewset, action):
                continue
            view = viewset(action=action, kwargs={}, format_kwarg=None)
            request = Request(APIRequestFactory().post("/"))
            request.user = user
            view.request = request
            for name, field in view.get_serializer().fields.items():
                relation = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
                if field.read_only or not isinstance(relation, relations.RelatedField):
                    continue
                queryset = relation.get_queryset()
                target = hidden.get(queryset.model)
                assert target is not None, (viewset.__name__, name, queryset.model)
                assert not queryset.filter(pk=target.pk).exists(), (viewset.__name__, action, name)
                checked += 1
    assert checked >= 4


def _admins():
    registered = [(model, model_admin) for model, model_admin in admin.site._registry.items()
                  if model._meta.app_label in ("accounts", "cases", "notices")]
    for model, model_admin in registered:
        yield model, model_admin
        for inline_class in model_admin.inlines:
            yield inline_class.model, inline_class(model, admin.site)


@pytest.mark.parametrize("role", ROLES)
def test_no_admin_form_offers_or_accepts_a_hidden_row(world, hidden, role):  # noqa: F811
    """Every foreign key and many-to-many field of every admin and of its inlines."""
    user = world["people"][role]
    request = RequestFactory().get("/admin/")
    request.user = user
    checked = 0
    for model, model_admin in _admins():
        readonly = set(model_admin.get_readonly_fields(request))
        for db_field in model._meta.get_fields():
            if not isinstance(db_field, models.ForeignKey | models.ManyToManyField) or not db_field.editable:
                continue
            if db_field.name in readonly:
                continue
            target = hidden.get(db_field.related_model)
            if target is None:
                continue
            formfield = model_admin.formfield_for_dbfield(db_field, request)
            if formfield is None or not hasattr(formfield, "queryset"):
                continue
            assert not formfield.queryset.filter(pk=target.pk).exists(), (type(model_admin).__name__, db_field.name)
            checked += 1
    assert checked >= 10


def test_inline_membership_refuses_a_hidden_unit(world):  # noqa: F811
    """The user admin's unit memberships (an inline): a posted hidden unit id is not accepted."""
    from accounts.admin import MembershipInline
    from accounts.models import Membership, User

    request = RequestFactory().get("/admin/")
    request.user = world["people"]["admin_a"]
    inline = MembershipInline(User, admin.site)
    field = inline.formfield_for_dbfield(Membership._meta.get_field("unit"), request)
    with pytest.raises(ValidationError) as refused:
        field.clean(world["unit_b"].pk)
    assert refused.value.code == "invalid_choice"
    assert field.clean(world["measure_a2"].lead_unit.pk) == world["measure_a2"].lead_unit
    assert Measure.objects.restrict(request.user).exists()


@pytest.mark.parametrize("filterset_name", sorted(_filtersets()))
def test_a_rendered_form_offers_only_visible_choices(world, hidden, filterset_name):  # noqa: F811
    """The choices are scoped when first used: listing a form's options is a use, as is checking an id."""
    filterset_class = _filtersets()[filterset_name]
    request = RequestFactory().get("/")
    request.user = world["people"]["supervisor_a"]
    filterset = filterset_class(QueryDict(), queryset=filterset_class._meta.model._default_manager.all(),
                                request=request)
    for name in _choice_filters(filterset_class):
        offered = {str(value) for value, _label in filterset.form.fields[name].choices if value != ""}
        model = _model_of_filter(filterset_class.base_filters[name])
        assert offered, (filterset_name, name, "no visible choice offered")
        assert str(hidden[model].pk) not in offered, (filterset_name, name)


@pytest.mark.parametrize("role", ROLES)
def test_choices_of_unused_filters_are_not_scoped(world, monkeypatch, role):  # noqa: F811
    """A request that uses one choice filter scopes that filter's choices only: a staff member's
    request built seven scoped querysets for filters it did not use."""
    from accounts.models import Unit
    from accounts.scoping import RestrictedQuerySet
    from cases.filters import MeasureFilterSet

    request = RequestFactory().get("/")
    request.user = world["people"][role]
    unit = Measure.objects.restrict(request.user).values_list("lead_unit", flat=True).first()
    scoped = []
    restrict = RestrictedQuerySet.restrict
    monkeypatch.setattr(RestrictedQuerySet, "restrict",
                        lambda self, user, action="view": scoped.append(self.model) or restrict(self, user, action))

    filterset = MeasureFilterSet(QueryDict(f"lead_unit={unit}"), queryset=Measure.objects.all(), request=request)

    assert filterset.is_valid(), filterset.errors
    assert list(filterset.qs.values_list("lead_unit", flat=True).distinct()) == [unit]
    assert scoped == [Unit]
