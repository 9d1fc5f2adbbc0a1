"""The sign-off queue: supervisors only; submitted items with their evidence; approve or send
back with a comment in one click; several signatures where the case needs them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Evidence, Measure, SignOff
from cases.states import State
from tests import factories

PDF = b"%PDF-1.4\n% evidence\n"


def _submit(measure, staff, note="已整改到位,请销号"):
    services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=staff, note=note,
                                files=[SimpleUploadedFile("整改报告.pdf", PDF)])
    measure.refresh_from_db()
    return measure


def _decide(client, measure, decision, comment=""):
    return client.post(reverse("cases:signoff-decide", args=[measure.pk]), {
        f"s{measure.pk}-decision": decision, f"s{measure.pk}-comment": comment,
        f"s{measure.pk}-version": measure.version,
    }, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_staff_see_an_empty_queue_and_cannot_decide(client, staff, measure):
    _submit(measure, staff)
    client.force_login(staff)
    response = client.get(reverse("cases:signoff-queue"))
    assert response.status_code == 200 and response.context["rows"] == []
    assert _decide(client, measure, "approve").status_code == 400
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_queue_lists_submitted_items_with_their_evidence(client, supervisor, staff, measure, other_measure):
    _submit(measure, staff)
    client.force_login(supervisor)
    response = client.get(reverse("cases:signoff-queue"))
    assert [row["measure"].pk for row in response.context["rows"]] == [measure.pk]
    evidence = Evidence.objects.get()
    html = response.content.decode()
    assert reverse("evidence-download", args=[evidence.pk]) in html and "整改报告.pdf" in html


def test_supervisor_signs_off_in_one_click(client, supervisor, staff, measure):
    _submit(measure, staff)
    client.force_login(supervisor)
    response = _decide(client, measure, "approve")
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.state == State.COMPLETED
    assert SignOff.objects.get(measure=measure).by == supervisor


def test_send_back_needs_a_comment(client, supervisor, staff, measure):
    _submit(measure, staff)
    client.force_login(supervisor)
    response = _decide(client, measure, "send_back")
    assert response.status_code == 400
    assert "退回必须填写意见" in response.content.decode()
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_send_back_with_a_comment_returns_the_item(client, supervisor, staff, measure):
    _submit(measure, staff)
    client.force_login(supervisor)
    assert _decide(client, measure, "send_back", "请补充整改前后对比照片").status_code == 302
    measure.refresh_from_db()
    assert measure.state == State.IN_PROGRESS
    assert SignOff.objects.get(measure=measure).comment == "请补充整改前后对比照片"


def test_four_signatures_case_waits_for_the_others(client, supervisor, supervisor2, staff, unit):
    case = factories.CaseFactory()
    factories.signoff_chain(2, case=case)
    measure = _submit(factories.MeasureFactory(lead_unit=unit, issue__case=case), staff)
    client.force_login(supervisor)
    _decide(client, measure, "approve")
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED
    # Signed at step 1, it leaves this supervisor's queue and waits at step 2 in the other's.
    assert client.get(reverse("cases:signoff-queue")).context["rows"] == []
    client.force_login(supervisor2)
    row = client.get(reverse("cases:signoff-queue")).context["rows"][0]
    assert row["step_number"] == 2 and len(row["approvals"]) == 1
    _decide(client, measure, "approve")
    measure.refresh_from_db()
    assert measure.state == State.COMPLETED


def test_a_stale_decision_changes_nothing_and_keeps_the_comment(client, supervisor, supervisor2, staff, measure):
    _submit(measure, staff)
    seen = measure.version
    services.apply_action(measure=Measure.objects.get(pk=measure.pk), action="send_back", by=supervisor2,
                          note="先退回")
    services.transition_measure(measure=Measure.objects.get(pk=measure.pk), to_state=State.SUBMITTED, by=staff,
                                note="申请销号")
    measure.version = seen
    client.force_login(supervisor)
    response = _decide(client, measure, "send_back", "我的退回意见")
    assert response.status_code == 409
    assert "我的退回意见" in response.content.decode()
    assert SignOff.objects.filter(by=supervisor).count() == 0


def test_query_count_does_not_grow_with_the_queue(client, supervisor, staff, unit, case,
                                                  django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            _submit(factories.MeasureFactory(lead_unit=unit, issue__case=case), staff)

    add(2)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("cases:signoff-queue"))
    add(10)
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("cases:signoff-queue"))
    assert len(response.context["rows"]) == 12


# --- A chained queue: each signer's rows, with queries that do not grow ---------------------------


def _chained_queue(unit, case, n):
    from tests.cases.test_signoff_chain import KINDS, People

    people = People(unit)
    factories.signoff_chain(*KINDS, case=case)
    for _ in range(n):
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader)
        _submit(measure, people.staff)
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=people.head, note="属实")
    return people


def test_query_count_does_not_grow_with_a_chained_queue(client, unit, case, django_assert_max_num_queries):
    """Items of a four-step chain waiting at step 2: the lead leader's queue costs the same for 2 rows as
    for 12 (the chain, its steps and people, the round's signatures and entries are read in bulk)."""
    people = _chained_queue(unit, case, 2)
    client.force_login(people.leader)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(reverse("cases:signoff-queue")).context["rows"]) == 2
    for _ in range(10):
        measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader)
        _submit(measure, people.staff)
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=people.head, note="属实")
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("cases:signoff-queue"))
    assert len(response.context["rows"]) == 12
    assert {row["step_number"] for row in response.context["rows"]} == {2}
    client.force_login(people.head)  # signed step 1 already: nothing waits for them
    assert client.get(reverse("cases:signoff-queue")).context["rows"] == []


def test_the_queue_condition_is_served_by_its_partial_index(unit, case):
    """"Submitted, waiting at step X, longest waiting first" reads the partial index
    measure_signoff_queue_idx (only waiting items are in it), on SQLite and on PostgreSQL."""
    _chained_queue(unit, case, 3)
    queryset = Measure.objects.filter(state=State.SUBMITTED, signoff_step=2).order_by("last_progress_at", "pk")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # tiny tables: make the planner show what it can use
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    plan = queryset.explain()
    assert "measure_signoff_queue_idx" in plan, plan
    assert queryset.count() == 3
