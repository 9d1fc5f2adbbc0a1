"""Reading notices (.txt, .docx, saved .html) and normalising their text.

Published notices reach us copied out of web pages and Word files: non-breaking and
full-width spaces, CRLF, half- and full-width punctuation mixed in one document. Here the
text becomes a list of clean lines; matching elsewhere runs on :func:`fold`-ed copies so
that ``（一）`` and ``(一)`` are the same label while the original characters are kept.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from notices.parser.errors import ParseError
from notices.parser.messages import Term
from notices.parser.model import ParseWarning

# A county notice is 10-50 thousand characters; a million leaves room for a province's
# bundle of them and keeps the worst case (a megabyte of one-line labels) to a few seconds.
MAX_TEXT_CHARS = 1_000_000
# Raw files may carry images (.docx) or scripts (.html) that never reach the text.
MAX_FILE_BYTES = 20 * 1024 * 1024

FORMAT_TEXT = "text"
FORMAT_DOCX = "docx"
FORMAT_HTML = "html"

# Full-width ASCII (U+FF01–U+FF5E) folds onto ASCII one character for one character, so a
# folded line has the same length and offsets as the original and can be sliced alike.
_FOLD_MAP: dict[str, str] = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_FOLD_MAP.update({"\u3000": " ", "\ufe59": "(", "\ufe5a": ")"})
_FOLDABLE = re.compile("[\uff01-\uff5e\u3000\ufe59\ufe5a]")

_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE_CHARS = r"\u200b-\u200d\u2060\ufeff\u00ad"
_CONTROL_CHARS = r"\x00-\x08\x0e-\x1f\x7f"
# The line breaks other than \n, once CRLF is replaced: a plain character class, which the
# regex engine scans for at C speed (an alternative "\r\n|[…]" is tried at every character).
_LINE_BREAKS = re.compile(r"[\r\u2028\u2029\x0b\x0c\x85]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# Invisible and control characters are both dropped: one pass over the text for the two.
_DROPPED = re.compile(f"[{_INVISIBLE_CHARS}{_CONTROL_CHARS}]")

_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|div|p)\b", re.IGNORECASE)


# Lines are folded by several modules in turn, so short strings are cached; long ones are
# not, so that a few huge inputs cannot pin megabytes in the cache.
CACHE_MAX_CHARS = 4096


def fold(text: str) -> str:
    """Half-width copy of ``text`` with identical length (for matching, never for output)."""
    return _fold_cached(text) if len(text) <= CACHE_MAX_CHARS else _fold(text)


@lru_cache(maxsize=16384)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    # str.translate with a mapping costs a dictionary lookup per character; replacing only
    # the few distinct full-width characters a text contains runs at C speed.
    for char in set(_FOLDABLE.findall(text)):
        text = text.replace(char, _FOLD_MAP[char])
    return text


@dataclass(slots=True)
class SourceText:
    """Text extracted from an input, before line normalisation."""

    text: str
    format: str
    warnings: list[ParseWarning] = field(default_factory=list)


def read_source(source: str | bytes | Path, filename: str | None = None) -> SourceText:
    """Read a path or raw bytes as .txt, .docx or .html, chosen by content and file name."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ParseError("unreadable", "unreadable.file", name=path.name) from exc
        if size > MAX_FILE_BYTES:
            raise _too_large(size)
        data = path.read_bytes()
        filename = filename or path.name
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        raise ParseError("unreadable", "unreadable.input")
    return read_bytes(data, filename)


def read_bytes(data: bytes, filename: str | None = None) -> SourceText:
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(len(data))
    if not data.strip():
        raise ParseError("empty", "empty.file")
    kind = _sniff(data, filename)
    if kind == FORMAT_DOCX:
        return _read_docx(data)
    if kind == FORMAT_HTML:
        return SourceText(_html_to_text(data), FORMAT_HTML)
    return SourceText(decode_bytes(data), FORMAT_TEXT)


def _sniff(data: bytes, filename: str | None) -> str:
    suffix = Path(filename).suffix.lower() if filename else ""
    if data.startswith(b"PK\x03\x04"):
        return FORMAT_DOCX
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ParseError("unreadable", "unreadable.doc")
    if data.startswith(b"%PDF"):
        raise ParseError("unreadable", "unreadable.pdf")
    if suffix in {".html", ".htm", ".xhtml"} or _HTML_SNIFF.search(data[:4096]):
        return FORMAT_HTML
    if suffix == ".docx":
        raise ParseError("unreadable", "unreadable.fake_docx")
    return FORMAT_TEXT


def decode_bytes(data: bytes) -> str:
    """Decode text bytes: BOMs first, then UTF-8, then GB18030 (what Chinese Windows writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _unreadable() from exc
    if b"\x00" in data:
        raise _binary()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable()


def _read_docx(data: bytes) -> SourceText:
    # python-docx is imported here so that plain-text parsing never pays for it.
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ParseError("unreadable", "unreadable.docx") from exc
    except Exception as exc:
        raise ParseError("unreadable", "unreadable.damaged_docx") from exc
    # The body's text counted in C before Python walks its paragraphs: a document past the limit
    # is refused at once, with its size, instead of after reading 120,000 paragraphs one by one.
    size = len(document.element.body.xpath("string()"))
    if size > MAX_TEXT_CHARS:
        raise _too_large(size, chars=True)
    from notices.parser.docx_numbering import docx_lines

    lines, warnings = docx_lines(document)
    return SourceText("\n".join(lines), FORMAT_DOCX, warnings)


# Block elements end a line; everything inline stays on it, so ``<p>（一）<b>关于…</b></p>``
# remains one line as it reads.
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "blockquote", "pre", "dd", "dt", "dl", "td", "th", "hr", "center",
)
_CHROME_TAGS = ("script", "style", "noscript", "template", "nav", "aside", "form", "iframe",
                "select", "button", "svg", "head", "object", "embed")


def _html_to_text(data: bytes | str) -> str:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception:
        soup = BeautifulSoup(data, "html.parser")
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()
    # Site headers and footers hold menus and copyright lines, unless they sit inside the
    # article, where they hold its title.
    for tag in soup.find_all(("header", "footer")):
        if tag.find_parent(("article", "main")) is None:
            tag.decompose()
    return _text_with_breaks(soup)


_BLOCK_NAMES = frozenset(_BLOCK_TAGS)
_CLOSE = object()


def _text_with_breaks(soup: Any) -> str:
    """`soup.get_text()` with a line break before and after every block element, in one walk of
    the tree. Inserting the breaks into the tree (`insert_before`/`insert_after`) walked down to
    each element's last descendant, which made a page of deeply nested elements quadratic: 20,000
    nested `div`s (a 0.2 MB file) took 19 s, past what a request may wait; now 0.2 s."""
    from bs4 import NavigableString

    wanted = soup.interesting_string_types  # the strings `get_text` takes: text and CDATA, not comments
    wanted = (wanted,) if isinstance(wanted, type) else tuple(wanted)
    out: list[str] = []
    stack: list[Any] = [soup]
    while stack:
        node = stack.pop()
        if node is _CLOSE:
            out.append("\n")
        elif isinstance(node, NavigableString):
            if type(node) in wanted:
                out.append(str(node))
        else:
            if node.name in _BLOCK_NAMES:
                out.append("\n")
                stack.append(_CLOSE)
            stack.extend(reversed(node.contents))
    return "".join(out)


def check_text(text: str) -> str:
    """Refuse what is not text, and repair what Python strings may carry but files cannot."""
    if len(text) > MAX_TEXT_CHARS:
        raise _too_large(len(text), chars=True)
    if "\x00" in text:
        raise _binary()
    if not text.strip():
        raise ParseError("empty")
    controls = len(_CONTROL.findall(text))
    if controls > 16 and controls * 200 > len(text):
        raise _binary()
    return _SURROGATES.sub("\ufffd", text)


def normalise_lines(text: str) -> list[str]:
    """Split into stripped, non-empty lines with spaces and invisible characters cleaned."""
    text = _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n"))
    text = _DROPPED.sub("", text)
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line:
            lines.append(unicodedata.normalize("NFC", line))
    return lines


def _too_large(size: int, *, chars: bool = False) -> ParseError:
    limit = MAX_TEXT_CHARS if chars else MAX_FILE_BYTES
    return ParseError("too_large", size=size, unit=Term("characters" if chars else "bytes"), limit=limit)


def _binary() -> ParseError:
    return ParseError("binary")


def _unreadable() -> ParseError:
    return ParseError("unreadable", "unreadable.encoding")
