"""The written-down precedence of state wordings (notices/parser/states.py), one rule a test."""

from __future__ import annotations

from datetime import date

import pytest

from notices.parser.states import read_deadline, read_state


@pytest.mark.parametrize(("text", "state"), [
    # Rule 1: a closing verdict wins over the steps the text describes.
    ("3个项目已开工建设，其余项目计划2024年6月底前开工，已取得阶段性成效。", "phased"),
    ("部分资产处置手续正在办理，已取得阶段性成效。", "phased"),
    # Rule 1: a verdict opening the text, then what was done.
    ("已完成。新建改造污水管网36公里，完成雨污分流改造小区42个。", "completed"),
    ("达到序时进度。园区污水处理厂提标改造工程已完成主体施工，正在调试。", "in_progress"),
    # A closing clause with figures reports a step, not a verdict: rule 2 applies.
    ("城南安置点已启动建设，预计可安置8084户；新庙安置点已完成分房7856套。", "in_progress"),
    # A plan closing the text is not a verdict either.
    ("已制定培育方案，相关工作尚未启动，计划2024年9月底前完成。", "planned"),
    # Rule 2: the least advanced wording wins.
    ("2个问题已完成整改，1个问题正按计划推进，3个问题取得阶段性成效。", "in_progress"),
    ("剩余2件正在推进，已化解12件。", "in_progress"),
    # Rule 3: completed and kept up.
    ("建立工地扬尘监管台账，已完成，长期坚持。", "completed"),
    ("已完成整改并长期坚持。", "completed"),
    ("建立作风建设长效机制，长期坚持。", "phased"),
    ("已取得阶段性成效，需长期坚持。", "phased"),
    # Rule 4: on or behind schedule.
    ("达到序时进度。完成测土配方施肥推广面积38万亩。", "in_progress"),
    ("未达到序时进度。已完成8条河道综合治理。", "in_progress"),
    # Rule 5: negated, future and aimed-at completions.
    ("问题未整改到位。", "in_progress"),
    ("将于年底前彻底整改到位。", "in_progress"),
])
def test_state_precedence(text: str, state: str) -> None:
    assert read_state(text).state == state


def test_a_text_without_state_wording_is_a_default_guess() -> None:
    found = read_state("确保问题整改到位。")
    assert (found.state, found.basis) == ("in_progress", "default")


@pytest.mark.parametrize(("text", "long_term"), [
    ("已完成，长期坚持。", True), ("需长期坚持。", True), ("已完成整改。", False),
])
def test_long_term_wording_is_read(text: str, long_term: bool) -> None:
    assert read_state(text).long_term is long_term


@pytest.mark.parametrize(("text", "deadline"), [
    ("年内完成注销。", None),
    ("年内有望开工建设。", None),
    ("2024年6月底前完成。", date(2024, 6, 30)),
    ("今年年底前全部完成。", date(2024, 12, 31)),
    ("11月底前完成。", date(2024, 11, 30)),
])
def test_a_vague_within_the_year_is_no_deadline(text: str, deadline: date | None) -> None:
    assert read_deadline(text, date(2024, 3, 1))[0] == deadline
