"""The faster search forms of the parser find exactly what their plain forms would.

Several patterns are written for speed rather than for reading (see the comments next to
them): a lookbehind moved after the first character, a gate that skips a search when a text
lacks a character every match contains, patterns chosen by a line's first character. Each
test here holds the plain form as the specification and compares, on the invented corpus and
on random strings built from the characters that matter.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from notices.parser import labels, measures, states
from notices.parser.text import fold

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(scope="module")
def corpus_lines() -> list[str]:
    lines = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines += [fold(line.strip()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines
    return lines


def _random_texts(alphabet: str, count: int = 3000, longest: int = 24) -> list[str]:
    rnd = random.Random(20240601)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, longest))) for _ in range(count)]


def test_ordinal_markers_are_those_of_the_lookbehind_pattern(corpus_lines: list[str]) -> None:
    plain = re.compile(rf"(?:^|(?<=[。;!?:]))\s*({labels.CN_NUM})是(?![否的])")
    for text in [*corpus_lines, *_random_texts("一二三十是否的。;!?: \tab")]:
        expected = [(m.start(), m.end(), m.group(1), m.start(1)) for m in plain.finditer(text)]
        assert list(measures._markers(text)) == expected, text


def test_figures_are_those_of_the_lookbehind_pattern(corpus_lines: list[str]) -> None:
    plain = re.compile(rf"(?<![\d.A-Za-z])(\d+(?:\.\d+)?)\s*(万|亿|千)?(余|多)?({states._UNITS})")
    for text in [*corpus_lines, *_random_texts("12.a 万余个件%", longest=12)]:
        assert [m.groups() + m.span() for m in states._NUMBER.finditer(text)] == \
               [m.groups() + m.span() for m in plain.finditer(text)], text


def test_every_deadline_match_holds_the_characters_its_form_needs(corpus_lines: list[str]) -> None:
    texts = [*corpus_lines, "2024年6月底前完成", "今年年底前完成", "2023年内建成", "今年暑期开学前投入使用",
             "6月份前完成", "2024年3月15日之前", "本年末完成", "11月完成"]
    seen = set()
    for text in texts:
        for kind, form in states._DEADLINES:
            for match in form.pattern.finditer(text):
                phrase = set(match.group(0))
                assert form.needs <= phrase, (kind, match.group(0))
                assert not form.needs_one_of or form.needs_one_of & phrase, (kind, match.group(0))
                seen.add(form)
    assert len(seen) == len(states._DEADLINES)  # every form was put to the test


def test_the_union_of_the_state_patterns_finds_a_text_iff_one_of_them_does(corpus_lines: list[str]) -> None:
    for text in corpus_lines:
        for start in range(0, len(text), 7):
            window = text[start:start + 30]
            any_one = any(pattern.search(window) for _, pattern in states._STATE_PATTERNS)
            assert (states._ANY_STATE.search(window) is not None) == any_one, window


def test_a_label_is_read_as_with_every_pattern_tried(corpus_lines: list[str]) -> None:
    def plain(folded: str) -> tuple[str, int] | None:
        for style, _, pattern in labels._PATTERNS:
            match = pattern.match(folded)
            if match is not None:
                return style, match.end()
        return None

    def dispatched(folded: str) -> tuple[str, int] | None:
        for style, pattern in labels._BY_FIRST.get(folded[0], ()):
            match = pattern.match(folded)
            if match is not None:
                return style, match.end()
        return None

    starts = "".join(labels._LABEL_START)
    for text in [*corpus_lines, *_random_texts(starts + "是、.)）:方面类问题 ", longest=8)]:
        if text and text[0] in labels._LABEL_START:
            folded = fold(text)
            assert dispatched(folded) == plain(folded), text
