"""How site memory changes a page's verdict: kept text the site repeats is template.

After the page's own cut, a kept segment whose text was also on at least
`min_share` of the site's last pages (and on one at least) is rejected, with the reason
"also on 5 of this site's last 8 pages". Never:

- the page's title (an HTML segment repeating the page's <title>) or, on a text dump,
  the first kept segment (its headline) unless it was on every page counted: the pages of
  a paginated article share their headline, and a site's other pages list it among their
  teasers, but a first line on every page is the site's tagline or notice (measured in
  docs/measurements.md, 2026-12-03 evening);
- on a page whose kept words were mostly seen before (`_DUPLICATE_SHARE`): that is the same
  article again (syndicated, or reached by another URL), not the site's template;
- on the first page of a site: with nothing seen, nothing changes.

`memory_rejections` is pure; `SiteLookup` carries one page's evidence into
classify.classify_page and keeps the page's fingerprints for the profile's update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from worker.core import site_memory
from worker.core.features import feature_names
from worker.core.segments import PageSegments
from worker.core.site_memory import Fingerprints, MemorySettings, SiteProfile

# A page whose kept words were this share seen before is a repeat of a page, not template.
_DUPLICATE_SHARE = 0.8
_HTML_WIDTH = len(feature_names("text/html"))
_TITLE_COLUMN = feature_names("text/html").index("in_title")
_WORDS_COLUMN = feature_names("text/html").index("log_words")
_TEXT_WORDS_COLUMN = feature_names("text/plain").index("log_words")


_NO_FINGERPRINTS = np.zeros(0, dtype=np.uint32)  # never written: rejections replaces it
MEMORY_REASON_START = "also on "  # every reason of this rule starts so (classify.reason_origin)


def reason(count: int, pages: int) -> str:
    if pages == 1:
        return f"{MEMORY_REASON_START}this site's last page"
    return f"{MEMORY_REASON_START}{count} of this site's last {pages} pages"


def threshold(pages: int, settings: MemorySettings) -> int:
    """Pages a segment must have been seen on to count as the site's template."""
    return max(1, math.ceil(settings.min_share * pages - 1e-9))


def memory_rejections(
    features: npt.NDArray[np.float32],
    keep: npt.NDArray[np.bool_],
    counts: npt.NDArray[np.int64],
    pages: int,
    settings: MemorySettings,
) -> dict[int, str]:
    """Position -> reason for each kept segment the site's recent pages show is template."""
    if pages <= 0 or not keep.any():
        return {}
    repeated = keep & (counts >= threshold(pages, settings))
    if not repeated.any():
        return {}
    words = _words(features)
    kept_words = float(words[keep].sum())
    if kept_words and float(words[repeated].sum()) >= _DUPLICATE_SHARE * kept_words:
        return {}
    repeated &= ~_protected(features, keep, counts, pages)
    return {int(i): reason(int(counts[i]), pages) for i in np.flatnonzero(repeated)}


def _words(features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    column = _WORDS_COLUMN if features.shape[1] == _HTML_WIDTH else _TEXT_WORDS_COLUMN
    return np.expm1(features[:, column].astype(np.float64))


def _protected(
    features: npt.NDArray[np.float32],
    keep: npt.NDArray[np.bool_],
    counts: npt.NDArray[np.int64],
    pages: int,
) -> npt.NDArray[np.bool_]:
    """The page's title: on HTML the segments that repeat its <title>, on a text dump
    (no title to read) its first kept segment, unless that was on every page counted.
    (The same exception for the <title> lost word-F1 on both corpora measured.)"""
    if features.shape[1] == _HTML_WIDTH:
        protected: npt.NDArray[np.bool_] = features[:, _TITLE_COLUMN] > 0.5
        return protected
    protected = np.zeros(len(keep), dtype=bool)
    first = int(np.argmax(keep))
    protected[first] = counts[first] < pages
    return protected


@dataclass
class SiteLookup:
    """One page's pass through site memory: built from the site's profile (None for a
    site not seen yet; as bytes, the way stores keep it, or a SiteProfile) and the page's
    URL; classify_page calls `rejections` with the page's segments, and
    `remembered_bytes` is then the site's profile after the page."""

    profile: SiteProfile | bytes | None
    url: int
    settings: MemorySettings
    fingerprints: Fingerprints = field(default_factory=lambda: _NO_FINGERPRINTS)
    pages: int = 0  # the window's pages the counts were taken over
    hits: int = 0  # segments whose text was seen on at least one of them
    rejected: int = 0  # kept segments the rule rejected
    _after: bytes | None = None

    def rejections(
        self,
        segments: PageSegments,
        features: npt.NDArray[np.float32],
        keep: npt.NDArray[np.bool_],
    ) -> dict[int, str]:
        if segments.utf8 is None:
            self.fingerprints = site_memory.fingerprints(segments.texts)
        else:
            self.fingerprints = site_memory.joined_fingerprints(segments.utf8, len(segments))
        counts, self.pages, self.hits, self._after = site_memory.seen_and_remembered(
            self._profile_bytes(), self.fingerprints, self.url, self.settings
        )
        if self.profile is None or not self.hits:  # nothing seen: nothing to reject
            return {}
        found = memory_rejections(features, keep, counts, self.pages, self.settings)
        self.rejected = len(found)
        return found

    def remembered_bytes(self) -> bytes:
        """The site's profile after this page (call after classify_page)."""
        if self._after is None:  # a page without segments: it still counts as a page
            self._after = site_memory.seen_and_remembered(
                self._profile_bytes(), self.fingerprints, self.url, self.settings
            )[3]
        return self._after

    def remembered(self) -> SiteProfile:
        return SiteProfile.from_bytes(self.remembered_bytes())

    def _profile_bytes(self) -> bytes | None:
        if isinstance(self.profile, SiteProfile):
            return self.profile.to_bytes()
        return self.profile
