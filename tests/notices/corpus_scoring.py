"""Per-fact scoring of the parser against the hand-written truth files of our corpus.

Each notice ``tests/notices/corpus/NAME.txt`` has a truth file ``NAME.json``:

``header``
    facts read off the notice by hand (``title``, ``issuer``, ``inspection_team``,
    ``inspected_body``, dates as ISO strings, ``declared`` totals); only the facts a reader
    can state are listed, ``null`` where the notice has none.
``levels``, ``problems``
    nodes per level of the issue tree, top first, and the problems as the notice counts them.
``measures``
    in document order, each ``[state, deadline]`` or an object with ``state``, ``deadline``
    and optionally ``kind`` (``long_term``), ``units`` and ``leader``.

Every listed value is one fact. A measure the parser misses or adds costs its facts, so a
count error is never hidden by the facts that happen to line up.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from notices.parser import ParsedNotice, parse_file
from notices.parser.model import Measure

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass
class Score:
    right: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def check(self, notice: str, fact: str, expected, found) -> None:
        self.total[fact] += 1
        if expected == found:
            self.right[fact] += 1
        else:
            self.misses.append(f"{notice}: {fact}: expected {expected!r}, found {found!r}")

    @property
    def accuracy(self) -> float:
        total = sum(self.total.values())
        return sum(self.right.values()) / total if total else 1.0

    def table(self) -> str:
        lines = [f"{'fact':<24} {'right':>6} {'of':>6} {'accuracy':>9}"]
        for fact in sorted(self.total):
            lines.append(f"{fact:<24} {self.right[fact]:>6} {self.total[fact]:>6} "
                         f"{100 * self.right[fact] / self.total[fact]:>8.1f}%")
        lines.append(f"{'all':<24} {sum(self.right.values()):>6} {sum(self.total.values()):>6} "
                     f"{100 * self.accuracy:>8.1f}%")
        return "\n".join(lines)


def corpus_names() -> list[str]:
    return sorted(path.stem for path in CORPUS.glob("*.txt"))


def truth(name: str) -> dict:
    return json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _measure_truth(item) -> dict:
    if isinstance(item, list):
        return {"state": item[0], "deadline": item[1]}
    return item


def _long_term(measure: Measure) -> bool:
    return measure.long_term


def score_notice(name: str, notice: ParsedNotice, expected: dict, score: Score) -> None:
    header = notice.header
    for key, value in expected.get("header", {}).items():
        if key == "declared":
            for total, number in value.items():
                score.check(name, f"declared.{total}", number, header.declared.get(total))
            continue
        found = getattr(header, key)
        score.check(name, f"header.{key}", value, _iso(found) if hasattr(found, "isoformat") else found)
    levels = notice.level_counts()
    for depth, count in enumerate(expected["levels"]):
        score.check(name, f"tree.level{depth}", count, levels[depth] if depth < len(levels) else 0)
    score.check(name, "tree.depth", len(expected["levels"]), len(levels))
    score.check(name, "tree.problems", expected["problems"], len(notice.problems()))
    measures = notice.measures()
    wanted = [_measure_truth(item) for item in expected["measures"]]
    score.check(name, "measures.count", len(wanted), len(measures))
    for index, item in enumerate(wanted):
        found = measures[index] if index < len(measures) else None
        where = f"measure {index + 1}"
        score.check(name, "measure.state", item["state"], found.proposed_state if found else None)
        score.check(name, "measure.deadline", item["deadline"], _iso(found.deadline) if found else None)
        score.check(name, "measure.long_term", item.get("kind") == "long_term", bool(found and _long_term(found)))
        if "units" in item:
            score.check(name, "measure.units", item["units"], list(found.units) if found else None)
        if "leader" in item:
            score.check(name, "measure.leader", item["leader"], found.leader if found else None)
        if found is None:
            score.misses.append(f"{name}: {where} missing")


def score_corpus(names: list[str] | None = None) -> Score:
    score = Score()
    for name in names or corpus_names():
        score_notice(name, parse_file(CORPUS / f"{name}.txt"), truth(name), score)
    return score


if __name__ == "__main__":
    result = score_corpus()
    print(result.table())
    print("\n".join(result.misses))
