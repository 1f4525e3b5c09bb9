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


def text_segments(body: str) -> PageSegments:
    texts = [" ".join(line.split()) for line in body.splitlines()]
    return PageSegments("text/plain", [text for text in texts if text])


def segment_page(body: str, content_type: ContentType) -> PageSegments:
    if content_type == "text/html":
        from worker.core.html_segments import html_segments  # the HTML parser only when needed

        return html_segments(body)
    return text_segments(body)
