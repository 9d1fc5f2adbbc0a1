"""Outcome figures proposed from a notice at import (追缴资金356.7万元, 给予党纪政务处分12人…).

The preview lists what `extract` finds in each measure's paragraph; the administrator keeps or
drops each proposal, and only the confirmed ones are recorded, on the measure's import entry of
that notice (source: notice). A proposal's key is its measure's position in the plan and its
own position in the paragraph: the confirmed text is the previewed text (the content hash
guards it), so the keys point at the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cases import services as case_services
from cases.models import Measure, ProgressUpdate

from . import extract
from .models import OutcomeFigure
from .services import FigureInput, add_figures, describe
from .words import figure_words


@dataclass(frozen=True)
class Proposal:
    key: str
    measure_index: int
    measure_label: str
    words: str
    phrase: str
    figure: FigureInput

    def as_dict(self) -> dict:
        return {"key": self.key, "measure": self.measure_label, "words": self.words, "phrase": self.phrase,
                "kind": self.figure.kind}


class _Shown:
    def __init__(self, f: FigureInput):
        self.kind, self.count, self.amount_wan, self.title, self.doc_number = (
            f.kind, f.count, f.amount_wan, f.title, f.doc_number)


def propose(measure_plans) -> list[Proposal]:
    proposals = []
    for i, m in enumerate(list(measure_plans)):
        label = (m.parsed.label or "") + (m.parsed.text or "")[:30]
        for j, found in enumerate(extract.find(m.parsed.text or "")):
            proposals.append(Proposal(key=f"{i}-{j}", measure_index=i, measure_label=label,
                                      words=figure_words(_Shown(found.figure)), phrase=found.phrase,
                                      figure=found.figure))
    return proposals


def record(measure_plans, measures: dict[int, object], *, notice, keys: Iterable[str], by=None) -> int:
    """Record the confirmed proposals; `measures` maps a measure plan's index to its measure."""
    keys = set(keys)
    chosen: dict[int, list[FigureInput]] = defaultdict(list)
    for proposal in propose(measure_plans):
        if proposal.key in keys:
            chosen[proposal.measure_index].append(proposal.figure)
    count = 0
    plans = list(measure_plans)
    for index, figures in chosen.items():
        measure = measures.get(index)
        if measure is None and plans[index].measure_id:  # matched and unchanged: not written above
            measure = Measure.objects.filter(pk=plans[index].measure_id).first()
        if measure is None:
            continue
        entry = ProgressUpdate.objects.filter(measure=measure, source_notice=notice).order_by("-pk").first()
        if entry is None:
            entry = case_services.record_state_from_source(measure=measure, to_state=measure.state,
                                                           note=describe(figures), source_notice=notice, by=by)
        add_figures(progress=entry, figures=figures, by=None, source=OutcomeFigure.Source.NOTICE)
        count += len(figures)
    return count
