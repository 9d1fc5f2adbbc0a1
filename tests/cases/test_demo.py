from django.core.management import call_command

from cases.models import Case, Measure, ProgressUpdate
from cases.states import State


def test_load_demo_builds_a_case_in_every_state_and_is_idempotent(db, capsys):
    call_command("load_demo")
    case = Case.objects.with_progress().get()
    assert case.problem_total == 30
    assert Measure.objects.count() == 80
    assert set(Measure.objects.values_list("state", flat=True)) == set(State.values)
    assert Measure.objects.overdue().exists()
    assert Measure.objects.values("lead_unit").distinct().count() == 8
    assert ProgressUpdate.objects.count() > 80
    out = capsys.readouterr().out
    assert "supervisor" in out and "rectify-demo" in out
    call_command("load_demo")
    assert Case.objects.count() == 1
    assert Measure.objects.count() == 80
    assert "already" in capsys.readouterr().out
