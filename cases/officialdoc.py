"""Word documents in the layout of official documents (党政机关公文格式, GB/T 9704-2012).

Shared by the progress notice draft (notices.drafter) and the urging letters
(cases.urging.letters): A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; the
title in 小标宋 二号 on 36-point lines; the body in 仿宋 三号 with a two-character first-line
indent on fixed 28-point lines (22 lines a page); headings in 黑体 and 楷体; the 文号 centred
under the issuer; the addressee flush left; signature and date on the right.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

FONTS = {
    "issuer": ("方正小标宋简体", 22, False),
    "number": ("仿宋_GB2312", 16, False),
    "title": ("方正小标宋简体", 22, False),
    "addressee": ("仿宋_GB2312", 16, False),
    "heading1": ("黑体", 16, False),
    "heading2": ("楷体_GB2312", 16, False),
    "heading3": ("仿宋_GB2312", 16, True),
    "body": ("仿宋_GB2312", 16, False),
    "signature": ("仿宋_GB2312", 16, False),
}


def official_docx(paragraphs: Iterable[tuple[str, str]], *, title: str, author: str,
                  signature_gap_before: str | None = None) -> bytes:
    """`paragraphs` as (style, text) pairs, styles from `FONTS`; the .docx as bytes.

    `signature_gap_before` is the signature line that gets a blank line above it (the issuer).
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    document.core_properties.title = title
    document.core_properties.author = author

    for style, text in paragraphs:
        paragraph = document.add_paragraph()
        font_name, size, bold = FONTS[style]
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = font_name
        run.element.rPr.rFonts.set(qn("w:eastAsia"), font_name)
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(36 if style in ("title", "issuer") else 28)
        fmt.space_before = fmt.space_after = Pt(0)
        if style in ("title", "issuer", "number"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_after = Pt(28)
        elif style == "addressee":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        elif style == "signature":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt.right_indent = Pt(size * 4)
            if text == signature_gap_before:
                fmt.space_before = Pt(28)
        else:
            fmt.first_line_indent = Pt(size * 2)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()
