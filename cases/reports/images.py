"""The dashboard's SVG charts (cases.charts) as PNG images for the .docx report.

Word documents cannot hold SVG through python-docx, so each chart is rasterised by CairoSVG
(pinned in requirements.txt) — the same drawing as on screen, not a second chart library. Three
things the browser handles and Cairo does not are adjusted first: the inherited font (named
explicitly, a CJK face), `paint-order` on the white numbers of the hatched segments (the halo
is dropped), and the two `<tspan>`s of a right-aligned label (joined into one text).
"""

from __future__ import annotations

import re

FONT = "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, SimHei, sans-serif"
_SPLIT_LABEL = re.compile(r'<tspan font-weight="700">([^<]*)</tspan><tspan fill="[^"]*" dx="6">([^<]*)</tspan>')


def for_cairo(svg: str) -> str:
    svg = svg.replace('font-family="inherit"', f'font-family="{FONT}"')
    svg = re.sub(r'paint-order="stroke" stroke="[^"]*" stroke-width="[^"]*"', "", svg)
    return _SPLIT_LABEL.sub(lambda m: f"{m.group(1)}  {m.group(2)}" if m.group(1) else m.group(2), svg)


def png(svg: str, *, width: int = 1400) -> bytes:
    """PNG bytes of an SVG chart, `width` pixels wide (about 2× for print sharpness)."""
    import cairosvg

    return cairosvg.svg2png(bytestring=for_cairo(str(svg)).encode("utf-8"), output_width=width,
                            background_color="white")
