"""Split a page into segments: the units the classifier labels.

A text dump's segments are its non-blank lines (one block per line is how scrapers dump
pages). An HTML page's segments are its text blocks in document order, each with the
structure around it (see html_segments). Segment text never contains a newline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from worker.core import kernels
from worker.core.verdict import ContentType

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser

    from worker.core.declared import DeclaredMetadata


@dataclass(frozen=True, slots=True)
class HtmlLayout:
    """What an HTML page's walk saw around each segment, kept for the article's Markdown and
    metadata once the segments are classified: the parsed tree (its head and scripts
    dropped), per segment its context bits, block kind, block id, the id of the block's
    parent block and the ids of its block ancestors (html_segments), and what the page
    declared about itself."""

    tree: LexborHTMLParser
    bits: Sequence[int]
    kinds: Sequence[int]
    blocks: Sequence[int]
    groups: Sequence[int]
    paths: Sequence[tuple[int, ...]]
    declared: DeclaredMetadata


@dataclass(frozen=True, slots=True)
class PageSegments:
    content_type: ContentType
    texts: list[str]
    # One row per segment, columns named by html_segments.STRUCTURE_NAMES or
    # TEXT_STRUCTURE_NAMES.
    structure: npt.NDArray[np.float32] | None = None
    # "\n".join(texts) as UTF-8 (lone surrogates as three bytes), when the segmenter made it
    # on the way; the features need it and make it themselves otherwise.
    utf8: bytes | None = None
    html: HtmlLayout | None = None  # HTML pages only

    def __len__(self) -> int:
        return len(self.texts)

    def with_utf8(self) -> PageSegments:
        """These segments with `utf8` made, if the segmenter did not make it: for more than
        one reader of the joined bytes (the features, site memory's fingerprints)."""
        if self.utf8 is not None:
            return self
        joined = "\n".join(self.texts).encode("utf-8", "surrogatepass")
        return replace(self, utf8=joined)  # every other field kept (the HTML layout too)

    def head(self, end: int) -> PageSegments:
        """A text dump's first `end` segments as a page of their own (each keeps the
        layout columns it had in the whole dump)."""
        if self.content_type != "text/plain" or self.structure is None:
            raise ValueError("only a text dump's segments can be cut short")
        return PageSegments("text/plain", self.texts[:end], self.structure[:end].copy())


# A dump keeps some layout: html-text and most scrapers put a blank line around paragraphs
# and headings but none between the items of a list or a menu.
TEXT_STRUCTURE_NAMES: tuple[str, ...] = ("blank_before", "blank_after", "log_run_length")


def text_segments(body: str) -> PageSegments:
    """The non-blank lines of `body` (str.splitlines), each as " ".join(line.split())."""
    found = kernels.text_lines(body)
    if found is not None:
        texts, rows, utf8 = found
        return PageSegments("text/plain", texts, rows if texts else None, utf8)
    # Line breaks other than "\n" and "\r\n" (or a lone surrogate) are rare: the plain way.
    lines = [" ".join(line.split()) for line in body.splitlines()]
    texts = list(filter(None, lines))
    if not texts:
        return PageSegments("text/plain", [])
    nonblank = np.fromiter(map(bool, lines), dtype=bool, count=len(lines))
    blank_before = np.empty(len(lines), dtype=bool)
    blank_before[0] = True
    np.logical_not(nonblank[:-1], out=blank_before[1:])
    before = blank_before[nonblank]
    structure = np.empty((len(texts), len(TEXT_STRUCTURE_NAMES)), dtype=np.float32)
    structure[:, 0] = before
    structure[:-1, 1] = before[1:]
    structure[-1, 1] = 1.0
    run = np.cumsum(before)  # run id: a new run starts after every blank line
    structure[:, 2] = np.log1p(np.bincount(run)[run])
    return PageSegments("text/plain", texts, structure)


def segment_page(body: str, content_type: ContentType) -> PageSegments:
    if content_type == "text/html":
        from worker.core.html_segments import html_segments  # the HTML parser only when needed

        return html_segments(body)
    return text_segments(body)
