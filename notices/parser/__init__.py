"""The notice parser: the text of a rectification notice in, plain dataclasses out.

Pure Python, no database and no Django: ``parse_text`` / ``parse_file`` return a
:class:`ParsedNotice` (header facts, the issue tree with its measures, the other sections,
warnings) or raise :class:`ParseError`. ``ParsedNotice.to_dict()`` gives its JSON form.
"""

from notices.parser.errors import ParseError
from notices.parser.model import (
    Contact,
    IssueNode,
    Measure,
    NoticeHeader,
    NumberMention,
    ParsedNotice,
    ParseWarning,
    Section,
)
from notices.parser.parse import PARSER_VERSION, clear_caches, parse_file, parse_text

__all__ = [
    "PARSER_VERSION",
    "Contact",
    "IssueNode",
    "Measure",
    "NoticeHeader",
    "NumberMention",
    "ParseError",
    "ParseWarning",
    "ParsedNotice",
    "Section",
    "clear_caches",
    "parse_file",
    "parse_text",
]
