"""The drafted progress notice: genre, figures that agree with the dashboard, and the round trip
through the notice parser (the drafted text parses back to the case's tree and states)."""

from __future__ import annotations

import datetime
import io

import pytest
from docx import Document

from cases import services
from cases.demo import load_demo
from cases.models import Case, Issue, Measure
from cases.states import State
from notices import importer
from notices.drafter import PARSED_STATE, case_figures, draft_notice, notice_docx
from notices.parser import parse_file, parse_text
from tests.notices.parser_fixtures import SHARED_NOTICES, notices_missing

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 3, 1)
SHARED = SHARED_NOTICES


def case_tree(case: Case) -> list:
    """(label, title, kind, [(measure label, parsed state)…]) in tree order."""
    issues = Issue.objects.filter(case=case).order_by("position", "pk").prefetch_related("measures")
    return [
        (i.label, i.title, i.kind,
         [(m.label, PARSED_STATE[m.state]) for m in sorted(i.measures.all(), key=lambda m: (m.position, m.pk))])
        for i in issues
    ]


def parsed_tree(parsed, like: list | None = None) -> list:
    """The parsed nodes in the shape of case_tree; where the case has no label (lost in the
    source), the label the drafter supplied is accepted."""
    nodes = [(n.label, n.title, n.kind, [(m.label, m.proposed_state) for m in n.measures]) for n in parsed.walk()]
    if like is not None:
        nodes = [("" if i < len(like) and not like[i][0] else n[0], *n[1:]) for i, n in enumerate(nodes)]
    return nodes


@pytest.fixture
def demo():
    case, _ = load_demo(today=ON)
    return case


def test_demo_notice_reads_like_the_genre_and_parses_back_to_the_case(demo):
    # One test on purpose: building the demo is the slow part, so every check shares it.
    draft = draft_notice(demo, on=ON)
    text = draft.text
    assert text.startswith("中共青禾县委关于市委第三巡察组巡察反馈意见整改进展情况的通报\n根据市委统一部署,")
    for heading in ("\n一、组织整改落实情况\n", "\n二、集中整改期内整改进展情况\n", "\n三、下一步工作打算\n",
                    "\n(一)落实党的理论路线方针政策和上级重大决策部署方面\n",
                    "\n1.理论学习中心组学习不够深入系统\n整改情况:一是制定专项整改方案"):
        assert heading in text
    assert text.endswith("中共青禾县委\n2026年3月1日\n")

    # The text parses back to the same tree, measure labels and states, and the same header facts.
    parsed = parse_text(text)
    assert parsed_tree(parsed) == case_tree(demo)
    assert parsed.header.title == draft.title
    assert parsed.header.inspection_team == "市委第三巡察组"
    assert (parsed.header.inspection_start, parsed.header.inspection_end) == (demo.inspection_start,
                                                                              demo.inspection_end)
    assert parsed.header.feedback_on == demo.feedback_on
    assert parsed.header.signed_on == ON

    # The figures are the dashboard's, and the parser reads them as the notice's declaration.
    progress = Case.objects.with_progress().get(pk=demo.pk)
    figures = case_figures(demo)
    assert (figures.problems, figures.completed) == (progress.problem_total, progress.problem_completed)
    assert figures.completed + figures.phased + figures.submitted + figures.in_progress + figures.planned == 30
    declared = parsed.header.declared
    assert declared["problems"] == 30 and declared["completed"] == progress.problem_completed
    assert declared["completed_pct"] == progress.completion_rate

    # The .docx opens again and parses back to the same tree.
    data = notice_docx(draft)
    paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert paragraphs[0] == draft.title and paragraphs[-1] == "2026年3月1日"
    assert parsed_tree(parse_file(data, "通报.docx")) == case_tree(demo)


def test_latest_progress_note_is_what_was_done(case, unit, staff):
    problem = Issue.objects.create(case=case, label="1.", title="制度不健全", position=1)
    measure = services.create_measure(issue=problem, label="一是", text="修订制度", lead_unit=unit,
                                      deadline=datetime.date(2026, 6, 30))
    services.log_progress(measure=measure, by=staff, note="已召开会议", to_state=State.IN_PROGRESS)
    services.log_progress(measure=measure, by=staff, note="已印发《管理办法》")
    text = draft_notice(case, on=ON).text
    assert "整改情况:一是修订制度。已印发《管理办法》。正按计划推进。" in text


def test_a_note_contradicting_the_state_is_left_out_and_reported(case, unit, staff, supervisor):
    problem = Issue.objects.create(case=case, label="1.", title="制度不健全", position=1)
    measure = services.create_measure(issue=problem, label="一是", text="修订制度", lead_unit=unit,
                                      deadline=datetime.date(2026, 6, 30))
    services.log_progress(measure=measure, by=staff, note="已修订3项,其余正按计划推进。", to_state=State.SUBMITTED)
    services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor)
    draft = draft_notice(case, on=ON)
    assert "整改情况:一是修订制度。已修订3项。已完成整改。\n" in draft.text
    assert "其余正按计划推进" in draft.warnings[0]
    assert parse_text(draft.text).issues[0].measures[0].proposed_state == State.COMPLETED


@pytest.mark.parametrize("name", [
    "echeng-2020",
    "laishan-2020", "leizhou-2021", "wanzhi-2024", "zhengxiang-2024",
])
def test_shared_notice_imported_then_drafted_parses_back_to_the_case(name, rectify_admin):
    source = SHARED / f"{name}.txt"
    if not source.exists():
        notices_missing(f"{source} is not available")
    text = source.read_text(encoding="utf-8")
    result = importer.import_notice(parse_text(text), by=rectify_admin, raw_text=text, source=source.name)
    case = result.case
    draft = draft_notice(case, on=ON)
    expected = case_tree(case)
    assert parsed_tree(parse_text(draft.text), expected) == expected
    assert Measure.objects.filter(case=case).exists()
