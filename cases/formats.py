"""How a figure is written, the same on every page, chart, admin column and e-mail."""

from __future__ import annotations

from django.utils.formats import number_format


def percent(rate: float | None) -> str:
    """A rate of 0–100 with one decimal, as the published notices print it: "40.0%", "0.0%".

    One decimal always, so "40%" beside "37.5%" never suggests two kinds of figure; no rate
    (nothing to count) is a dash.
    """
    if rate is None:
        return "—"
    return f"{number_format(round(float(rate), 1), 1)}%"
