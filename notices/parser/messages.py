"""Every message the parser can give, written once, in English, translated by gettext.

The parser is pure Python: it does not import Django. A warning keeps its message template
(the English text below, the gettext msgid) and its parameters, and renders them when
read: through Django's gettext in the active language when Django is running (the
translations are in ``locale/parser/``), in English otherwise (the benchmarks, scripts).
So the same parsed notice shows its warnings in Chinese in the Chinese interface and in
English in the English one, and never mixes the two.
"""

from __future__ import annotations

from typing import Any


class Term(str):
    """A parameter that is itself a phrase to translate (e.g. "signing date")."""

    __slots__ = ()


TEMPLATES: dict[str, str] = {
    # Layout and header
    "no_title": "No title line was found (often: the text was pasted without it).",
    "no_signature": "No signing date was found at the end of the notice.",
    "date_invalid": "%(what)s “%(raw)s” is not a valid date.",
    "date_damaged": "%(what)s “%(raw)s” lost its 年/月/日; the only valid reading, %(date)s, was taken.",
    "date_ambiguous": "%(what)s “%(raw)s” lost its 年/月/日 and has %(n)d possible readings (%(readings)s); "
                      "it was left empty.",
    "team_damaged": "The inspection team “%(raw)s” lacks 第; read as “%(team)s”.",
    "declared_conflict": "The notice declares %(what)s as both %(first)s and %(second)s; the first is kept.",
    "numbering_gap.section": "Section “%(expected)s” is missing: the text goes on with “%(label)s”.",
    "reflowed_lines": "%(n)d line breaks inside paragraphs (usual in text copied from a web page) were joined.",
    "page_furniture": "%(n)d lines of page layout (page numbers, the title repeated at the top of a page) were "
                      "left out.",
    "docx_numbering": "Word's automatic numbering was written out as labels (%(n)d paragraphs); check the labels.",
    # Tree
    "no_issue_tree": "No numbered list of problems was found: the issue tree is empty.",
    "declared_mismatch.problems": "The notice declares %(declared)s problems but lists %(listed)s.",
    "declared_mismatch.categories": "The notice declares %(declared)s categories but lists %(listed)s.",
    "label_damaged.bare": "The label “%(label)s” lost its brackets; read as a sibling of the neighbouring "
                          "“%(example)s”.",
    "label_damaged.sibling": "The label “%(label)s” differs from its neighbour “%(example)s”; read as its sibling.",
    "half_paren_label": "%(n)d labels are written as “1)”, probably “（1）” that lost its “（”; kept as their "
                        "own level.",
    "lost_heading_marker": "The heading “%(heading)s” lost its label; taken as “%(label)s”, the category before "
                           "“%(next)s”.",
    "missing_heading": "The items before “%(next)s” have no category; they were grouped under an untitled one.",
    "numbering_gap": "The label “%(label)s” does not follow the previous number: an item may have been lost.",
    "ordinal_problems": "“%(title)s” has no numbered items: its 一是…%(last)s paragraphs each state a problem, "
                        "read as %(n)d problems.",
    "summary_lines": "A summary line (“共N个问题，已整改M个”) was kept as text, not read as a measure.",
    "closing_text": "The paragraph after the last item (“%(start)s…”) sums up the work; it was not read as a "
                    "measure.",
    # Measures
    "lost_ordinal_markers": "The markers %(names)s are missing; the %(n)d unmarked paragraphs before “%(label)s” "
                            "were taken as those measures.",
    "numbering_gap.measures": "The measure markers jump to “%(label)s”: %(names)s are missing.",
    "vague_deadline": "“%(phrase)s” names no date: the measure gets the default deadline.",
}

# Phrases that fill a template; distinct from the interface's own words ("completed"…), so
# that no other catalogue's translation of them applies here.
DATE_TERMS: dict[str, str] = {
    "signing": "The notice's signing date",
    "start": "The inspection's start date",
    "end": "The inspection's end date",
    "feedback": "The date the feedback was given",
}
DECLARED_TERMS: dict[str, str] = {
    "problems": "the number of problems",
    "categories": "the number of categories",
    "measures": "the number of measures",
    "completed": "the number of completed problems",
    "completed_pct": "the share of completed problems",
    "phased": "the number of problems with phased results",
    "phased_pct": "the share of problems with phased results",
    "in_progress": "the number of problems in progress",
    "special_checks": "the number of special checks",
    "campaigns": "the number of campaigns",
}
TERMS: tuple[str, ...] = (*DATE_TERMS.values(), *DECLARED_TERMS.values(), "characters", "bytes")

# Parse errors: the message says what is wrong with the input as a whole.
ERRORS: dict[str, str] = {
    "unreadable.type": "The input must be text.",
    "unreadable.file": "The file “%(name)s” cannot be read.",
    "unreadable.input": "This kind of input is not supported.",
    "unreadable.doc": "Legacy Word files (.doc) are not supported: save the file as .docx and import it again.",
    "unreadable.pdf": "PDF files are not supported: import the text, a .docx file or the saved web page.",
    "unreadable.fake_docx": "The file is named .docx but is not a Word document.",
    "unreadable.docx": "This Word document cannot be opened.",
    "unreadable.damaged_docx": "This Word document is damaged.",
    "unreadable.encoding": "The text encoding is not recognised (UTF-8 or GB18030 expected).",
    "empty": "The input is empty or holds only spaces.",
    "empty.file": "The file is empty.",
    "binary": "The input holds binary data, not text.",
    "too_large": "The input is too large (%(size)d %(unit)s; at most %(limit)d).",
    "not_a_notice": "This does not look like a rectification notice (too little Chinese text, or no "
                    "巡视/巡察/整改).",
    "no_issue_tree": "No numbered list of problems was found.",
    "internal": "The parser failed on this text (%(error)s).",
}


def translate(text: str) -> str:
    """gettext in the active language when Django runs, else the English text itself."""
    try:
        from django.apps import apps
        from django.conf import settings
    except ImportError:  # pragma: no cover - the parser used without Django installed
        return text
    if not settings.configured or not apps.ready:
        return text
    from django.utils.translation import gettext

    return gettext(text)


def render(template: str, params: dict[str, Any]) -> str:
    values = {key: translate(value) if isinstance(value, Term) else value for key, value in params.items()}
    text = translate(template)
    try:
        return text % values if values else text
    except (KeyError, TypeError, ValueError):
        # A broken translation must not hide the warning: fall back to the English text.
        return template % values if values else template


def stored(code: str, template: str, params: dict[str, Any], line: int | None) -> dict[str, Any]:
    """A warning as kept in the database: its message id and parameters, rendered when read.

    ``terms`` names the parameters that are phrases to translate themselves, so that the
    reader's language applies to them too. No rendered text is kept: it would be in the
    language of the import."""
    return {
        "code": code,
        "template": template,
        "params": {key: str(value) if isinstance(value, Term) else value for key, value in params.items()},
        "terms": sorted(key for key, value in params.items() if isinstance(value, Term)),
        "line": line,
    }


def render_stored(warning: dict[str, Any]) -> str:
    """A stored warning in the active language. Older rows kept only the rendered ``message``."""
    template = warning.get("template")
    if not template:
        return str(warning.get("message", ""))
    terms = set(warning.get("terms") or ())
    params = {key: Term(value) if key in terms else value for key, value in (warning.get("params") or {}).items()}
    return render(template, params)
