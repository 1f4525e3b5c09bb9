"""What the classifier says about a page: the contract between the core and everything else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from worker.core.metadata import ArticleMetadata

Label = Literal["article", "junk"]
ContentType = Literal["text/html", "text/plain"]
PageKind = Literal["one item", "many items"]


class SegmentVerdict(NamedTuple):
    """One segment of a page with the classifier's decision about it.

    A named tuple, not a frozen dataclass: a page has hundreds of segments, and building
    them took 0.4 ms a page as frozen dataclasses, 0.1 ms as named tuples."""

    position: int  # 0-based, in document order
    text: str
    label: Label
    score: float  # probability that the segment belongs to the article, 0..1
    reasons: tuple[str, ...]  # human-readable, most important first


@dataclass(frozen=True, slots=True)
class PageVerdict:
    content_type: ContentType
    segments: tuple[SegmentVerdict, ...]
    model_version: str
    # What the page-level stage took the page for (page_kind.py); None for a model without
    # one (text dumps) or a page without segments.
    page_kind: PageKind | None = None
    # The page's cut (decision.Decision.cut): kept segments scored at or above it, 2.0 when
    # nothing is kept; None for a page without segments.
    cut: float | None = None
    # The article's title, authors, dates, language... (metadata.py) and, for HTML, its
    # Markdown (markdown.py); None when the page keeps nothing.
    metadata: ArticleMetadata | None = None
    article_markdown: str | None = None

    @property
    def article_segments(self) -> tuple[SegmentVerdict, ...]:
        return tuple(s for s in self.segments if s.label == "article")

    @property
    def rejected_segments(self) -> tuple[SegmentVerdict, ...]:
        return tuple(s for s in self.segments if s.label != "article")

    @property
    def article_text(self) -> str:
        """The clean article: kept segments in document order, one per paragraph."""
        return article_text_of(s.text for s in self.article_segments)

    @property
    def has_article(self) -> bool:
        return any(s.label == "article" for s in self.segments)


def article_text_of(texts: Iterable[str]) -> str:
    """The article text of its kept segments' texts, in order: one per paragraph."""
    return "\n\n".join(texts)
