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
