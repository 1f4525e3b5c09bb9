"""What an article record holds besides its text: the metadata and, for HTML, the Markdown.

Built from the classified segments once the cut is made (`classify_page` calls it for a
page that keeps anything), so a segment the classifier rejected still counts as a dateline
or a byline near the headline: pages put both in blocks of their own, which the classifier
rightly leaves out of the article's text.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.core.html_tags import HEADING_LEVELS
from worker.core.markdown import article_markdown
from worker.core.metadata import ArticleMetadata, page_metadata
from worker.core.segments import PageSegments

_H1 = HEADING_LEVELS[0]


def article_parts(
    segments: PageSegments, kept: Sequence[int]
) -> tuple[ArticleMetadata, str | None]:
    """The metadata of the article made of the `kept` segments (their positions, in order)
    and its Markdown (None for a text dump: it has no markup to keep)."""
    layout = segments.html
    if layout is None:
        return page_metadata(segments.texts, kept, None, None), None
    bits = layout.bits
    headline = _headline(bits, kept)
    first_h1 = headline  # the page's first <h1>: the headline or one above it
    if headline is not None:
        first_h1 = next((i for i in range(headline) if bits[i] & _H1), headline)
    metadata = page_metadata(segments.texts, kept, headline, layout.declared, first_h1)
    return metadata, article_markdown(segments.texts, kept, layout)


def _headline(bits: Sequence[int], kept: Sequence[int]) -> int | None:
    """The page's <h1>: the first kept one, else the first of the page."""
    for position in kept:
        if bits[position] & _H1:
            return position
    return next((i for i, bit in enumerate(bits) if bit & _H1), None)
