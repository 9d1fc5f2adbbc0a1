"""The notice parser on the five published notices and on our own samples.

Every expected fact below was read off the notice by hand (for the published ones, it is
stated in ../shared/notices/README.md). These tests need no database.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date

import pytest

from notices.parser import PARSER_VERSION, IssueNode, ParsedNotice, ParseError, parse_text
from notices.parser.model import STATES
from notices.parser.text import fold
from tests.notices.parser_fixtures import (
    SAMPLE_NAMES,
    SHARED_NAMES,
    SNAPSHOTS,
    parsed_sample,
    parsed_shared,
    shared_text,
)


@dataclass(frozen=True)
class Facts:
    title: str | None
    issuer: str
    signed_by: str
    signed_on: date
    published_on: date | None
    team: str
    inspected_body: str
    start: date
    end: date
    feedback: date
    declared: dict[str, int | float]
    phone: str
    email: str
    postcode: str | None
    levels: list[int]
    problems: int
    special_checks: list[str] = field(default_factory=list)


FACTS: dict[str, Facts] = {
    "echeng-2020": Facts(
        title="中共鄂城区委关于省委第七巡视组对鄂城区委巡视反馈意见整改落实情况的通报",
        issuer="中共鄂城区委",
        signed_by="中共鄂城区委员会",
        signed_on=date(2020, 9, 12),
        published_on=date(2020, 9, 14),
        team="省委第七巡视组",
        inspected_body="鄂城区",
        start=date(2019, 8, 10),
        end=date(2019, 10, 15),
        feedback=date(2020, 4, 15),
        special_checks=["选人用人", "基层党组织建设", "意识形态工作责任制落实", "精准扶贫", "巡察工作"],
        declared={"categories": 5, "problems": 17, "special_checks": 5},
        phone="027-60896552",
        email="ecqwb@126.com",
        postcode=None,
        # 5 categories → 13 方面 items + 4 一是 problems → 10 "1)" sub-points under three items.
        levels=[5, 17, 10],
        problems=17,
    ),
    "wanzhi-2024": Facts(
        title=None,
        issuer="中共湾沚区委",
        signed_by="中共湾沚区委",
        signed_on=date(2024, 6, 18),
        published_on=None,
        team="省委第七巡视组",
        inspected_body="湾沚区",
        start=date(2023, 2, 27),
        end=date(2023, 5, 10),
        feedback=date(2023, 7, 10),
        special_checks=["选人用人工作", "落实意识形态工作责任制", "巡察工作"],
        declared={"problems": 41, "special_checks": 3, "campaigns": 3},
        phone="0553-8912001",
        email="whwzqwxb@163.com",
        postcode="241100",
        levels=[4, 16, 39],
        problems=39,
    ),
    "laishan-2020": Facts(
        title="中共烟台市莱山区委关于巡视整改进展情况的通报",
        issuer="中共烟台市莱山区委",
        signed_by="中共烟台市莱山区委",
        signed_on=date(2020, 7, 31),
        published_on=date(2020, 8, 3),
        team="省委第八巡视组",
        inspected_body="烟台市莱山区",
        start=date(2019, 9, 18),
        end=date(2019, 12, 10),
        feedback=date(2020, 3, 24),
        declared={"categories": 5, "problems": 52, "completed": 37, "completed_pct": 71.2,
                  "phased": 15, "phased_pct": 28.8},
        phone="0535-6891160",
        email="lsqwbdck@163.com",
        postcode="264003",
        levels=[5, 15, 45],
        # 45 items (1)…, plus the heading without items (（一）4) and category 5: both problems.
        problems=47,
    ),
    "leizhou-2021": Facts(
        title=None,
        issuer="中共雷州市委",
        signed_by="中共雷州市委",
        signed_on=date(2021, 11, 22),
        published_on=None,
        team="省委第四巡视组",
        inspected_body="雷州市",
        start=date(2020, 10, 13),
        end=date(2020, 12, 13),
        feedback=date(2021, 1, 27),
        declared={"measures": 62},
        phone="0759-8814115",
        email="lzswdc007@163.com",
        postcode="524200",
        levels=[4, 19, 47],
        # 47 numbered items plus the 6 sub-headings that have none.
        problems=53,
    ),
    "zhengxiang-2024": Facts(
        title=None,
        issuer="中共蒸湘区委",
        signed_by="中共蒸湘区委",
        signed_on=date(2024, 8, 26),
        published_on=None,
        team="省委第四巡视组",
        inspected_body="蒸湘区",
        start=date(2023, 9, 6),
        end=date(2023, 11, 10),
        feedback=date(2023, 12, 21),
        declared={},
        phone="0734-8827897",
        email="tgls88@126.com",
        postcode=None,
        levels=[4, 70],
        problems=70,
    ),
}

shared = pytest.mark.parametrize("name", SHARED_NAMES)


def _codes(notice: ParsedNotice) -> list[str]:
    return [warning.code for warning in notice.warnings]


def _node(notice: ParsedNotice, label: str, *, parent_title: str | None = None) -> IssueNode:
    """The first node with ``label`` (under the top-level node whose title starts so)."""
    roots = notice.issues
    if parent_title is not None:
        roots = [node for node in notice.issues if node.title.startswith(parent_title)]
    for root in roots:
        for node in root.walk():
            if node.label == label:
                return node
    raise AssertionError(f"no node {label!r}")


# --- Header facts, one test per fact, for every published notice ------------------------


@shared
def test_it_reads_the_title(name: str) -> None:
    assert parsed_shared(name).header.title == FACTS[name].title


@shared
def test_it_reads_the_issuer(name: str) -> None:
    assert parsed_shared(name).header.issuer == FACTS[name].issuer


@shared
def test_it_reads_the_signature(name: str) -> None:
    header = parsed_shared(name).header
    assert (header.signed_by, header.signed_on) == (FACTS[name].signed_by, FACTS[name].signed_on)


@shared
def test_it_reads_the_publication_date(name: str) -> None:
    assert parsed_shared(name).header.published_on == FACTS[name].published_on


@shared
def test_it_reads_the_inspection_team(name: str) -> None:
    assert parsed_shared(name).header.inspection_team == FACTS[name].team


@shared
def test_it_reads_the_inspected_body(name: str) -> None:
    assert parsed_shared(name).header.inspected_body == FACTS[name].inspected_body


@shared
def test_it_reads_the_inspection_period(name: str) -> None:
    header = parsed_shared(name).header
    assert (header.inspection_start, header.inspection_end) == (FACTS[name].start, FACTS[name].end)


@shared
def test_it_reads_the_feedback_date(name: str) -> None:
    assert parsed_shared(name).header.feedback_on == FACTS[name].feedback


@shared
def test_it_reads_the_special_checks(name: str) -> None:
    assert parsed_shared(name).header.special_checks == FACTS[name].special_checks


@shared
def test_it_reads_the_declared_totals(name: str) -> None:
    assert parsed_shared(name).header.declared == FACTS[name].declared


@shared
def test_it_reads_the_contact(name: str) -> None:
    contact = parsed_shared(name).header.contact
    facts = FACTS[name]
    assert (contact.phone, contact.email, contact.postcode) == (facts.phone, facts.email, facts.postcode)


# --- The issue tree -----------------------------------------------------------------------


@shared
def test_it_reads_the_tree_counts(name: str) -> None:
    assert parsed_shared(name).level_counts() == FACTS[name].levels


@shared
def test_it_counts_the_problems(name: str) -> None:
    assert len(parsed_shared(name).problems()) == FACTS[name].problems


@shared
def test_every_node_sits_at_its_depth_with_a_known_kind(name: str) -> None:
    def check(nodes: list[IssueNode], depth: int) -> None:
        for node in nodes:
            assert node.level == depth
            assert node.kind in {"group", "problem", "detail"}
            assert node.title or node.text
            check(node.children, depth + 1)

    check(parsed_shared(name).issues, 0)


@shared
def test_every_problem_has_measures(name: str) -> None:
    for problem in parsed_shared(name).problems():
        measures = [m for node in problem.walk() for m in node.measures]
        assert measures, f"{problem.label} {problem.title} has no measure"
        assert all(m.proposed_state in STATES for m in measures)


@shared
def test_it_keeps_organisation_and_next_steps_out_of_the_tree(name: str) -> None:
    notice = parsed_shared(name)
    roles = {section.label: section.role for section in notice.sections if section.label}
    assert roles["一、"] == "organisation"
    assert roles["二、"] == "issues"
    assert roles.get("三、", "next_steps") == "next_steps"
    organisation = next(s.text for s in notice.sections if s.label == "一、")
    titles = [node.title for node in notice.walk()]
    assert not any(title and title in organisation for title in titles)


def test_it_keeps_leizhou_organisational_headings_out_of_the_tree() -> None:
    # Section 一 of leizhou numbers its paragraphs （一）…（五） like the issue sub-headings.
    titles = {node.title for node in parsed_shared("leizhou-2021").walk()}
    assert "抓好组织领导,迅速传达部署" not in titles
    assert "关于不够重视思想政治建设的问题" in titles


def test_it_keeps_wanzhi_next_steps_out_of_the_tree() -> None:
    titles = {node.title for node in parsed_shared("wanzhi-2024").walk()}
    assert "持续深化问题整改" not in titles


# --- echeng: the damaged notice -------------------------------------------------------------


def test_it_recovers_echeng_damaged_dates_and_says_so() -> None:
    notice = parsed_shared("echeng-2020")
    damaged = [w for w in notice.warnings if w.code == "date_damaged"]
    raws = [w.message.split("“")[1].split("”")[0] for w in damaged]
    assert raws == ["2019810日", "1015", "2020415", "2020912日"]
    readings = ["2019-08-10", "2019-10-15", "2020-04-15", "2020-09-12"]
    assert all(reading in w.message for reading, w in zip(readings, damaged, strict=True))


def test_it_restores_echeng_first_category_that_lost_its_label() -> None:
    notice = parsed_shared("echeng-2020")
    first = notice.issues[0]
    assert (first.label, first.title) == ("", "政治站位不够高,党的领核心作用发挥不够充分")
    assert [child.label for child in first.children] == ["1.", "2.", "3."]
    assert [node.label for node in notice.issues[1:]] == ["(二)", "(三)", "(四)", "(五)"]
    assert "lost_heading_marker" in _codes(notice)


def test_it_reads_echeng_bare_label_as_a_sibling_of_its_half_paren_neighbours() -> None:
    notice = parsed_shared("echeng-2020")
    details = notice.issues[0].children[0].children
    assert [(d.label, d.style) for d in details] == [
        ("1", "arabic_half"), ("2)", "arabic_half"), ("3)", "arabic_half"), ("4)", "arabic_half")
    ]
    assert details[0].title == "大力践行高质量发展理念"
    assert {"label_damaged", "half_paren_label"} <= set(_codes(notice))


def test_it_reads_echeng_category_five_problems_from_its_ordinals() -> None:
    notice = parsed_shared("echeng-2020")
    category = notice.issues[4]
    assert category.title == "选人用人不够规范"
    assert [(p.label, p.kind) for p in category.children] == [
        ("一是", "problem"), ("二是", "problem"), ("三是", "problem"), ("四是", "problem")
    ]
    assert category.children[1].title == "干部调整配备不够及时的问题"
    assert "ordinal_problems" in _codes(notice)


def test_it_reports_echeng_lost_ordinal_markers() -> None:
    notice = parsed_shared("echeng-2020")
    crime = notice.issues[0].children[0].children[3]
    assert crime.title == "扫黑除恶破伞推进不够有力"
    assert [m.label for m in crime.measures] == ["一是", "二是", "", "", "五是"]
    assert "lost_ordinal_markers" in _codes(notice)


def test_it_reads_echeng_figures_in_measures() -> None:
    crime = parsed_shared("echeng-2020").issues[0].children[0].children[3]
    phrases = {n.phrase: (n.value, n.unit) for m in crime.measures for n in m.numbers}
    assert phrases["办结率达98.98%"] == (98.98, "%")


# --- laishan: declared totals that the tree does not match -----------------------------------


def test_it_warns_that_laishan_declares_more_problems_than_it_lists() -> None:
    mismatch = [w for w in parsed_shared("laishan-2020").warnings if w.code == "declared_mismatch"]
    assert len(mismatch) == 1
    assert "52" in mismatch[0].message and "47" in mismatch[0].message


def test_it_reads_laishan_headings_without_items_as_problems() -> None:
    notice = parsed_shared("laishan-2020")
    heading = _node(notice, "4.", parent_title="关于“贯彻落实中央")
    assert (heading.kind, heading.children) == ("problem", [])
    assert notice.issues[4].kind == "problem"
    assert notice.issues[4].title == "关于巡视移交问题线索和信访件办理情况"


@pytest.mark.parametrize(
    ("phrase", "deadline"),
    [("11月", date(2020, 11, 30)), ("今年暑期开学前", date(2020, 9, 1))],
)
def test_it_resolves_laishan_deadlines_against_the_notice_year(phrase: str, deadline: date) -> None:
    found = {(m.deadline_phrase, m.deadline) for m in parsed_shared("laishan-2020").measures()}
    assert (phrase, deadline) in found


def test_it_takes_no_deadline_from_a_vague_within_the_year() -> None:
    """"年内有望开工建设" names no date: the importer's default applies, not 31 December."""
    vague = [m for m in parsed_shared("laishan-2020").measures() if "年内" in m.text and "年底" not in m.text]
    assert len(vague) >= 5
    assert all(m.deadline is None for m in vague if "月" not in m.text)


# --- wanzhi ------------------------------------------------------------------------------------


def test_it_warns_that_wanzhi_declares_41_problems_but_lists_39() -> None:
    mismatch = [w for w in parsed_shared("wanzhi-2024").warnings if w.code == "declared_mismatch"]
    assert len(mismatch) == 1 and "41" in mismatch[0].message and "39" in mismatch[0].message


def test_it_splits_wanzhi_items_into_ordinal_measures() -> None:
    item = _node(parsed_shared("wanzhi-2024"), "(1)")
    assert item.title == "强化理论武装"
    assert [m.label for m in item.measures] == ["一是", "二是", "三是"]
    assert item.measures[0].text.startswith("坚持深入系统学。")


def test_it_numbers_wanzhi_problems_straight_through() -> None:
    assert [p.number for p in parsed_shared("wanzhi-2024").problems()] == list(range(1, 40))


def test_it_reads_wanzhi_figures_in_measures() -> None:
    item = _node(parsed_shared("wanzhi-2024"), "(24)")
    phrases = {n.phrase: (n.value, n.unit) for m in item.measures for n in m.numbers}
    assert phrases["立案145件"] == (145, "件")


# --- leizhou -------------------------------------------------------------------------------------


def test_it_reads_leizhou_aspect_labels_and_sub_headings_without_items() -> None:
    notice = parsed_shared("leizhou-2021")
    assert [n.label for n in notice.issues] == ["第一方面问题", "第二方面问题", "第三方面问题", "第四方面问题"]
    assert notice.issues[0].title == "落实党中央重大决策部署的政治自觉和执行力有差距"
    bare = [n for n in notice.walk() if n.level == 1 and not n.children]
    assert len(bare) == 6 and all(n.kind == "problem" and n.measures for n in bare)


# --- zhengxiang: progress wording item by item -------------------------------------------------


@pytest.mark.parametrize(
    ("number", "state", "phrase"),
    [
        (63, "in_progress", "正按计划推进"),
        (64, "in_progress", "正有序推进"),
        (65, "completed", "已全部整改到位"),
        (15, "in_progress", "已进场施工"),
        (17, "completed", "已全部整改完成"),
        (11, "completed", "已完成"),
    ],
)
def test_it_reads_zhengxiang_progress_wording(number: int, state: str, phrase: str) -> None:
    problem = parsed_shared("zhengxiang-2024").problems()[number - 1]
    assert problem.number == number
    assert (problem.measures[0].proposed_state, problem.measures[0].state_phrase) == (state, phrase)
    assert problem.proposed_state == state


def test_it_gives_zhengxiang_item_63_the_less_advanced_of_its_mixed_states() -> None:
    measure = parsed_shared("zhengxiang-2024").problems()[62].measures[0]
    assert measure.proposed_state == "in_progress"
    assert measure.state_phrases == ["已完成整改", "正按计划推进"]


def test_it_reads_one_progress_paragraph_per_zhengxiang_problem() -> None:
    problems = parsed_shared("zhengxiang-2024").problems()
    assert all(len(p.measures) == 1 and p.measures[0].label == "" for p in problems)
    assert not any(m.text.startswith("整改情况") for p in problems for m in p.measures)


def test_it_marks_measures_without_a_state_phrase_as_defaults() -> None:
    measure = parsed_shared("zhengxiang-2024").problems()[0].measures[0]
    assert (measure.state_basis, measure.state_phrase) == ("default", "")


# --- Our own samples: a university, a state enterprise, a township --------------------------------


def test_it_reads_the_university_sample() -> None:
    notice = parsed_sample("university-2023")
    assert notice.level_counts() == [3, 9]
    assert notice.header.declared == {"categories": 3, "problems": 9, "measures": 46, "completed": 7,
                                      "completed_pct": 77.8, "phased": 2, "phased_pct": 22.2}
    assert notice.header.inspected_body == "江南理工大学党委"
    assert notice.header.contact.postcode == "310012"
    assert [p.label for p in notice.problems()][:2] == ["1．", "2．"]
    second = notice.problems()[1]
    assert [(m.label, m.proposed_state) for m in second.measures] == [("一是", "completed"), ("二是", "in_progress")]
    assert second.measures[1].deadline == date(2023, 12, 31)
    assert "declared_mismatch" not in _codes(notice)


def test_it_reads_the_enterprise_sample_with_ordinal_problems() -> None:
    notice = parsed_sample("enterprise-2024")
    assert notice.header.inspection_team == "中央第十二巡视组"
    assert notice.header.issuer == "中国华信能源集团有限公司党委"
    assert notice.level_counts() == [3, 8]
    assert [n.label for n in notice.issues] == ["第一方面问题", "第二方面问题", "第三方面问题"]
    assert [(p.label, p.title) for p in notice.issues[1].children] == [
        ("一是", "对下属企业监督管理存在薄弱环节的问题"),
        ("二是", "违反中央八项规定精神问题仍有发生的问题"),
    ]
    states = [p.proposed_state for p in notice.problems()]
    assert states == ["completed", "in_progress", "completed", "completed", "phased", "in_progress",
                      "completed", "in_progress"]
    assert notice.problems()[-1].measures[0].deadline == date(2024, 12, 31)


def test_it_reads_the_township_sample_through_page_chrome() -> None:
    notice = parsed_sample("township-2024")
    assert notice.header.title == "中共青山镇委员会关于区委第二巡察组巡察反馈意见整改情况的通报"
    assert notice.header.published_on == date(2024, 5, 20)
    assert notice.header.inspection_team == "区委第二巡察组"
    assert notice.header.declared == {"problems": 15, "completed": 12, "completed_pct": 80.0, "in_progress": 3}
    assert notice.level_counts() == [5, 15]
    assert "打印本页" not in notice.text and not notice.text.startswith("首页")
    contract = notice.problems()[10]
    assert (contract.measures[0].deadline, contract.measures[0].deadline_phrase) == (date(2024, 6, 30), "6月底前")


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_problem_has_one_state(name: str) -> None:
    for problem in parsed_sample(name).problems():
        assert problem.proposed_state in STATES


_TWO_ISSUE_SECTIONS = """中共某县委关于巡视整改进展情况的通报
根据省委统一部署，2023年3月1日至5月1日，省委第五巡视组对某县开展了巡视，同步开展了选人用人和意识形态工作责任制2个专项检查。\
2023年6月1日，省委第五巡视组向某县县委反馈了巡视意见。
一、整改工作开展情况
县委成立领导小组，对反馈的5个问题逐项整改。
二、巡视反馈问题整改情况
（一）关于党的领导方面
1.理论学习不深入的问题。整改情况：已完成整改。
2.决策程序不规范的问题。整改情况：正在推进。
（二）关于从严治党方面
3.监督不力的问题。整改情况：已完成整改。
三、选人用人专项检查反馈问题整改情况
1.干部档案管理不规范的问题。整改情况：已完成整改。
2.试用期考核不严的问题。整改情况：已取得阶段性成效。
四、下一步工作打算
县委将持续巩固整改成果。
中共某县委
2023年12月1日
"""


def test_several_issue_sections_become_top_level_groups() -> None:
    notice = parse_text(_TWO_ISSUE_SECTIONS)
    assert [(n.label, n.title) for n in notice.issues] == [
        ("二、", "巡视反馈问题整改情况"), ("三、", "选人用人专项检查反馈问题整改情况")
    ]
    assert notice.level_counts() == [2, 4, 3]
    assert [p.title for p in notice.problems()][-2:] == ["干部档案管理不规范的问题", "试用期考核不严的问题"]
    assert notice.header.special_checks == ["选人用人", "意识形态工作责任制"]
    assert notice.header.declared == {"problems": 5, "special_checks": 2}
    assert "declared_mismatch" not in _codes(notice)


_CATEGORIES_AS_SECTIONS = """首页>通知公告
中共某县委关于省委第五巡视组
反馈意见整改进展情况的通报
发布时间：2024-01-02
根据省委统一部署，2023年3月1日至5月1日，省委第五巡视组对某县开展了巡视。2023年6月1日，省委第五巡视组向某县县委反馈了巡视意见。
一、关于党的领导方面的问题
1.理论学习不深入的问题。整改情况：已完成整改。
2.决策程序不规范的问题。整改情况：正在推进。
二、关于从严治党方面的问题
3.监督不力的问题。整改情况：已完成整改。
三、关于选人用人方面的问题
4.干部档案管理不规范的问题。整改情况：已完成整改。
中共某县委
2023年12月1日
"""


def test_it_reads_categories_written_as_sections_under_a_two_line_title() -> None:
    notice = parse_text(_CATEGORIES_AS_SECTIONS)
    assert notice.header.title == "中共某县委关于省委第五巡视组反馈意见整改进展情况的通报"
    assert notice.header.published_on == date(2024, 1, 2)
    assert [n.label for n in notice.issues] == ["一、", "二、", "三、"]
    assert [p.number for p in notice.problems()] == [1, 2, 3, 4]
    assert "numbering_gap" not in _codes(notice)


# --- Texts that are not full notices ------------------------------------------------------------

_NO_NUMBERING = (
    "关于巡视整改进展情况的通报\n"
    "根据省委统一部署，省委第一巡视组对某县开展了巡视，现将整改情况公布如下。\n"
    "县委高度重视巡视整改工作，认真研究制定整改方案，逐项推进整改落实，取得明显成效。\n"
    "下一步，县委将继续巩固整改成果，建立健全长效机制，推动全面从严治党向纵深发展。\n"
)


def test_a_notice_without_numbering_parses_to_an_empty_tree_with_a_warning() -> None:
    notice = parse_text(_NO_NUMBERING)
    assert notice.issues == []
    assert "no_issue_tree" in _codes(notice)
    assert notice.header.inspection_team == "省委第一巡视组"


def test_strict_parsing_refuses_a_notice_without_numbering() -> None:
    with pytest.raises(ParseError) as raised:
        parse_text(_NO_NUMBERING, strict=True)
    assert raised.value.code == "no_issue_tree"


def test_it_refuses_english_text() -> None:
    with pytest.raises(ParseError) as raised:
        parse_text("Rectification progress notice. 1. Problems were found. 2. They were fixed.\n" * 20)
    assert raised.value.code == "not_a_notice"
    assert "not look like a rectification notice" in str(raised.value)


# --- JSON form and snapshots -----------------------------------------------------------------------

TOP_LEVEL_KEYS = {
    "title", "issuer", "signed_on", "published_on", "inspection_team", "inspected_body", "inspection_start",
    "inspection_end", "feedback_on", "special_checks", "declared", "contact", "warnings", "issues",
    "parser_version", "content_hash",
}


@shared
def test_to_dict_is_json_with_the_agreed_keys(name: str) -> None:
    data = parsed_shared(name).to_dict()
    assert data.keys() >= TOP_LEVEL_KEYS
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["parser_version"] == PARSER_VERSION
    assert data["signed_on"] == FACTS[name].signed_on.isoformat()
    node = data["issues"][0]
    assert {"label", "title", "text", "kind", "level", "children", "measures"} <= node.keys()


@shared
def test_content_hash_is_the_sha256_of_the_normalised_text(name: str) -> None:
    notice = parsed_shared(name)
    assert notice.content_hash == hashlib.sha256(fold(notice.text).encode()).hexdigest()
    assert notice.content_hash == parse_text(shared_text(name)).content_hash


@shared
def test_to_dict_matches_the_snapshot(name: str) -> None:
    """Regenerate with UPDATE_SNAPSHOTS=1 after a deliberate change, then read the diff."""
    path = SNAPSHOTS / f"{name}.json"
    current = json.dumps(parsed_shared(name).to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(current, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}: run with UPDATE_SNAPSHOTS=1"
    assert json.loads(current) == json.loads(path.read_text(encoding="utf-8"))
