"""The synthetic province: counts, determinism and the consistency the services would keep."""

from __future__ import annotations

import datetime
import importlib.machinery
import importlib.util
import io
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, Unit, User
from cases.models import Case, Issue, Measure, ProgressUpdate, SignOff
from cases.services import refresh_issue_states
from cases.states import Action, State, find_rule

TODAY = datetime.date(2026, 3, 2)
SIZES = {"cases": 6, "units": 30, "problems": 60, "measures": 240, "progress": 700}


def generate(**overrides):
    options = {**SIZES, "seed": 7, "today": TODAY, "batch_size": 50, **overrides}
    out = io.StringIO()
    call_command("generate_load", *[f"--{k.replace('_', '-')}={v}" for k, v in options.items()], stdout=out)
    return out.getvalue()


def snapshot():
    """The generated content, without database ids or insert-time timestamps."""
    units = {u.pk: u.name for u in Unit.objects.all()}
    return {
        "units": sorted((u.name, units.get(u.parent_id), u.kind) for u in Unit.objects.all()),
        "measures": sorted(
            (m.text, m.label, units[m.lead_unit_id], m.kind, m.deadline, m.state, m.version, m.last_progress_at,
             m.completed_at, m.issue.title, m.case.title)
            for m in Measure.objects.select_related("issue", "case")
        ),
        "progress": sorted(Counter(ProgressUpdate.objects.values_list("action", "from_state", "to_state")).items()),
    }


@pytest.mark.django_db
def test_it_creates_the_requested_counts():
    output = generate()
    assert Case.objects.count() == 6
    assert Unit.objects.count() == 30
    assert Issue.objects.filter(kind=Issue.Kind.PROBLEM).count() == 60
    assert Measure.objects.count() == 240
    assert ProgressUpdate.objects.count() == 700
    assert Membership.objects.count() >= 30
    assert "rows/s" in output


@pytest.mark.django_db
def test_same_seed_gives_the_same_province():
    generate()
    first = snapshot()
    for model in (SignOff, ProgressUpdate, Measure, Issue, Case, Membership):
        model.objects.all().delete()
    User.objects.filter(username__startswith="load_").delete()
    _delete_units()
    generate()
    assert snapshot() == first


def _delete_units():
    # Units protect their children: delete the deepest first.
    for unit in sorted(Unit.objects.all(), key=lambda u: -u.path.count("/")):
        unit.delete()


@pytest.mark.django_db
def test_another_seed_gives_another_province():
    generate()
    first = snapshot()
    for model in (SignOff, ProgressUpdate, Measure, Issue, Case, Membership):
        model.objects.all().delete()
    User.objects.filter(username__startswith="load_").delete()
    _delete_units()
    generate(seed=8)
    assert snapshot() != first


@pytest.mark.django_db
def test_tree_paths_are_what_save_would_write():
    generate()
    for model in (Unit, Issue):
        paths = dict(model.objects.values_list("pk", "path"))
        for pk, parent_id, path in model.objects.values_list("pk", "parent_id", "path"):
            expected = f"{paths[parent_id] if parent_id else '/'}{pk}/"
            assert path == expected, (model.__name__, pk)


@pytest.mark.django_db
def test_issue_roll_ups_match_refresh_issue_states():
    generate()
    assert Issue.objects.exclude(state=State.PLANNED).exists()
    for case_id in Case.objects.values_list("pk", flat=True):
        assert refresh_issue_states(case_id) == 0


@pytest.mark.django_db
def test_every_state_is_reached_by_legal_steps_with_consistent_columns():
    generate()
    log = {}
    for update in ProgressUpdate.objects.order_by("created_at", "pk"):
        log.setdefault(update.measure_id, []).append(update)
    states = Counter()
    for measure in Measure.objects.select_related("case"):
        states[measure.state] += 1
        updates = log.get(measure.pk, [])
        state = State.PLANNED
        for update in updates:
            assert update.from_state == state
            if update.action == Action.NOTE or (update.action == Action.APPROVE and update.to_state == state):
                assert update.to_state == state
            else:
                rule = find_rule(update.from_state, update.to_state)
                assert rule is not None and rule.action == update.action, (update.action, update.from_state)
            state = update.to_state
        assert state == measure.state
        assert measure.version == 1 + len(updates)
        assert measure.last_progress_at == (updates[-1].created_at if updates else None)
        if measure.state == State.COMPLETED:
            # Notes may follow (回头看); the completion is the last approval.
            assert measure.completed_at == [u for u in updates if u.action == Action.APPROVE][-1].created_at
            approvers = SignOff.objects.filter(measure=measure, round=measure.signoff_round, decision="approve")
            chain = measure.case.signoff_chain
            required = chain.steps.count() if chain else 1
            assert approvers.values("by").distinct().count() == required
            assert sorted(approvers.values_list("step", flat=True)) == list(range(1, required + 1))
        elif measure.state == State.SUBMITTED:
            assert measure.signoff_step >= 1 and measure.signoff_requested_on is not None
        if measure.state != State.COMPLETED:
            assert measure.completed_at is None
        assert measure.kind == Measure.Kind.LONG_TERM or measure.deadline is not None
    assert {State.PLANNED, State.IN_PROGRESS, State.COMPLETED} <= set(states)


@pytest.mark.django_db
def test_a_realistic_share_is_overdue_and_staff_see_their_units():
    generate(measures=600, progress=1500)
    overdue = Measure.objects.overdue(on=TODAY).count()
    assert 0.03 * 600 < overdue < 0.4 * 600
    staff = User.objects.get(username="load_staff1")
    units = staff.unit_ids
    expected = {m.pk for m in Measure.objects.prefetch_related("supporting_units")
                if m.lead_unit_id in units or any(u.pk in units for u in m.supporting_units.all())}
    assert set(Measure.objects.restrict(staff).values_list("pk", flat=True)) == expected
    supervisor = User.objects.get(username="load_supervisor1")
    assert Measure.objects.restrict(supervisor).count() == Measure.objects.count()


@pytest.mark.django_db
def test_it_refuses_to_run_twice_on_the_same_database():
    generate()
    with pytest.raises(CommandError, match="already present"):
        generate()


@pytest.mark.django_db
def test_it_refuses_impossible_sizes():
    with pytest.raises(CommandError, match="--measures must be at least --problems"):
        generate(measures=10)


def test_benchmark_runner_parses_its_options():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "run"
    loader = importlib.machinery.SourceFileLoader("benchmarks_run", str(path))
    spec = importlib.util.spec_from_loader("benchmarks_run", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks_run"] = module  # dataclasses look their module up there
    loader.exec_module(module)
    quick = module.parse_args(["--quick"])
    assert quick.scale.name == "quick"
    assert module.parse_args([]).scale.name == "default"
    assert module.parse_args(["--full"]).scale.measures == 400_000


@pytest.mark.django_db
def test_a_province_of_organisations_each_keeping_to_its_own():
    from accounts.models import Organisation

    generate(cases=12, organisations=4)
    province = Organisation.objects.get(parent=None)
    below = Organisation.objects.exclude(pk=province.pk)
    kinds = set(below.values_list("kind", flat=True))
    assert {Organisation.Kind.COUNTY, Organisation.Kind.TOWNSHIP} <= kinds
    townships = below.filter(kind=Organisation.Kind.TOWNSHIP)
    assert all(t.parent.kind == Organisation.Kind.COUNTY for t in townships)
    # Every measure's units are units of its case's organisation.
    for m in Measure.objects.select_related("case", "lead_unit").prefetch_related("supporting_units"):
        assert m.lead_unit.organisation_id == m.case.organisation_id
        assert all(u.organisation_id == m.case.organisation_id for u in m.supporting_units.all())
    assert Case.objects.values("organisation").distinct().count() > 2
    # A county's 整改办 reads the county and its townships, nothing else; the province reads all.
    county = townships.first().parent
    subtree = set(Organisation.objects.filter(path__startswith=county.path).values_list("pk", flat=True))
    n = list(below.order_by("pk").values_list("pk", flat=True)).index(county.pk) + 1
    county_supervisor = User.objects.get(username=f"load_orgsup{n}")
    seen = Measure.objects.restrict(county_supervisor)
    assert seen.exists()
    assert set(seen.values_list("case__organisation", flat=True)) <= subtree
    assert seen.count() == Measure.objects.filter(case__organisation__in=subtree).count()
    assert Measure.objects.restrict(User.objects.get(username="load_supervisor1")).count() == Measure.objects.count()
