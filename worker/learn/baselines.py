"""Extractors Chaff is measured against, run on the same pages in the same process."""

from __future__ import annotations

import re
from collections.abc import Callable

from worker.core.segments import segment_page
from worker.core.verdict import ContentType

Extractor = Callable[[str, ContentType], str]

_TERMINAL = (".", "!", "?", '"', "'", "”", "’")
_C4_BAD = re.compile(
    r"javascript|lorem ipsum|terms of use|privacy policy|cookie policy|uses cookies|use of cookies"
)


def keep_all(body: str, content_type: ContentType) -> str:
    """Every segment: the page as a scraper dumped it."""
    return "\n".join(segment_page(body, content_type).texts)


def c4_line_filter(body: str, content_type: ContentType) -> str:
    """The C4 corpus's line rules (Raffel et al. 2020): a line is kept only if it ends in
    terminal punctuation, has at least three words, and mentions no JavaScript or policy."""
    return "\n".join(
        text
        for text in segment_page(body, content_type).texts
        if text.endswith(_TERMINAL)
        and len(text.split()) >= 3
        and "{" not in text
        and not _C4_BAD.search(text.lower())
    )


def trafilatura_extract(body: str, content_type: ContentType) -> str:
    """trafilatura 2.x with its defaults (precision/recall balanced, no comments)."""
    import trafilatura  # development-only dependency

    if content_type != "text/html":
        raise ValueError("trafilatura extracts from HTML only")
    return trafilatura.extract(body, include_comments=False) or ""


BASELINES: dict[str, Extractor] = {
    "keep-all": keep_all,
    "c4": c4_line_filter,
    "trafilatura": trafilatura_extract,
}


def trafilatura_metadata(body: str, url: str) -> tuple[str | None, str | None, str | None]:
    """trafilatura 2.x's metadata (`bare_extraction(with_metadata=True)`): title, author (its
    names joined by "; ") and date, as it gives them."""
    import trafilatura  # development-only dependency

    document = trafilatura.bare_extraction(body, url=url or None, with_metadata=True)
    if document is None:
        return None, None, None
    if isinstance(document, dict):  # as_dict=True's form (older trafilatura)
        return document.get("title"), document.get("author"), document.get("date")
    return document.title, document.author, document.date
