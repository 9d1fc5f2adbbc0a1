"""Property tests: whatever comes in, the parser returns a result or raises ParseError, quickly.

``ParseError(code="internal")`` is the parser's safety net for its own bugs; it counts as a
failure here. Each example must finish within the hypothesis deadline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notices.parser import ParsedNotice, ParseError, parse_file, parse_text
from notices.parser.model import STATES
from tests.notices.parser_fixtures import notices_missing, shared_texts

FUZZ = settings(
    max_examples=120,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NOTICES = shared_texts()

# Pieces of the genre, so random texts reach the tree builder instead of stopping at
# "not a notice".
LABELS = ["一、", "二、", "三、", "（一）", "(二)", "（十一）", "1.", "2．", "3、", "（1）", "(2)", "1)", "2)", "①",
          "一是", "二是", "五是", "第一方面问题", "第二方面问题,", "整改情况：", "整改进展:", "1", "19.", ""]
WORDS = ["巡视", "整改", "问题", "关于", "方面", "已完成", "正在推进", "已全部整改到位", "取得阶段性成效", "年内",
         "11月全部完成", "今年暑期开学前", "2023年5月", "2019810日至1015", "省委第七巡视组", "对某县开展了巡视",
         "反馈了巡视意见", "立案145件", "办结率98.98%", "。", "，", ",", "；", "：", "（", "）", "“", "”",
         "中共某县委", "2024年6月18日", "联系电话：0553-8912001", "abc@163.com", "5大类17个方面问题", " ", "\u00a0"]

genre_line = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=12).map("".join)
genre_text = st.lists(
    st.tuples(st.sampled_from(LABELS), genre_line).map("".join), min_size=1, max_size=60
).map("\n".join)


def _check(run: Callable[[], ParsedNotice]) -> None:
    try:
        notice = run()
    except ParseError as error:
        assert error.code != "internal", repr(error.__cause__)
        assert error.zh and error.en
        return
    _assert_consistent(notice)


def _assert_consistent(notice: ParsedNotice) -> None:
    assert sum(notice.level_counts()) == sum(1 for _ in notice.walk())
    for node in notice.walk():
        assert node.kind in {"group", "problem", "detail"}
        assert all(child.level == node.level + 1 for child in node.children)
        for measure in node.measures:
            assert measure.proposed_state in STATES
    json.dumps(notice.to_dict(), ensure_ascii=False)


@FUZZ
@given(st.text(max_size=3000))
def test_random_text_gives_a_result_or_a_parse_error(text: str) -> None:
    _check(lambda: parse_text(text))


@FUZZ
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=2000))
def test_random_unicode_including_controls_gives_a_result_or_a_parse_error(text: str) -> None:
    _check(lambda: parse_text(text))


@FUZZ
@given(genre_text)
def test_genre_shaped_text_gives_a_result_or_a_parse_error(text: str) -> None:
    _check(lambda: parse_text("根据省委统一部署，省委第一巡视组对某县开展了巡视，现将整改进展情况予以公布。\n" + text))


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_give_a_result_or_a_parse_error(data: bytes) -> None:
    _check(lambda: parse_file(data))


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["a.docx", "a.html", "a.txt", None]))
def test_random_bytes_under_any_file_name_give_a_result_or_a_parse_error(data: bytes, filename: str | None) -> None:
    _check(lambda: parse_file(b"PK\x03\x04" + data if filename == "a.docx" else data, filename))


@pytest.fixture(scope="module")
def shared_notices() -> dict[str, str]:
    """The published notices to mutate: their absence skips locally and fails under CI=true."""
    if not NOTICES:
        notices_missing("the shared notices (../shared/notices) are absent")
    return NOTICES


@st.composite
def mutated_notice(draw: st.DrawFn) -> str:
    """A published notice with lines deleted, duplicated, swapped or cut short."""
    lines = NOTICES[draw(st.sampled_from(sorted(NOTICES)))].splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if not lines:
            break
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "strip_label"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "truncate":
            lines[index] = lines[index][: draw(st.integers(min_value=0, max_value=len(lines[index])))]
        else:
            lines[index] = lines[index][draw(st.integers(min_value=0, max_value=4)):]
    return "\n".join(lines)


@FUZZ
@given(text=mutated_notice())
def test_mutated_notices_give_a_result_or_a_parse_error(shared_notices, text: str) -> None:
    _check(lambda: parse_text(text))


@FUZZ
@given(data=st.data())
def test_notices_with_random_characters_deleted_still_parse(shared_notices, data: st.DataObject) -> None:
    text = NOTICES[data.draw(st.sampled_from(sorted(NOTICES)))]
    positions = data.draw(st.lists(st.integers(min_value=0, max_value=len(text) - 1), max_size=200))
    damaged = "".join(char for index, char in enumerate(text) if index not in set(positions))
    _check(lambda: parse_text(damaged))


def test_lone_surrogates_are_replaced_not_fatal() -> None:
    _check(lambda: parse_text("根据省委统一部署，省委第一巡视组对某县开展了巡视。\ud800\n（一）整改问题\udfff\n" * 3))
