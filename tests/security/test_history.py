"""Who may do what, and every case, issue, unit, person, membership and organisation: each change
is kept (django-simple-history) and the admin shows it as old → new in the interface language."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Organisation, OrganisationMembership, Role, Unit, User
from cases.models import Case, Issue
from tests import factories


@pytest.fixture
def admin_client(client, rectify_admin):
    client.force_login(rectify_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def _history_page(client, obj) -> str:
    opts = obj._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r">\s*None\s*<", page), "a history column shows Python's None"
    return page


def test_a_case_change_old_to_new_in_chinese(admin_client, rectify_admin, measure):
    case = measure.case
    old_team = case.inspection_team
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = admin_client.post(url, _case_form(admin_client, case, inspection_team="省委第七巡视组"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    last = Case.history.filter(id=case.pk).order_by("-history_date", "-history_id").first()
    assert (last.inspection_team, last.history_user, last.history_type) == ("省委第七巡视组", rectify_admin, "~")
    page = _history_page(admin_client, case)
    flat = " ".join(re.sub(r"<[^>]+>", " ", page).replace("&nbsp;", " ").replace("&rarr;", "→").split())
    with translation.override("zh-hans"):
        label = str(Case._meta.get_field("inspection_team").verbose_name)
    assert label != "inspection team"
    assert f"{label}: {old_team or '—'} → 省委第七巡视组" in flat, flat[-800:]
    entry = LogEntry.objects.filter(object_id=str(case.pk)).latest("action_time")
    with translation.override("zh-hans"):
        assert label in entry.get_change_message()
        assert "Inspection team" not in entry.get_change_message()


def test_a_sign_off_chain_is_recorded(rectify_admin):
    from cases.models import SignoffChain, SignoffStep

    chain = SignoffChain.objects.create(name="四签制")
    step = SignoffStep.objects.create(chain=chain, position=1, title="科室负责人", signer="lead_unit_head")
    step.signer = "lead_leader"
    step.save()
    assert list(SignoffStep.history.filter(id=step.pk).order_by("history_date").values_list("signer", flat=True)) \
        == ["lead_unit_head", "lead_leader"]
    assert SignoffChain.history.filter(id=chain.pk).exists()


def _case_form(client, case, **overrides):
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    form = response.context["adminform"].form
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        value = getattr(value, "pk", value)
        data[name] = "" if value is None else value
    data.update(overrides)
    return data


def test_the_history_page_shows_values_as_people_read_them(admin_client, measure):
    case = measure.case
    case.kind = Case.Kind.AUDIT
    case.save()
    page = _history_page(admin_client, case)
    # The choice by its label in Chinese, not its stored value.
    with translation.override("zh-hans"):
        assert str(Case.Kind.AUDIT.label) in page and str(Case.Kind.INSPECTION.label) in page
    assert ">audit<" not in page


def test_a_units_head_and_a_persons_roles_and_flags(admin_client, unit):
    head = factories.UserFactory(name="张主任")
    unit.head = head
    unit.save()
    assert "张主任" in _history_page(admin_client, unit)
    person = factories.UserFactory(role="staff", units=[unit], name="李联络员")
    person.groups.add(Group.objects.get(name="supervisor"))
    person.is_active = False
    person.save()
    records = list(User.history.filter(id=person.pk).order_by("history_date"))
    assert records[-1].is_active is False
    assert "supervisor" in {g.group.name for g in records[-1].groups.all()}
    assert not hasattr(records[-1], "password")
    page = _history_page(admin_client, person)
    assert "是" in page and "否" in page


def test_memberships_and_organisations_are_recorded(rectify_admin, unit):
    person = factories.UserFactory()
    membership = Membership.objects.create(user=person, unit=unit)
    membership.delete()
    assert list(Membership.history.filter(user_id=person.pk).values_list("history_type", flat=True)) == ["-", "+"]
    organisation = Organisation.objects.create(name="新区")
    link = OrganisationMembership.objects.create(user=person, organisation=organisation)
    link.role = OrganisationMembership.OrgRole.choices[-1][0]
    link.save()
    assert OrganisationMembership.history.filter(id=link.pk).count() == 2
    organisation.name = "新区（更名）"
    organisation.save()
    assert [h.name for h in Organisation.history.filter(id=organisation.pk).order_by("history_date")] == \
        ["新区", "新区（更名）"]


def test_issues_are_recorded_but_not_their_rolled_up_state(measure):
    issue = measure.issue
    issue.title = "改写后的问题"
    issue.save()
    records = Issue.history.filter(id=issue.pk)
    assert records.first().title == "改写后的问题"
    assert not hasattr(records.first(), "state")
    assert Unit.history.exists() and Case.history.exists()




def _flat(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&nbsp;", " ").replace("&rarr;", "→").split())


def test_the_history_columns_are_headed_and_filled_in_the_interface_language(admin_client, measure):
    measure.deadline = measure.deadline.replace(year=measure.deadline.year + 1)
    measure.save()
    page = _history_page(admin_client, measure)
    header = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    with translation.override("zh-hans"):
        lead_unit = str(measure._meta.get_field("lead_unit").verbose_name)
        state = str(measure.get_state_display())
    assert "lead_unit" not in header and lead_unit in header
    assert f">{measure.state}<" not in page.replace(" ", "").replace("\n", "")
    assert state in _flat(re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1))
    assert str(measure.lead_unit) in page


def test_nothing_before_reads_as_a_dash_not_as_a_deleted_row(admin_client, unit):
    unit.head = factories.UserFactory(name="张主任")
    unit.save()
    flat = _flat(_history_page(admin_client, unit))
    assert "Deleted" not in flat and "pk=None" not in flat
    assert "— → 张主任" in flat


def test_a_persons_history_lists_their_memberships_old_to_new(admin_client, unit):
    person = factories.UserFactory(name="王联络员")
    membership = Membership.objects.create(user=person, unit=unit, role=Membership.UnitRole.LIAISON)
    membership.role = Membership.UnitRole.HEAD
    membership.save()
    person.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    person.save()
    flat = _flat(_history_page(admin_client, person))
    with translation.override("zh-hans"):
        liaison, head = str(Membership.UnitRole.LIAISON.label), str(Membership.UnitRole.HEAD.label)
        supervisor = str(Role.SUPERVISOR.label)
    assert "所属单位和组织的变更" in flat
    assert f"{unit.name} {liaison} → {head}" in flat
    # The role group by its role's name, not the group's code name.
    assert f"— → {supervisor}" in flat and "→ supervisor" not in flat


def test_a_sign_off_chains_history_page_shows_its_changes(admin_client):
    from cases.models import SignoffChain

    chain = SignoffChain.objects.create(name="四签制", evidence=SignoffChain.Evidence.choices[0][0])
    chain.evidence = SignoffChain.Evidence.choices[-1][0]
    chain.save()
    flat = _flat(_history_page(admin_client, chain))
    with translation.override("zh-hans"):
        label = str(SignoffChain._meta.get_field("evidence").verbose_name)
        old, new = (str(SignoffChain.Evidence.choices[i][1]) for i in (0, -1))
    assert f"{label}: {old} → {new}" in flat
