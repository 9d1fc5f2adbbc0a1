from django.core.management import call_command

from accounts.models import Organisation, Unit, User
from cases.demo import COUNTY, COUNTY_B, DEMO_TITLE
from cases.models import Case, Measure, ProgressUpdate
from cases.states import State


def test_load_demo_builds_a_case_in_every_state_and_is_idempotent(db, capsys):
    call_command("load_demo")
    case = Case.objects.with_progress().get(title=DEMO_TITLE)
    assert case.problem_total == 30
    qinghe = case.measures.all()
    assert qinghe.count() == 80
    assert set(qinghe.values_list("state", flat=True)) == set(State.values)
    assert qinghe.overdue().exists()
    assert qinghe.values("lead_unit").distinct().count() == 8
    assert ProgressUpdate.objects.filter(measure__case=case).count() > 80
    out = capsys.readouterr().out
    assert "supervisor" in out and "rectify-demo" in out
    total = Measure.objects.count()
    call_command("load_demo")
    assert Case.objects.count() == 2
    assert Measure.objects.count() == total
    assert "already" in capsys.readouterr().out


def test_demo_is_a_province_of_two_counties_each_seeing_only_its_own(db):
    call_command("load_demo")
    province = Organisation.objects.get(parent=None)
    assert set(province.children.values_list("name", flat=True)) == {COUNTY, COUNTY_B}
    # Each county has its own 县财政局.
    assert Unit.objects.filter(name="县财政局").count() == 2
    people = {u.username: u for u in User.objects.all()}
    assert Case.objects.restrict(people["province"]).count() == 2
    for name, county in (("supervisor", COUNTY), ("supervisor2", COUNTY), ("supervisor_b", COUNTY_B),
                         ("staff", COUNTY), ("staff2", COUNTY), ("staff_b", COUNTY_B)):
        cases = Case.objects.restrict(people[name])
        assert list(cases.values_list("organisation__name", flat=True)) == [county], name


def test_demo_holds_one_held_and_one_relapsed_look_back(db):
    from cases.lookback.models import Lookback

    call_command("load_demo")
    outcomes = sorted(Lookback.objects.exclude(outcome=Lookback.Outcome.PENDING).values_list("outcome", flat=True))
    assert outcomes == sorted([Lookback.Outcome.HELD, Lookback.Outcome.RELAPSED])


def test_every_demo_login_lands_on_a_page_of_its_work(db, client):
    """Leaders (an organisation membership, no dashboard permission) once got a 403 at /."""
    call_command("load_demo")
    landed = {}
    for user in User.objects.filter(is_active=True):
        client.force_login(user)
        response = client.get("/", follow=True)
        assert response.status_code == 200, user.username
        landed[user.username] = response.redirect_chain[-1][0]
    assert landed["supervisor"] == "/dashboard/"
    assert landed["staff"] == "/my/"
    assert landed["leader_zhou"] == landed["leader_li"] == "/signoff/"


def test_demo_queue_holds_look_backs_due_now(db, client):
    # An office opening 回头看 on the demo must find work waiting: two overdue checks and one due today.
    from django.urls import reverse

    from cases.lookback import services

    call_command("load_demo")
    # The daily planner recomputes pending due dates from the sign-offs: the demo's stay put.
    first_run = services.plan_lookbacks()
    assert (first_run.created, first_run.rescheduled, first_run.dropped) == (0, 0, 0)
    client.force_login(User.objects.get(username="supervisor"))
    response = client.get(reverse("cases:lookback-queue"))
    rows = response.context["due_rows"]
    assert len(rows) >= 3
    assert sum(1 for row in rows if row["overdue"]) >= 2
