"""Comparing names, labels and titles as people write them.

"（一）关于…问题" in one document and "(一)关于……问题。" in the next are the same heading:
width is folded (NFKC), and spaces, punctuation and symbols are dropped. The notice importer,
the ledger import and the plan import all compare through `comparison_key`.
"""

from __future__ import annotations

import unicodedata

_DROP = {"P", "S", "Z", "C"}


def comparison_key(text: str | None) -> str:
    """A comparison key: width folded, spaces, punctuation and symbols dropped, lower case."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROP).lower()
