import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import DeadlineChange, Evidence, Issue, Measure, ProgressUpdate, SignOff
from cases.states import State
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="整改报告.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_staff_logs_a_note_with_evidence(staff, measure):
    progress = services.log_progress(measure=measure, by=staff, note="已召开专题会议", files=[pdf()])
    measure.refresh_from_db()
    assert progress.action == "note"
    assert progress.from_state == progress.to_state == State.PLANNED
    evidence = Evidence.objects.get(progress=progress)
    assert evidence.original_name == "整改报告.pdf"
    assert evidence.size == len(PDF)
    assert len(evidence.sha256) == 64
    assert "整改报告" not in evidence.file.name  # stored under a random name
    assert measure.last_progress_at is not None
    assert measure.version == 2


def test_log_progress_with_state_change(staff, measure):
    services.log_progress(measure=measure, by=staff, note="开始整改", to_state=State.IN_PROGRESS)
    measure.refresh_from_db()
    assert measure.state == State.IN_PROGRESS


def test_empty_progress_is_refused(staff, measure):
    with pytest.raises(ValidationError):
        services.log_progress(measure=measure, by=staff, note="   ")
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, "bad_type"),
        ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 100, "executable"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "executable"),
        ("fake.docx", b"just some text", "mismatch"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_written(staff, measure, name, content, code):
    with pytest.raises(ValidationError) as exc:
        services.log_progress(measure=measure, by=staff, note="附件", files=[pdf(), SimpleUploadedFile(name, content)])
    assert name in " ".join(exc.value.messages)
    measure.refresh_from_db()
    assert measure.version == 1
    assert not ProgressUpdate.objects.exists()
    assert not Evidence.objects.exists()


def test_oversized_evidence_is_refused(staff, measure, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        services.log_progress(measure=measure, by=staff, note="附件", files=[pdf(content=PDF + b"0" * 2000)])
    assert "1000" in " ".join(exc.value.messages) or "KB" in " ".join(exc.value.messages)
    assert not ProgressUpdate.objects.exists()


def test_stale_write_is_refused(staff, supervisor, measure):
    copy = Measure.objects.get(pk=measure.pk)
    services.log_progress(measure=measure, by=staff, note="第一次更新")
    with pytest.raises(services.StaleMeasure):
        services.transition_measure(measure=copy, to_state=State.IN_PROGRESS, by=supervisor, note="基于旧版本",
                                    expected_version=copy.version)
    measure.refresh_from_db()
    assert measure.state == State.PLANNED
    assert ProgressUpdate.objects.count() == 1


def test_expected_version_is_checked(staff, measure):
    with pytest.raises(services.StaleMeasure):
        services.log_progress(measure=measure, by=staff, note="x", expected_version=7)


class TestDeadline:
    def test_change_keeps_original_and_reason(self, supervisor, measure):
        original = measure.deadline
        new = original + datetime.timedelta(days=30)
        services.change_deadline(measure=measure, new_deadline=new, reason="涉及跨部门协调,申请延期", by=supervisor)
        measure.refresh_from_db()
        assert measure.deadline == new
        assert measure.original_deadline == original
        change = DeadlineChange.objects.get()
        assert (change.old_deadline, change.new_deadline, change.by) == (original, new, supervisor)
        # A second move keeps the first original.
        services.change_deadline(measure=measure, new_deadline=new + datetime.timedelta(days=1), reason="再延",
                                 by=supervisor)
        measure.refresh_from_db()
        assert measure.original_deadline == original

    def test_change_without_reason_is_refused(self, supervisor, measure):
        original = measure.deadline
        with pytest.raises(ValidationError):
            services.change_deadline(measure=measure, new_deadline=original + datetime.timedelta(days=3), reason=" ",
                                     by=supervisor)
        measure.refresh_from_db()
        assert measure.deadline == original
        assert not DeadlineChange.objects.exists()

    def test_staff_cannot_move_deadlines(self, staff, measure):
        with pytest.raises(PermissionDenied):
            services.change_deadline(measure=measure, new_deadline=measure.deadline + datetime.timedelta(days=3),
                                     reason="想延期", by=staff)

    def test_history_keeps_every_change(self, supervisor, measure):
        services.change_deadline(measure=measure, new_deadline=measure.deadline + datetime.timedelta(days=9),
                                 reason="延期", by=supervisor)
        services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=supervisor)
        history = list(measure.history.order_by("history_date"))
        assert [h.state for h in history][-2:] == [State.PLANNED, State.IN_PROGRESS]
        assert history[-1].history_user == supervisor
        assert history[-2].deadline != history[0].deadline


class TestSignOff:
    def submit(self, staff, measure):
        services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=staff, note="申请销号")

    def test_single_signature_completes(self, staff, supervisor, measure):
        self.submit(staff, measure)
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor, note="同意销号")
        measure.refresh_from_db()
        assert measure.state == State.COMPLETED
        assert measure.completed_at is not None
        assert SignOff.objects.get().decision == "approve"

    def test_four_signatures_when_the_case_requires_them(self, staff, measure):
        factories.signoff_chain(4, case=measure.case)
        signers = [factories.UserFactory(role="supervisor") for _ in range(4)]
        self.submit(staff, measure)
        for i, signer in enumerate(signers):
            services.transition_measure(measure=measure, to_state=State.COMPLETED, by=signer)
            measure.refresh_from_db()
            assert measure.state == (State.COMPLETED if i == 3 else State.SUBMITTED)
        assert SignOff.objects.filter(decision="approve").count() == 4

    def test_the_same_supervisor_cannot_sign_twice(self, staff, supervisor, measure):
        factories.signoff_chain(2, case=measure.case)
        self.submit(staff, measure)
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor)
        with pytest.raises((ValidationError, PermissionDenied)):
            services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor)
        measure.refresh_from_db()
        assert measure.state == State.SUBMITTED

    def test_send_back_records_the_reason(self, staff, supervisor, measure):
        self.submit(staff, measure)
        services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=supervisor, note="材料不全")
        record = SignOff.objects.get()
        assert (record.decision, record.comment) == ("send_back", "材料不全")

    def test_a_new_submission_needs_new_signatures(self, staff, supervisor, supervisor2, measure):
        factories.signoff_chain(2, case=measure.case)
        self.submit(staff, measure)
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor)
        services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=supervisor2, note="退回补充")
        self.submit(staff, measure)
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor)
        measure.refresh_from_db()
        assert measure.state == State.SUBMITTED  # the earlier approval belonged to the earlier round


class TestRollUp:
    def test_issue_and_case_follow_their_measures(self, staff, supervisor, unit, case):
        group = factories.IssueFactory(case=case, kind=Issue.Kind.GROUP)
        p1 = factories.IssueFactory(case=case, parent=group)
        p2 = factories.IssueFactory(case=case, parent=group)
        m1 = factories.MeasureFactory(issue=p1, lead_unit=unit)
        m2 = factories.MeasureFactory(issue=p1, lead_unit=unit)
        factories.MeasureFactory(issue=p2, lead_unit=unit)
        for m in (m1, m2):
            services.transition_measure(measure=m, to_state=State.SUBMITTED, by=staff, note="申请销号")
            services.transition_measure(measure=m, to_state=State.COMPLETED, by=supervisor)
        p1.refresh_from_db()
        p2.refresh_from_db()
        group.refresh_from_db()
        assert (p1.state, p2.state, group.state) == (State.COMPLETED, State.PLANNED, State.IN_PROGRESS)
        assert case.completion() == (1, 2)
        assert case.completion_rate == 50.0


class TestCreateAndUpdate:
    def test_a_measure_needs_a_unit(self, supervisor, case):
        issue = factories.IssueFactory(case=case)
        with pytest.raises(ValidationError) as exc:
            services.create_measure(issue=issue, text="措施", lead_unit=None, deadline=datetime.date(2026, 12, 31),
                                    by=supervisor)
        assert "lead_unit" in exc.value.message_dict
        assert not Measure.objects.exists()

    def test_a_deadline_is_required_unless_long_term(self, supervisor, case, unit):
        issue = factories.IssueFactory(case=case)
        with pytest.raises(ValidationError):
            services.create_measure(issue=issue, text="措施", lead_unit=unit, deadline=None, by=supervisor)
        measure = services.create_measure(issue=issue, text="长期坚持", lead_unit=unit, deadline=None,
                                          kind=Measure.Kind.LONG_TERM, by=supervisor)
        assert measure.deadline is None

    def test_staff_cannot_edit_ledger_columns(self, staff, measure):
        with pytest.raises(PermissionDenied):
            services.update_measure(measure=measure, by=staff, text="改写措施")

    def test_supervisor_edits_text_and_units_with_history(self, supervisor, measure, other_unit):
        services.update_measure(measure=measure, by=supervisor, text="修订后的措施", supporting_units=[other_unit])
        measure.refresh_from_db()
        assert measure.text == "修订后的措施"
        assert list(measure.supporting_units.all()) == [other_unit]
        assert measure.history.count() >= 2
