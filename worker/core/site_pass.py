"""One page through site memory: look its site up, classify, remember the page.

Used the same way by `chaff classify --site-memory on` (pages in file order) and by the
worker (pages in partition order), so both give the same verdicts for the same sequence.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from worker.core.classify import classify_page
from worker.core.segment_model import SegmentModel
from worker.core.site_memory import MemorySettings, url_fingerprint
from worker.core.site_rule import SiteLookup
from worker.core.site_store import SiteStore
from worker.core.verdict import ContentType, PageVerdict


class MemoryNote(NamedTuple):  # a tuple: a frozen dataclass's __init__ cost 1 µs a page
    """What memory informed a verdict: how many of the site's earlier pages it counted
    over (0: the site was new, or forgotten, and the verdict is the per-page one), how
    many segments it had seen, and how many it rejected."""

    pages_seen: int
    segments_seen: int
    rejected: int

    def as_json(self) -> dict[str, Any]:
        return {
            "pages_seen": self.pages_seen,
            "segments_seen": self.segments_seen,
            "rejected": self.rejected,
        }


def classify_remembering(
    store: SiteStore,
    settings: MemorySettings,
    site: str,
    url: str,
    body: str,
    content_type: ContentType,
    model: SegmentModel | None = None,
) -> tuple[PageVerdict, MemoryNote]:
    """The page's verdict with its site's memory, and the site's profile updated in
    `store`. A classifier error propagates, and the page is then not remembered."""
    lookup = SiteLookup(store.get(site), url_fingerprint(url), settings)
    verdict = classify_page(body, content_type, model, lookup.rejections)
    store.put(site, lookup.remembered_bytes())
    return verdict, MemoryNote(lookup.pages, lookup.hits, lookup.rejected)
