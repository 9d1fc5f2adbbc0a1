"""Server-rendered SVG charts: no script, no CDN, the same picture on screen, projector and paper.

Each chart is an inline <svg role="img"> with a <title> and <desc> that say what it shows
in words, and text labels on the marks themselves (direct labelling), so nobody has to
match colours against a legend. The three series differ in lightness and in texture —
completed is dark and solid, ongoing light, overdue mid-tone with white hatching — so they
stay apart in greyscale print and for red–green colour blindness. Sizes are in viewBox
units and the SVG scales to its container; text is at least 15 units so a projected chart
stays legible.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Callable, Sequence

from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import formats
from .selectors import Row, Week

COMPLETED = "#05603a"  # dark green: darkest in greyscale
ONGOING = "#9ec5fe"  # light blue: lightest
OVERDUE = "#d92d20"  # red, hatched: mid-tone with texture
TEXT = "#101828"
MUTED = "#475467"
GRID = "#d0d5dd"
REMAINING = "#b42318"

_ids = itertools.count(1)


def _uid(prefix: str) -> str:
    # Several charts share one page; ids of <title>/<pattern> must not collide.
    return f"{prefix}-{next(_ids)}"


def _hatch(pattern_id: str) -> str:
    return (
        f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{OVERDUE}"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="#fff" stroke-width="3"/></pattern>'
    )


def _open(width: int, height: int, title: str, desc: str, css_class: str) -> tuple[str, str]:
    tid, did = _uid("t"), _uid("d")
    head = format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-labelledby="{} {}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="inherit"><title id="{}">{}</title><desc id="{}">{}</desc>',
        css_class, width, height, tid, did, tid, title, did, desc,
    )
    return head, "</svg>"


def _link(href: str | None, inner: str, tooltip: str) -> str:
    tip = format_html("<title>{}</title>", tooltip)
    if not href:
        return f"<g>{tip}{inner}</g>"
    return format_html('<a href="{}">', href) + tip + inner + "</a>"


def _width(text: str, size: float) -> float:
    """About how wide a text is: a CJK character is one em, Latin and digits a little over half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def _fit(text: str, max_units: float, size: float) -> str:
    """Shorten a label to the width it has; a CJK character is about one em, Latin half."""
    width = 0.0
    for i, ch in enumerate(text):
        width += size if ord(ch) > 0x2E80 else size * 0.58
        if width > max_units:
            return text[: max(i - 1, 1)] + "…"
    return text


def series_labels() -> dict[str, str]:
    """The words for the three parts of a bar: the same as the headline figures and the unit table."""
    return {"completed": _("Completed"), "ongoing": _("Ongoing, not overdue"), "overdue": _("Overdue")}


def stacked_bars(
    rows: Sequence[Row],
    *,
    title: str,
    desc: str = "",
    link: Callable[[Row, str], str | None] = lambda row, part: None,
    width: int = 560,
    show_rate: bool = True,
) -> SafeString:
    """One horizontal bar per row: completed | ongoing | overdue, each part a link to its items.

    Each bar is its row's whole (100 %), so a unit with 5 items is as readable as one with 500
    instead of shrinking to a sliver beside it; the counts say the sizes. The label sits above
    the bar so long Chinese titles need not be cut to a narrow column, a count sits inside each
    part wide enough for it, and a line under the bar gives every part's count in words; the
    completion rate and completed/total sit at the right end.
    """
    if not rows:
        return mark_safe("")
    pad, row_h, bar_h, label_h, counts_h = 12, 86, 26, 22, 22
    right = 130  # room for "71.2% 37/52"
    bar_w = width - 2 * pad - right
    height = pad * 2 + row_h * len(rows)
    hatch = _uid("hatch")
    names = series_labels()
    head, tail = _open(width, height, title, desc or title, "chart-bars")
    parts = [head, f"<defs>{_hatch(hatch)}</defs>"]
    for i, row in enumerate(rows):
        y = pad + i * row_h
        label = _fit(row.label, bar_w + right - 8, 16)
        parts.append(_link(
            link(row, "all"),
            format_html('<text x="{}" y="{}" font-size="16" fill="{}">{}</text>', pad, y + 16, TEXT, label),
            row.label,
        ))
        x = pad
        by = y + label_h + 2
        full = bar_w if row.total else 1
        segments = [
            ("completed", row.completed, COMPLETED),
            ("ongoing", row.ongoing_not_overdue, ONGOING),
            ("overdue", row.overdue, f"url(#{hatch})"),
        ]
        parts.append(format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#f2f4f7" stroke="{}"/>', x, by, full, bar_h, GRID,
        ))
        for part, n, fill in segments:
            if not n:
                continue
            w = round(full * n / row.total, 1)
            inner = format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', x, by, w, bar_h,
                                fill)
            if w >= 9 * len(str(n)) + 8:
                colour = "#fff" if part != "ongoing" else TEXT
                weight = "700" if part == "overdue" else "400"
                inner += format_html(
                    '<text x="{}" y="{}" font-size="15" fill="{}" font-weight="{}" text-anchor="middle" '
                    'paint-order="stroke" stroke="{}" stroke-width="{}">{}</text>',
                    round(x + w / 2, 1), by + 18, colour, weight, OVERDUE if part == "overdue" else "none",
                    3 if part == "overdue" else 0, n,
                )
            parts.append(_link(link(row, part), inner, f"{row.label}: {names[part]} {n}"))
            x = round(x + w, 1)
        # Every part's count in words under the bar, each a link: a part too narrow for its
        # number inside still says it, and the chart reads without the legend.
        cy = by + bar_h + counts_h - 4
        cx = float(pad)
        for part, n, _fill in segments:
            if not n:
                continue
            text = f"{names[part]} {n}"
            colour = {"completed": COMPLETED, "ongoing": MUTED, "overdue": REMAINING}[part]
            weight = "700" if part == "overdue" else "400"
            parts.append(_link(link(row, part), format_html(
                '<text x="{}" y="{}" font-size="15" fill="{}" font-weight="{}">{}</text>',
                round(cx, 1), cy, colour, weight, text), f"{row.label}: {text}"))
            cx += _width(text, 15) + 14
        summary = formats.percent(row.rate) if show_rate and row.rate is not None else ""
        counts = f"{row.completed}/{row.total}"
        parts.append(format_html(
            '<text x="{}" y="{}" font-size="16" fill="{}" text-anchor="end"><tspan font-weight="700">{}</tspan>'
            '<tspan fill="{}" dx="6">{}</tspan></text>',
            width - pad, by + 19, TEXT, summary, MUTED, counts,
        ))
    parts.append(tail)
    return mark_safe("".join(parts))


def legend() -> SafeString:
    """The key to the bar charts, as HTML (it wraps on a phone, which SVG text does not)."""
    hatch = _uid("hatch")
    swatch = '<svg width="22" height="14" aria-hidden="true"><defs>{}</defs><rect width="22" height="14" ' \
             'fill="{}" stroke="#98a2b3"/></svg>'
    names = series_labels()
    items = [
        (swatch.format("", COMPLETED), names["completed"]),
        (swatch.format("", ONGOING), names["ongoing"]),
        (swatch.format(_hatch(hatch), f"url(#{hatch})"), names["overdue"]),
    ]
    return mark_safe('<ul class="legend">' + "".join(
        f"<li>{svg}<span>{escape(text)}</span></li>" for svg, text in items
    ) + "</ul>")


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return math.ceil(top)
    return value


MAX_MARKERS = 13


def _trend_axis(weeks: Sequence[Week], deadline: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """The first and last week start on the trend's x axis: the weeks of data, run on to the end
    of the concentrated rectification period when it lies ahead (up to half a year)."""
    first, last = weeks[0].start, weeks[-1].start
    axis_end = last
    if deadline and deadline > last:
        axis_end = min(deadline - datetime.timedelta(days=deadline.weekday()), last + datetime.timedelta(weeks=26))
    return first, axis_end


def deadline_on_chart(weeks: Sequence[Week], deadline: datetime.date | None) -> bool:
    """Whether `weekly_chart` draws the deadline line: the caption names it only then."""
    if not weeks or not deadline:
        return False
    first, axis_end = _trend_axis(weeks, deadline)
    return first <= deadline - datetime.timedelta(days=deadline.weekday()) <= axis_end


def weekly_chart(
    weeks: Sequence[Week],
    *,
    today: datetime.date,
    deadline: datetime.date | None = None,
    title: str,
    completed_href: str | None = None,
    remaining_href: str | None = None,
    width: int = 640,
    height: int = 360,
) -> SafeString:
    """Completed (solid, filled) against remaining (dashed) at the end of each week.

    The end of the concentrated rectification period is a labelled vertical line; when it
    lies ahead the x axis runs on to it (up to half a year), so the gap left is visible.
    """
    if not weeks:
        return mark_safe("")
    left, right, top, bottom = 48, 112, 40, 40
    first, axis_end = _trend_axis(weeks, deadline)
    span_weeks = max((axis_end - first).days / 7, 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max(max(w.completed, w.remaining) for w in weeks))

    def x_of(day: datetime.date) -> float:
        return round(left + plot_w * ((day - first).days / 7) / span_weeks, 1)

    def y_of(n: int) -> float:
        return round(top + plot_h * (1 - n / peak), 1)

    desc = _(
        "Week by week from %(first)s: items completed and items remaining. This week: %(done)s completed, "
        "%(left)s remaining."
    ) % {"first": date_format(first, "Y-m-d"), "done": weeks[-1].completed, "left": weeks[-1].remaining}
    if deadline:
        desc += " " + _("The concentrated rectification period ends on %(date)s.") % {
            "date": date_format(deadline, "Y-m-d")}
    head, tail = _open(width, height, title, desc, "chart-trend")
    parts = [head]
    # Grid and y labels.
    for i in range(5):
        n = peak * i // 4
        y = y_of(n)
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
            '<text x="{}" y="{}" font-size="15" fill="{}" text-anchor="end">{}</text>',
            left, left + plot_w, y, y, GRID, left - 8, y + 5, MUTED, n,
        ))
    # X labels: about eight, on week starts.
    step = max(1, math.ceil(span_weeks / 8))
    day = first
    k = 0
    while day <= axis_end:
        if k % step == 0:
            parts.append(format_html(
                '<text x="{}" y="{}" font-size="15" fill="{}" text-anchor="middle">{}</text>',
                x_of(day), height - bottom + 22, MUTED, f"{day.month}/{day.day}",
            ))
        day += datetime.timedelta(weeks=1)
        k += 1
    base = y_of(0)
    done_pts = [(x_of(w.start), y_of(w.completed)) for w in weeks]
    left_pts = [(x_of(w.start), y_of(w.remaining)) for w in weeks]
    # A marker on every week merges into a band over a year (52 weeks): mark at most about 13
    # points, evenly, always including this week's, and let the line styles tell the two apart.
    every = max(1, math.ceil(len(weeks) / MAX_MARKERS))
    marked = [i for i in range(len(weeks)) if (len(weeks) - 1 - i) % every == 0]
    done_marks = [done_pts[i] for i in marked]
    left_marks = [left_pts[i] for i in marked]
    area = f"M{done_pts[0][0]:.1f},{base:.1f} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in done_pts) + \
        f" L{done_pts[-1][0]:.1f},{base:.1f} Z"
    parts.append(f'<path d="{area}" fill="{COMPLETED}" fill-opacity="0.18"/>')
    done_line = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in done_pts)
    left_line = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in left_pts)
    completed_label = series_labels()["completed"]
    remaining_label = _("Remaining")
    parts.append(_link(
        completed_href,
        f'<path d="{done_line}" fill="none" stroke="{COMPLETED}" stroke-width="4"/>'
        + "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COMPLETED}"/>' for x, y in done_marks),
        completed_label,
    ))
    parts.append(_link(
        remaining_href,
        f'<path d="{left_line}" fill="none" stroke="{REMAINING}" stroke-width="3" stroke-dasharray="9 5"/>'
        + "".join(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" stroke="{REMAINING}" '
                  f'stroke-width="2"/>' for x, y in left_marks),
        remaining_label,
    ))
    # Direct labels at the line ends, nudged apart when the two ends are close.
    (dx, dy), (rx, ry) = done_pts[-1], left_pts[-1]
    if abs(dy - ry) < 20:
        dy, ry = (dy - 11, ry + 11) if dy <= ry else (dy + 11, ry - 11)
    parts.append(_link(completed_href, format_html(
        '<text x="{}" y="{}" font-size="16" font-weight="700" fill="{}">{} {}</text>',
        dx + 10, dy + 5, COMPLETED, completed_label, weeks[-1].completed), completed_label))
    parts.append(_link(remaining_href, format_html(
        '<text x="{}" y="{}" font-size="16" font-weight="700" fill="{}">{} {}</text>',
        rx + 10, ry + 5, REMAINING, remaining_label, weeks[-1].remaining), remaining_label))
    # Today, and the deadline of the concentrated rectification period.
    this_monday = today - datetime.timedelta(days=today.weekday())
    tx = x_of(this_monday)
    # A chart of an earlier period (the report's) ends before this week: no marker off its axis.
    if this_monday <= axis_end:
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1" stroke-dasharray="2 3"/>'
            '<text x="{}" y="{}" font-size="14" fill="{}" text-anchor="middle">{}</text>',
            tx, tx, top - 6, base, MUTED, tx, top - 12, MUTED, _("this week"),
        ))
    if deadline_on_chart(weeks, deadline):
        x = round(x_of(deadline - datetime.timedelta(days=deadline.weekday()))
                  + plot_w / span_weeks * deadline.weekday() / 7, 1)
        anchor = "end" if x > left + plot_w * 0.7 else "start"
        offset = -6 if anchor == "end" else 6
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="3" '
            'stroke-dasharray="12 4 3 4"/>'
            '<text x="{}" y="{}" font-size="15" font-weight="700" fill="{}" text-anchor="{}">{}</text>',
            x, x, top, base, TEXT, x + offset, top + 16, TEXT, anchor,
            _("end of concentrated rectification %(date)s") % {"date": date_format(deadline, "n/j")},
        ))
    parts.append(format_html(
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5"/>',
        left, left + plot_w, base, base, MUTED,
    ))
    parts.append(tail)
    return mark_safe("".join(parts))
