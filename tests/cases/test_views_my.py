"""/my/ for staff: their units' items only, overdue first, and the weekly update from the page:
a note, evidence files, a new state or a request for sign-off, without losing what was typed."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import Evidence, Measure, ProgressUpdate
from cases.states import State
from tests import factories

TODAY = datetime.date(2026, 3, 4)
PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, tzinfo=datetime.UTC), tick=False):
        yield


def _post(client, measure, **fields):
    data = {f"m{measure.pk}-version": measure.version, f"m{measure.pk}-note": "", f"m{measure.pk}-to_state": ""}
    data.update({f"m{measure.pk}-{k}": v for k, v in fields.items()})
    return client.post(reverse("cases:measure-detail", args=[measure.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_staff_see_only_their_units_items_overdue_first(client, staff, unit, other_unit, case):
    later = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=TODAY + datetime.timedelta(days=9))
    late = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=TODAY - datetime.timedelta(days=5))
    factories.MeasureFactory(lead_unit=other_unit, issue__case=case)
    client.force_login(staff)
    response = client.get(reverse("cases:my-items"))
    assert [c["measure"].pk for c in response.context["cards"]] == [late.pk, later.pk]
    assert response.context["summary"]["overdue"][0] == 1


def test_supporting_units_items_are_listed_too(client, staff, unit, other_unit, case):
    shared = factories.MeasureFactory(lead_unit=other_unit, issue__case=case)
    shared.supporting_units.add(unit)
    client.force_login(staff)
    assert [c["measure"].pk for c in client.get(reverse("cases:my-items")).context["cards"]] == [shared.pk]


def test_staff_log_progress_with_a_note_and_a_file(client, staff, measure):
    client.force_login(staff)
    response = _post(client, measure, note="已完成排查12项", files=SimpleUploadedFile("核查报告.pdf", PDF))
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(measure=measure, author=staff)
    assert update.note == "已完成排查12项"
    assert Evidence.objects.get(progress=update).original_name == "核查报告.pdf"
    assert f"#m{measure.pk}" in response["Location"]


def test_staff_request_sign_off_from_the_page(client, staff, measure):
    measure.state = State.PHASED
    measure.save()
    client.force_login(staff)
    response = _post(client, measure, note="已整改到位", to_state=State.SUBMITTED)
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_the_form_offers_only_the_transitions_the_user_may_apply(client, staff, measure):
    measure.state = State.SUBMITTED
    measure.save()
    client.force_login(staff)
    response = client.get(reverse("cases:my-items"))
    choices = [value for value, _label in response.context["cards"][0]["form"].fields["to_state"].choices]
    assert choices == [""]
    refused = _post(client, measure, note="自己销号", to_state=State.COMPLETED)
    assert refused.status_code == 400
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_an_empty_update_is_refused_with_a_chinese_message(client, staff, measure):
    client.force_login(staff)
    response = _post(client, measure)
    assert response.status_code == 400
    assert "请填写进展说明" in response.content.decode()
    assert not ProgressUpdate.objects.filter(measure=measure).exists()


def test_a_refused_file_keeps_the_note(client, staff, measure):
    client.force_login(staff)
    response = _post(client, measure, note="本周进展说明", files=SimpleUploadedFile("x.exe", b"MZ\x90\x00"))
    assert response.status_code == 400
    assert "本周进展说明" in response.content.decode()
    assert not ProgressUpdate.objects.filter(measure=measure).exists()


def test_a_stale_form_saves_nothing_and_keeps_the_note(client, staff, supervisor, measure):
    client.force_login(staff)
    seen = measure.version
    services.log_progress(measure=Measure.objects.get(pk=measure.pk), by=supervisor, note="督办意见")
    measure.version = seen
    response = _post(client, measure, note="我写了很长的说明")
    assert response.status_code == 409
    html = response.content.decode()
    assert "我写了很长的说明" in html and "本次未保存" in html
    assert not ProgressUpdate.objects.filter(measure=measure, author=staff).exists()


def test_staff_cannot_post_to_another_units_item(client, staff, other_measure):
    client.force_login(staff)
    assert _post(client, other_measure, note="越权").status_code == 404
    assert not ProgressUpdate.objects.filter(measure=other_measure).exists()


def test_evidence_links_go_to_the_protected_download(client, staff, measure):
    services.log_progress(measure=measure, by=staff, note="附件", files=[SimpleUploadedFile("a.pdf", PDF)])
    client.force_login(staff)
    evidence = Evidence.objects.get()
    html = client.get(reverse("cases:my-items")).content.decode()
    assert reverse("evidence-download", args=[evidence.pk]) in html


def test_available_actions_for_matches_available_actions(staff, measure, other_measure):
    bulk = services.available_actions_for(staff, [measure, other_measure])
    assert bulk[measure.pk] == services.available_actions(staff, measure)
    assert bulk[other_measure.pk] == [] == services.available_actions(staff, other_measure)


def test_query_count_does_not_grow_with_the_items(client, staff, unit, case, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            deadline = TODAY + datetime.timedelta(days=i - 3)
            m = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=deadline)
            services.log_progress(measure=m, by=staff, note=f"进展{i}", files=[SimpleUploadedFile("a.pdf", PDF)])

    add(2)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("cases:my-items"))
    add(12)
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("cases:my-items"))
    assert len(response.context["cards"]) == 14


# --- The forms post to /my/ itself -------------------------------------------------------------


def _post_my(client, measure, query="", **fields):
    data = {"measure": measure.pk, f"m{measure.pk}-version": measure.version, f"m{measure.pk}-note": "",
            f"m{measure.pk}-to_state": ""}
    data.update({f"m{measure.pk}-{k}": v for k, v in fields.items()})
    return client.post(reverse("cases:my-items") + query, data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_cards_post_to_my_items_not_to_another_page(client, staff, measure):
    client.force_login(staff)
    html = client.get(reverse("cases:my-items") + "?ongoing=true").content.decode()
    assert 'action="/my/?ongoing=true"' in html and f'name="measure" value="{measure.pk}"' in html


def test_a_refused_form_on_my_items_stays_on_my_items_with_the_note(client, staff, measure):
    client.force_login(staff)
    response = _post_my(client, measure, "?ongoing=true", note="本周进展", files=SimpleUploadedFile("x.exe", b"MZ\x90"))
    assert response.status_code == 400
    assert response.templates[0].name == "cases/my_items.html"
    card = next(c for c in response.context["cards"] if c["measure"].pk == measure.pk)
    assert card["refused"] and card["form"].errors
    html = response.content.decode()
    assert "本周进展" in html and "autofocus" in html
    assert not ProgressUpdate.objects.filter(measure=measure).exists()


def test_a_saved_update_returns_to_the_same_list(client, staff, measure):
    client.force_login(staff)
    response = _post_my(client, measure, "?ongoing=true", note="进展")
    assert response.status_code == 302
    assert response["Location"] == f"/my/?ongoing=true#m{measure.pk}"


def test_a_stale_form_on_my_items_says_so_on_my_items(client, staff, supervisor, measure):
    client.force_login(staff)
    seen = measure.version
    services.log_progress(measure=Measure.objects.get(pk=measure.pk), by=supervisor, note="督办意见")
    measure.version = seen
    response = _post_my(client, measure, note="我写了很长的说明")
    assert response.status_code == 409
    assert response.templates[0].name == "cases/my_items.html"
    assert "我写了很长的说明" in response.content.decode()


def test_posting_another_units_item_to_my_items_is_a_404(client, staff, other_measure):
    client.force_login(staff)
    assert _post_my(client, other_measure, note="越权").status_code == 404
    assert client.post(reverse("cases:my-items"), {"measure": "x"}).status_code == 404


def test_save_and_request_sign_off_says_sign_off_was_requested(client, staff, measure):
    client.force_login(staff)
    response = _post_my(client, measure, note="已整改到位", to_state=State.SUBMITTED)
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "并已申请销号" in page and "已进入销号审核" in page
    plain = _post_my(client, Measure.objects.get(pk=measure.pk), note="补充说明")
    assert "已申请销号" not in client.get(plain["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_a_sent_back_item_is_marked_with_the_reason(client, staff, supervisor, measure):
    services.log_progress(measure=measure, by=staff, note="申请", to_state=State.SUBMITTED)
    measure.refresh_from_db()
    services.apply_action(measure=measure, action="send_back", by=supervisor, note="缺少会议纪要")
    client.force_login(staff)
    response = client.get(reverse("cases:my-items"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    card = response.context["cards"][0]
    assert card["sent_back"]
    html = response.content.decode()
    assert "已退回" in html and "缺少会议纪要" in html
    # Submitted again: no longer marked.
    measure.refresh_from_db()
    services.log_progress(measure=measure, by=staff, note="已补充", to_state=State.SUBMITTED)
    assert not client.get(reverse("cases:my-items")).context["cards"][0]["sent_back"]


def test_a_supervisor_without_a_unit_is_shown_where_their_work_is(client, supervisor, measure):
    measure.state = State.SUBMITTED
    measure.save()
    client.force_login(supervisor)
    response = client.get(reverse("cases:my-items"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert "尚未归属任何单位" not in html
    assert response.context["supervising"]["waiting"] == 1
    assert reverse("cases:signoff-queue") in html and reverse("cases:dashboard") in html


def test_staff_without_a_unit_are_told_to_ask_for_one(client, db):
    lonely = factories.UserFactory(role="staff")
    client.force_login(lonely)
    response = client.get(reverse("cases:my-items"))
    assert "supervising" not in response.context
