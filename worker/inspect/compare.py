"""`--compare trafilatura`: what trafilatura keeps of the same page, matched to Chaff's segments.

trafilatura writes text, not segments: a segment counts as kept by it when its text is one
of trafilatura's lines (or table cells), or is found inside its output (segments of four
words or more: a lone "Share" is found anywhere), or when trafilatura's lines found inside
the segment cover half of it or more (trafilatura split it). Whitespace is compared
collapsed, also across trafilatura's line breaks.
"""

from __future__ import annotations

import importlib.util

from worker.core.verdict import ContentType
from worker.inspect.inspection import Comparison

EXTRACTORS = ("trafilatura",)
_MIN_FOUND_WORDS = 4


class ExtractorMissing(Exception):
    """The extractor to compare with is not installed; the message says how to get it."""


def require(extractor: str) -> None:
    """Raise ExtractorMissing now, before any work, if `extractor` cannot be imported."""
    if extractor != "trafilatura":
        raise ValueError(f"unknown extractor {extractor!r}; known: {', '.join(EXTRACTORS)}")
    try:
        found = importlib.util.find_spec("trafilatura") is not None
    except ValueError:  # a module set to None in sys.modules (how tests hide one)
        found = False
    if not found:
        raise ExtractorMissing(
            "--compare trafilatura needs trafilatura, which is not installed: it is one of "
            "Chaff's development dependencies (pip install 'trafilatura>=2', or "
            "pip install -e '.[dev]' in a checkout)"
        )


def compare(
    extractor: str, body: str, content_type: ContentType, segments: tuple[str, ...]
) -> Comparison:
    require(extractor)
    if content_type != "text/html":
        return Comparison(
            extractor,
            "",
            None,
            "trafilatura extracts from HTML only: it has nothing to say about a text dump",
        )
    from worker.learn.baselines import trafilatura_extract

    try:
        text = trafilatura_extract(body, content_type)
    except Exception as error:  # its failure on one page is news in the report, not a crash
        return Comparison(
            extractor, "", None, f"trafilatura failed: {type(error).__name__}: {error}"
        )
    note = None if text.strip() else "trafilatura found no main text on this page"
    return Comparison(extractor, text, kept_by(segments, text), note)


def kept_by(segments: tuple[str, ...], text: str) -> tuple[bool, ...]:
    """Per segment, whether `text` (another extractor's output) holds it."""
    lines = [line for line in (_collapsed(raw) for raw in text.splitlines()) if line]
    # A table comes out as "| cell | cell |" lines: each cell counts as a line of its own.
    cells = [
        cell
        for line in lines
        if line.startswith("|")
        for cell in (_collapsed(c) for c in line.split("|"))
        if cell
    ]
    # trafilatura keeps the source's line breaks inside a paragraph: match across them.
    whole = " ".join(lines)
    lines += cells
    line_set = set(lines)
    long_lines = [line for line in lines if len(line.split()) >= _MIN_FOUND_WORDS]
    keeps = []
    for raw in segments:
        segment = _collapsed(raw)
        if not segment:
            keeps.append(False)
            continue
        found = segment in line_set or (
            len(segment.split()) >= _MIN_FOUND_WORDS and segment in whole
        )
        if not found:
            covered = sum(len(line) for line in long_lines if line in segment)
            found = covered * 2 >= len(segment)
        keeps.append(found)
    return tuple(keeps)


def _collapsed(text: str) -> str:
    return " ".join(text.split())
