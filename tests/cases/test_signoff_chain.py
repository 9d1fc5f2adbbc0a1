"""The sign-off chain (对账销号): steps signed in order by the people each names, send-back at any
step, no self-sign, request requirements, evidence kept with every step, paper sign-off."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, OrganisationMembership
from cases import services
from cases.models import Evidence, Measure, ProgressUpdate, SignOff
from cases.signoff import eligibility, selectors
from cases.states import Action, State
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KINDS = ["lead_unit_head", "lead_leader", "org_supervisors", "principal_leader"]


def pdf(name="核查记录.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class People:
    """One county: a unit with its liaison and head, a lead leader, the 整改办 and a principal leader."""

    def __init__(self, unit):
        organisation = factories.default_organisation()
        self.staff = factories.UserFactory(role="staff", units=[unit])
        self.head = factories.UserFactory(role="staff", name="单位负责人", title="局长")
        Membership.objects.create(user=self.head, unit=unit, role=Membership.UnitRole.HEAD)
        self.leader = factories.UserFactory(name="分管领导", title="副县长", organisations=[])
        OrganisationMembership.objects.create(user=self.leader, organisation=organisation,
                                              role=OrganisationMembership.OrgRole.LEADER)
        self.office = factories.UserFactory(role="supervisor", name="整改办", title="整改办主任")
        self.principal = factories.UserFactory(name="主要领导", title="县委书记", organisations=[])
        OrganisationMembership.objects.create(user=self.principal, organisation=organisation,
                                              role=OrganisationMembership.OrgRole.LEADER)
        organisation.principal_leader = self.principal
        organisation.save()
        for user in (self.staff, self.head, self.leader, self.office, self.principal):
            from accounts.scoping import forget_scope

            forget_scope(user)

    def of(self, kind):
        return {"lead_unit_head": self.head, "lead_leader": self.leader, "org_supervisors": self.office,
                "principal_leader": self.principal}[kind]


@pytest.fixture
def people(unit):
    return People(unit)


@pytest.fixture
def item(people, unit, case):
    return factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader)


def request_signoff(measure, by, files=()):
    return services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=by, note="已整改到位,申请销号",
                                       files=files)


def sign(measure, by, note="同意", files=()):
    measure.refresh_from_db()
    return services.transition_measure(measure=measure, to_state=State.COMPLETED, by=by, note=note, files=files)


def send_back(measure, by, note="材料不全"):
    measure.refresh_from_db()
    return services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=by, note=note)


@pytest.mark.parametrize("order", list(itertools.permutations(KINDS)), ids="-".join)
def test_every_step_order_is_signed_in_order_by_its_own_signers(people, item, case, order):
    factories.signoff_chain(*order, case=case)
    request_signoff(item, people.staff)
    for n, kind in enumerate(order, 1):
        item.refresh_from_db()
        assert (item.state, item.signoff_step) == (State.SUBMITTED, n)
        # Nobody of a later step signs before their turn, and the queue agrees with the service.
        for later in order[n:]:
            assert not eligibility.may_sign(people.of(later), item)
            with pytest.raises(PermissionDenied):
                sign(item, people.of(later))
        assert eligibility.may_sign(people.of(kind), item)
        sign(item, people.of(kind))
    item.refresh_from_db()
    assert item.state == State.COMPLETED
    records = SignOff.objects.filter(measure=item, decision="approve").order_by("step")
    assert [(s.step, s.by) for s in records] == [(n, people.of(k)) for n, k in enumerate(order, 1)]


@pytest.mark.parametrize("at", [1, 2, 3, 4])
def test_a_send_back_at_any_step_returns_the_item_and_restarts_the_chain(people, item, case, at):
    factories.signoff_chain(*KINDS, case=case)
    request_signoff(item, people.staff)
    for kind in KINDS[:at - 1]:
        sign(item, people.of(kind))
    send_back(item, people.of(KINDS[at - 1]), note=f"第{at}步退回:请补充材料")
    item.refresh_from_db()
    assert (item.state, item.signoff_step) == (State.IN_PROGRESS, 0)
    record = SignOff.objects.get(measure=item, decision="send_back")
    assert (record.step, record.comment) == (at, f"第{at}步退回:请补充材料")
    # The next request starts again at step 1: the earlier round's signatures do not count.
    request_signoff(item, people.staff)
    item.refresh_from_db()
    assert item.signoff_step == 1
    for kind in KINDS[1:]:
        assert not eligibility.may_sign(people.of(kind), item)
    for kind in KINDS:
        sign(item, people.of(kind))
    item.refresh_from_db()
    assert item.state == State.COMPLETED


def test_only_the_current_steps_signer_may_send_back(people, item, case):
    factories.signoff_chain(*KINDS, case=case)
    request_signoff(item, people.staff)
    with pytest.raises(PermissionDenied):
        send_back(item, people.office)
    item.refresh_from_db()
    assert item.state == State.SUBMITTED


def test_the_requester_never_signs_their_own_request(people, item, case, supervisor):
    factories.signoff_chain("org_supervisors", "org_supervisors", case=case)
    request_signoff(item, supervisor)  # a supervisor may ask for sign-off on behalf of the unit
    assert not eligibility.may_sign(supervisor, item)
    with pytest.raises(PermissionDenied) as exc:
        sign(item, supervisor)
    assert "yourself" in str(exc.value) or "本人" in str(exc.value)
    assert not Measure.objects.filter(eligibility.awaiting_signature_of(supervisor)).exists()
    sign(item, people.office)
    with pytest.raises(PermissionDenied):
        sign(item, supervisor)  # nor at a later step


def test_the_requester_is_forbidden_on_an_unchained_case_too(item, supervisor, supervisor2):
    request_signoff(item, supervisor)
    with pytest.raises(PermissionDenied):
        sign(item, supervisor)
    sign(item, supervisor2)
    item.refresh_from_db()
    assert item.state == State.COMPLETED


def test_one_person_signs_one_step_of_a_round(people, item, case):
    factories.signoff_chain("org_supervisors", "org_supervisors", case=case)
    request_signoff(item, people.staff)
    sign(item, people.office)
    assert not eligibility.may_sign(people.office, item)
    with pytest.raises((PermissionDenied, ValidationError)):
        sign(item, people.office)


def test_named_people_step(people, item, case, supervisor, supervisor2):
    factories.signoff_chain([supervisor2], case=case)
    request_signoff(item, people.staff)
    with pytest.raises(PermissionDenied):
        sign(item, supervisor)
    sign(item, supervisor2)
    item.refresh_from_db()
    assert item.state == State.COMPLETED


def test_the_deployment_default_chain_applies_to_cases_without_their_own(people, item):
    factories.signoff_chain("lead_unit_head", "org_supervisors", default=True)
    request_signoff(item, people.staff)
    with pytest.raises(PermissionDenied):
        sign(item, people.office)
    sign(item, people.head)
    sign(item, people.office)
    item.refresh_from_db()
    assert item.state == State.COMPLETED


def test_the_queue_shows_each_person_only_items_at_their_step(people, unit, case):
    factories.signoff_chain(*KINDS, case=case)
    items = [factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader) for _ in KINDS]
    for n, measure in enumerate(items):
        request_signoff(measure, people.staff)
        for kind in KINDS[:n]:
            sign(measure, people.of(kind))
    for n, kind in enumerate(KINDS):
        user = people.of(kind)
        waiting = Measure.objects.restrict(user).filter(eligibility.awaiting_signature_of(user))
        assert list(waiting.values_list("pk", flat=True)) == [items[n].pk], kind
    assert not Measure.objects.filter(eligibility.awaiting_signature_of(people.staff)).exists()


class TestRequest:
    def test_a_request_needs_a_note(self, staff, measure):
        with pytest.raises(ValidationError) as exc:
            services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=staff, note="  ")
        assert exc.value.code == "note_required"
        measure.refresh_from_db()
        assert measure.state == State.PLANNED

    def test_evidence_is_required_where_the_case_says_so(self, staff, measure):
        factories.signoff_chain(1, case=measure.case, evidence="required")
        with pytest.raises(ValidationError) as exc:
            request_signoff(measure, staff)
        assert exc.value.code == "evidence_required"
        request_signoff(measure, staff, files=[pdf("整改报告.pdf")])
        measure.refresh_from_db()
        assert measure.state == State.SUBMITTED

    def test_evidence_is_optional_elsewhere(self, staff, measure):
        factories.signoff_chain(1, case=measure.case, evidence="optional")
        request_signoff(measure, staff)
        measure.refresh_from_db()
        assert measure.state == State.SUBMITTED


def test_evidence_attached_at_every_step_is_kept_and_shown_with_it(people, item, case):
    factories.signoff_chain(*KINDS, case=case)
    request_signoff(item, people.staff, files=[pdf("申请材料.pdf")])
    for n, kind in enumerate(KINDS, 1):
        sign(item, people.of(kind), note=f"第{n}步同意", files=[pdf(f"第{n}步核查.pdf")])
    item.refresh_from_db()
    approvals = ProgressUpdate.objects.filter(measure=item, action=Action.APPROVE).order_by("created_at", "pk")
    assert [[e.original_name for e in p.evidence.all()] for p in approvals] == [
        [f"第{n}步核查.pdf"] for n in range(1, 5)]
    steps = selectors.chain_status(item)
    assert [(s.status, [e.original_name for e in s.evidence]) for s in steps] == [
        ("signed", [f"第{n}步核查.pdf"]) for n in range(1, 5)]
    assert Evidence.objects.filter(progress__measure=item).count() == 5


def test_bad_evidence_on_an_approval_is_refused_and_nothing_is_signed(people, item, case):
    factories.signoff_chain(*KINDS, case=case)
    request_signoff(item, people.staff)
    with pytest.raises(ValidationError):
        sign(item, people.head, files=[SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 64)])
    item.refresh_from_db()
    assert item.signoff_step == 1
    assert not SignOff.objects.exists()


class TestPaperSignoff:
    def test_an_administrator_completes_a_chained_item_with_the_scan(self, people, item, case, rectify_admin):
        factories.signoff_chain(*KINDS, case=case)
        request_signoff(item, people.staff)
        progress = services.record_paper_signoff(measure=item, by=rectify_admin, scan=pdf("销号单扫描件.pdf"),
                                                 note="青整销〔2026〕12号,四位领导已签字")
        item.refresh_from_db()
        assert item.state == State.COMPLETED
        assert progress.action == Action.PAPER_SIGNOFF
        assert [e.original_name for e in progress.evidence.all()] == ["销号单扫描件.pdf"]
        assert SignOff.objects.get(measure=item).decision == "paper"

    def test_it_needs_the_scan_and_the_note(self, item, case, rectify_admin):
        factories.signoff_chain(*KINDS, case=case)
        with pytest.raises(ValidationError) as exc:
            services.record_paper_signoff(measure=item, by=rectify_admin, scan=None, note="")
        assert set(exc.value.message_dict) == {"scan", "note"}
        item.refresh_from_db()
        assert item.state == State.PLANNED

    def test_only_an_administrator_may(self, item, case, supervisor, staff):
        factories.signoff_chain(*KINDS, case=case)
        for user in (supervisor, staff):
            with pytest.raises(PermissionDenied):
                services.record_paper_signoff(measure=item, by=user, scan=pdf(), note="纸质单")
        item.refresh_from_db()
        assert item.state == State.PLANNED


class TestRounds:
    """A relapsed item (反弹回潮) does not show its old round as signed: rounds apart, the old as history."""

    def complete(self, people, item, case):
        factories.signoff_chain(*KINDS, case=case)
        request_signoff(item, people.staff)
        for kind in KINDS:
            sign(item, people.of(kind))
        item.refresh_from_db()
        assert item.state == State.COMPLETED

    def test_a_relapsed_item_shows_no_step_signed_and_the_old_round_as_history(self, people, item, case):
        self.complete(people, item, case)
        assert [s.status for s in selectors.chain_status(item)] == ["signed"] * 4
        services.transition_measure(measure=item, to_state=State.RELAPSED, by=people.office, note="回头看发现反弹")
        item.refresh_from_db()
        assert [s.status for s in selectors.chain_status(item)] == ["pending"] * 4
        assert selectors.round_signoffs(item) == []
        [old] = selectors.past_rounds(item)
        assert [d.decision for d in old.decisions] == ["approve"] * 4 + ["reopen"]

    def test_the_page_and_the_api_show_the_rounds_apart(self, client, people, item, case):
        self.complete(people, item, case)
        services.transition_measure(measure=item, to_state=State.RELAPSED, by=people.office, note="回头看发现反弹")
        client.force_login(people.office)
        page = client.get(f"/items/{item.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        chain = page[page.index('<ol class="chain">'):page.index("</ol>", page.index('<ol class="chain">'))]
        assert "step-signed" not in chain and "已签" not in chain
        history = page[page.index('class="past-rounds"'):]
        assert "第1轮" in history and "因反弹回潮" in history and history.count("decision-approve") == 4
        from rest_framework.authtoken.models import Token

        token = Token.objects.get_or_create(user=people.office)[0].key
        body = client.get(f"/api/v1/measures/{item.pk}/", HTTP_AUTHORIZATION=f"Token {token}").json()["signoff"]
        assert {s["status"] for s in body["steps"]} == {"pending"}
        assert [(r["round"], len(r["decisions"])) for r in body["past_rounds"]] == [(1, 5)]

    def test_the_next_request_opens_a_new_round_and_the_sheet_shows_only_it(self, people, item, case):
        from cases.signoff import sheet

        self.complete(people, item, case)
        services.transition_measure(measure=item, to_state=State.RELAPSED, by=people.office, note="回头看发现反弹")
        assert all(row["name"] == "" for row in sheet.sheet_rows(item)["signatures"][:4])
        item.refresh_from_db()
        services.transition_measure(measure=item, to_state=State.IN_PROGRESS, by=people.staff, note="重新整改")
        item.refresh_from_db()
        request_signoff(item, people.staff)
        sign(item, people.head)
        item.refresh_from_db()
        assert [s.status for s in selectors.chain_status(item)] == ["signed", "waiting", "pending", "pending"]
        assert [r.number for r in selectors.past_rounds(item)] == [1]


class TestLogInTheReadersLanguage:
    """What the code adds to the log is stored as ids and parameters and read in the reader's language."""

    def test_a_step_signature_and_a_deadline_move_read_in_each_language(self, people, item, case, supervisor):
        from django.utils import translation

        factories.signoff_chain(*KINDS, case=case)  # untitled steps are named by who signs
        case.signoff_chain.steps.update(title="")
        with translation.override("zh-hans"):  # written in a Chinese session
            request_signoff(item, people.staff)
            sign(item, people.head, note="属实")
            services.change_deadline(measure=Measure.objects.get(pk=item.pk), new_deadline=datetime.date(2027, 1, 31),
                                     reason="工程量大", by=supervisor)
        signed = item.progress_updates.get(action=Action.APPROVE)
        moved = item.progress_updates.get(action=Action.DEADLINE)
        assert (signed.note, moved.note) == ("属实", "工程量大")  # only what people wrote
        assert signed.signoff.comment == "属实" and signed.signoff.step_title == ""
        with translation.override("en"):
            assert signed.text == "属实\nStep 1 of 4 signed (Head of the lead unit)."
            assert moved.system_notes[0].startswith("Deadline moved from ")
            assert signed.signoff.step_label == "Head of the lead unit"
        with translation.override("zh-hans"):
            assert "第1步" in signed.text and "牵头单位负责人" in signed.text
            assert moved.system_notes[0].startswith("完成时限由")

    def test_the_english_item_page_shows_no_chinese_the_code_wrote(self, client, people, item, case):
        from django.utils import translation

        factories.signoff_chain(*KINDS, case=case)
        case.signoff_chain.steps.update(title="")
        with translation.override("zh-hans"):
            request_signoff(item, people.staff)
            sign(item, people.head, note="OK")
        client.force_login(people.office)
        client.cookies["django_language"] = "en"
        page = client.get(f"/items/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Step 1 of 4 signed (Head of the lead unit)." in page
        assert "第1步" not in page and "牵头单位负责人" not in page
