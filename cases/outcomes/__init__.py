"""Outcome figures (整改成效): what rectification achieved, as typed records on progress entries.

- `kinds`: the kinds (accountability by kind, rules made or revised, money), their category,
  labels, units and the notice words — the one place each is written.
- `models`: `OutcomeFigure`, attached to a `ProgressUpdate` (and so to its measure).
- `services`: validating figure input, recording figures (with or after a progress entry).
- `extract`: figures proposed from a notice's text (追缴资金356.7万元, 给予党纪政务处分12人…).
- `selectors`: totals per case, organisation and unit, from the same scoped measure querysets
  as the dashboard; `words` renders totals as the notice's sentence.
- `forms`: the figure rows of the progress forms (admin and /my/).
"""
