"""The parser on our own corpus of invented notices (tests/notices/corpus): per-fact accuracy.

Run ``.venv/bin/python -m tests.notices.corpus_scoring`` to print the table and every miss.
"""

from __future__ import annotations

import pytest

from tests.notices.corpus_scoring import corpus_names, score_corpus

THRESHOLD = 0.98


def test_the_corpus_has_at_least_fifteen_notices_with_truth() -> None:
    names = corpus_names()
    assert len(names) >= 15


def test_per_fact_accuracy_on_the_corpus_is_at_least_98_percent(capsys: pytest.CaptureFixture[str]) -> None:
    score = score_corpus()
    with capsys.disabled():
        print("\n" + score.table())
    assert score.accuracy >= THRESHOLD, "\n".join(score.misses)


@pytest.mark.parametrize("name", corpus_names())
def test_every_corpus_notice_gets_its_tree_counts_right(name: str) -> None:
    score = score_corpus([name])
    tree_misses = [miss for miss in score.misses if ": tree." in miss or "measures.count" in miss]
    assert not tree_misses, "\n".join(tree_misses)
