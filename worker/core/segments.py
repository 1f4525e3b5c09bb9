"""Split a page into segments: the units the classifier labels.

A text dump's segments are its non-blank lines (one block per line is how scrapers dump
pages). An HTML page's segments are its text blocks in document order, each with the
structure around it (see html_segments). Segment text never contains a newline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from worker.core.verdict import ContentType


@dataclass(frozen=True, slots=True)
class PageSegments:
    content_type: ContentType
    texts: list[str]
    # One row per segment, columns named by html_segments.STRUCTURE_NAMES; None for text dumps.
    structure: npt.NDArray[np.float32] | None = None

    def __len__(self) -> int:
        return len(self.texts)


# A dump keeps some layout: html-text and most scrapers put a blank line around paragraphs
# and headings but none between the items of a list or a menu.
TEXT_STRUCTURE_NAMES: tuple[str, ...] = ("blank_before", "blank_after", "log_run_length")


def text_segments(body: str) -> PageSegments:
    texts: list[str] = []
    blank_before: list[bool] = []
    previous_blank = True
    for line in body.splitlines():
        text = " ".join(line.split())
        if text:
            texts.append(text)
            blank_before.append(previous_blank)
        previous_blank = not text
    if not texts:
        return PageSegments("text/plain", [])
    before = np.asarray(blank_before, dtype=np.float32)
    after = np.append(before[1:], 1.0)
    run = np.cumsum(before)  # run id: a new run starts after every blank line
    run_length = np.bincount(run.astype(np.int64))[run.astype(np.int64)]
    structure = np.column_stack([before, after, np.log1p(run_length)]).astype(np.float32)
    return PageSegments("text/plain", texts, structure)


def segment_page(body: str, content_type: ContentType) -> PageSegments:
    if content_type == "text/html":
        from worker.core.html_segments import html_segments  # the HTML parser only when needed

        return html_segments(body)
    return text_segments(body)
