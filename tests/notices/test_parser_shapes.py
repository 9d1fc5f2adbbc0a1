"""Shapes of notices beyond the five published ones: numbering learned from the document,
reflow of wrapped lines, field lines, summaries and closing text, damaged sibling labels,
and warnings in the interface language."""

from __future__ import annotations

import pytest
from django.utils import translation

from notices.parser import parse_text
from notices.parser.labels import learn_ranks, read_label
from notices.parser.reflow import reflow, wrap_width

HEAD = ("中共测试县委关于巡视整改进展情况的通报\n"
        "根据省委统一部署，2023年3月1日至5月1日，省委第一巡视组对测试县开展了常规巡视。"
        "2023年6月1日，省委第一巡视组向测试县委反馈了巡视意见。\n"
        "二、巡视反馈问题整改落实情况\n")
FOOT = "\n中共测试县委\n2023年12月1日\n"


def _labels(*lines: str):
    return [read_label(line) for line in lines]


def test_a_style_convention_does_not_rank_is_placed_under_the_label_before_it() -> None:
    ranks = learn_ranks(_labels("1、关于政治建设方面", "问题1：学习不深入。", "问题2：落实不力。",
                                "2、关于从严治党方面", "问题1：责任不实。"))
    assert ranks["problem_n"] > ranks["arabic_dot"]


def test_restarts_against_convention_are_learned() -> None:
    """(1) categories each restarting 1. problems: the document nests 1. under (1)."""
    ranks = learn_ranks(_labels("（1）关于政治建设方面", "1．学习不深入的问题", "2．落实不力的问题",
                                "（2）关于从严治党方面", "1．责任不实的问题"))
    assert ranks["arabic_dot"] > ranks["arabic_paren"]


def test_nesting_learned_from_restarts_builds_the_tree() -> None:
    text = HEAD + ("（1）关于政治建设方面\n1．学习不深入的问题。整改情况：已完成整改。\n"
                   "2．落实不力的问题。整改情况：正按计划推进。\n（2）关于从严治党方面\n"
                   "1．责任不实的问题。整改情况：已整改到位。\n2．作风不实的问题。整改情况：已完成整改。") + FOOT
    notice = parse_text(text)
    assert notice.level_counts() == [2, 4] and len(notice.problems()) == 4


def test_problem_n_labels_and_di_levels() -> None:
    text = HEAD + ("第一、关于政治建设方面\n问题1：学习不深入。\n整改情况：已完成整改。\n问题2：落实不力。\n"
                   "整改情况：正按计划推进。\n第二、关于从严治党方面\n问题1：责任不实。\n整改情况：已整改到位。") + FOOT
    notice = parse_text(text)
    assert notice.level_counts() == [2, 3]
    assert [m.proposed_state for m in notice.measures()] == ["completed", "in_progress", "completed"]


def test_a_body_sentence_opening_with_di_yi_comma_is_not_a_label() -> None:
    assert read_label("第一，要坚持问题导向。") is None
    assert read_label("问题十分突出。") is None


def test_a_sibling_that_lost_its_bracket_stays_a_sibling() -> None:
    text = HEAD + ("（一）关于政治建设方面\n（1）学习不深入的问题。已完成整改。\n2）落实不力的问题。已完成整改。\n"
                   "（3）作风不实的问题。已完成整改。\n二）关于从严治党方面\n（4）责任不实的问题。已整改到位。\n"
                   "（三）关于选人用人方面\n（5）程序不规范的问题。已整改到位。") + FOOT
    notice = parse_text(text)
    assert notice.level_counts() == [3, 5]
    assert [w.code for w in notice.warnings].count("label_damaged") == 2


def test_wrapped_lines_are_joined_and_headings_are_not() -> None:
    paragraph = ("一是制定县域经济高质量发展三年行动计划，已完成。"
                 "二是引进培育规模以上工业企业16家，已取得阶段性成效，需持续推进。")
    wrapped = [paragraph[i:i + 20] for i in range(0, len(paragraph), 20)]
    lines = ["（一）关于贯彻落实新发展理念方面", "1．县域经济发展质量不高的问题", *wrapped,
             "2．生态环境保护存在短板的问题", *wrapped]
    assert wrap_width(lines) == 20
    joined, warnings = reflow(lines)
    assert joined == ["（一）关于贯彻落实新发展理念方面", "1．县域经济发展质量不高的问题", paragraph,
                      "2．生态环境保护存在短板的问题", paragraph]
    assert warnings[0].code == "reflowed_lines" and warnings[0].params["n"] == 2 * (len(wrapped) - 1)


def test_a_text_without_wrapping_is_left_alone() -> None:
    lines = ["（一）关于政治建设方面", "1．学习不深入的问题", "整改情况：已完成整改。", "中共测试县委", "2023年12月1日"]
    assert reflow(lines) == (lines, [])


def test_field_lines_are_data_of_the_item() -> None:
    text = HEAD + ("（一）水污染防治方面\n1．污水管网建设滞后。\n责任单位：市住房城乡建设局、相关县（市、区）人民政府\n"
                   "责任领导：王建国\n整改时限：2023年12月底前\n整改情况：已完成。新建管网36公里。\n"
                   "2．扬尘管控不严。责任单位：市住房城乡建设局；整改时限：立行立改，长期坚持；"
                   "整改进展：已完成，长期坚持。") + FOOT
    first, second = parse_text(text).measures()
    assert first.units == ["市住房城乡建设局", "相关县（市、区）人民政府"] and first.leader == "王建国"
    assert first.deadline.isoformat() == "2023-12-31" and first.proposed_state == "completed"
    assert first.text.startswith("已完成。新建管网")
    assert second.proposed_state == "completed" and second.long_term and second.deadline is None


def test_summary_lines_and_closing_text_are_not_measures() -> None:
    text = HEAD + ("（一）关于政治建设方面\n1．学习不深入的问题\n整改情况：已完成整改。\n"
                   "本方面共1个问题，已整改到位1个。\n（二）关于从严治党方面\n2．责任不实的问题\n整改情况：正按计划推进。\n"
                   "总的看，全县巡视整改工作取得阶段性成效，但还有差距。") + FOOT
    notice = parse_text(text)
    assert [m.text for m in notice.measures()] == ["已完成整改。", "正按计划推进。"]
    assert {"summary_lines", "closing_text"} <= {w.code for w in notice.warnings}


@pytest.mark.django_db
def test_warnings_speak_the_interface_language() -> None:
    untitled = HEAD.replace("中共测试县委关于巡视整改进展情况的通报\n", "")
    notice = parse_text(untitled + "1．学习不深入的问题。已完成整改。" + FOOT)
    warning = next(w for w in notice.warnings if w.code == "no_title")
    with translation.override("en"):
        assert warning.message == "No title line was found (often: the text was pasted without it)."
    with translation.override("zh-hans"):
        assert warning.message == "未找到标题行（常见原因：粘贴时未包含标题）。"


def test_every_parser_message_has_a_chinese_translation() -> None:
    from pathlib import Path

    from notices.parser.messages import ERRORS, TEMPLATES, TERMS

    po = (Path(__file__).resolve().parents[2] / "locale/parser/zh_Hans/LC_MESSAGES/django.po").read_text("utf-8")
    for text in [*TEMPLATES.values(), *ERRORS.values(), *TERMS]:
        escaped = text.replace('"', '\\"')
        assert f'msgid "{escaped}"' in po, text
