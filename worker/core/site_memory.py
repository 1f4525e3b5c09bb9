"""Site memory: what a site's last pages looked like, as a small, bounded, plain value.

A site's junk repeats from page to page (menus, footers, cookie banners, the day's teaser
feed); its articles do not. A profile keeps fingerprints of the segments of the site's
last N pages (N <= 16) and, per fingerprint, on which of those pages it was seen, as a
bit mask: bit 0 is the latest page, bit i the page i pages before it. Remembering a page
shifts every mask by one and sets bit 0 of the page's own fingerprints; a fingerprint
whose mask empties has left the window and goes.

A profile is bounded: at most M fingerprints (past M, the ones seen on the fewest pages
go first, then the least recent), and the URLs of the window's pages (a recrawl of the
same URL must not count as another page of the site's template). It lives as one `bytes`
value, so a site costs ~6 bytes per fingerprint plus ~100 bytes, a checkpoint is the value
itself, and the same bytes restore the same profile in any process (the fingerprints are
CRC-32s, not Python's per-process string hash).

Pure functions only: `fingerprints` of a page's segment texts, `seen_on` (per segment, on
how many of the window's pages it was seen) and `remember` (the profile after a page).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from worker.core import _site_memory

MAX_WINDOW = 16  # masks are uint16
_HEADER = struct.Struct("<4sBBHI")  # magic+version, window, urls, fingerprints, pages seen
_MAGIC = b"CSM1"

Fingerprints = npt.NDArray[np.uint32]


@dataclass(frozen=True, slots=True)
class MemorySettings:
    window: int = 8  # N: the site's last N pages
    max_fingerprints: int = 256  # M: per site
    # A kept segment seen on at least this share of the window's pages (and at least one)
    # is template, not article (worker.core.site_rule).
    min_share: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.window <= MAX_WINDOW:
            raise ValueError(f"the window must be 1 to {MAX_WINDOW} pages, not {self.window}")
        if not 1 <= self.max_fingerprints <= 65_535:
            raise ValueError(f"max_fingerprints must be 1 to 65535, not {self.max_fingerprints}")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError(f"min_share must lie in (0, 1], not {self.min_share}")


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """Views over a profile's bytes (`from_bytes`); `to_bytes` gives them back."""

    pages_seen: int  # pages remembered in all (the window holds the last `window` of them)
    window: int
    urls: Fingerprints  # the window's pages' URL fingerprints, latest first
    fingerprints: Fingerprints  # sorted, unique
    masks: npt.NDArray[np.uint16]  # per fingerprint: bit i = seen on the page i pages back

    @classmethod
    def empty(cls, window: int) -> SiteProfile:
        none = np.zeros(0, dtype=np.uint32)
        return cls(0, window, none, none, np.zeros(0, dtype=np.uint16))

    @classmethod
    def from_bytes(cls, data: bytes) -> SiteProfile:
        """The profile `to_bytes` wrote; ValueError for anything else."""
        if len(data) < _HEADER.size:
            raise ValueError("a site profile is at least 12 bytes")
        magic, window, urls, count, pages = _HEADER.unpack_from(data)
        expected = _HEADER.size + 4 * urls + 6 * count
        if magic != _MAGIC or len(data) != expected or not 1 <= window <= MAX_WINDOW:
            raise ValueError("not a site profile of this version")
        at = _HEADER.size
        url_array = np.frombuffer(data, np.uint32, urls, at)
        at += 4 * urls
        fingerprint_array = np.frombuffer(data, np.uint32, count, at)
        at += 4 * count
        return cls(
            pages, window, url_array, fingerprint_array, np.frombuffer(data, np.uint16, count, at)
        )

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(
            _MAGIC,
            self.window,
            len(self.urls),
            len(self.fingerprints),
            min(self.pages_seen, 2**32 - 1),
        )
        return b"".join(
            (
                header,
                self.urls.astype("<u4").tobytes(),
                self.fingerprints.astype("<u4").tobytes(),
                self.masks.astype("<u2").tobytes(),
            )
        )

    @property
    def pages_in_window(self) -> int:
        return min(self.pages_seen, self.window)


def normalise(text: str) -> bytes:
    """What makes two segments the same: their UTF-8 with ASCII letters lowercased and
    runs of ASCII whitespace folded to one space. (Folding digits and punctuation too
    changed word-F1 by under 0.001 on dragnet-train and was 10 times slower; Unicode case
    folding would cost the compiled kernel its byte loop: docs/measurements.md.)"""
    return b" ".join(text.encode("utf-8", "surrogatepass").lower().split())


def fingerprint(text: str) -> int:
    """CRC-32 of the normalised text; 0 for an empty segment (never remembered). The
    definition `fingerprints` computes in C."""
    words = normalise(text)
    return zlib.crc32(words) or 1 if words else 0


def fingerprints(texts: Sequence[str]) -> Fingerprints:
    """`fingerprint` of each segment, in page order (site_memory_c/fingerprints.c: 50 µs
    for a text dump of 300 lines where Python took 450)."""
    out = np.empty(len(texts), dtype=np.uint32)
    _site_memory.fingerprints(list(texts), out)
    return out


def joined_fingerprints(utf8: bytes, count: int) -> Fingerprints:
    """`fingerprints` of the `count` segments whose UTF-8 (lone surrogates as three bytes)
    `utf8` holds joined by newlines (PageSegments.utf8), without a str per segment: 17 µs
    for a text dump of 260 lines where `fingerprints` took 45 (docs/measurements.md)."""
    out = np.empty(count, dtype=np.uint32)
    if count:
        _site_memory.joined_fingerprints(utf8, count, out)
    return out


def url_fingerprint(url: str) -> int:
    """The page's address without query or fragment: `?utm_source=` makes no new page.
    (urlsplit's netloc lowercased and path; a plain "scheme://host/path" is read by a
    regex, a fifth of urlsplit's time, and anything else by urlsplit itself.)"""
    plain = _PLAIN_URL.match(url)
    if plain is not None:
        netloc, path = plain.groups()
    else:
        parts = urlsplit(url)
        netloc, path = parts.netloc, parts.path
    return zlib.crc32(f"{netloc.lower()}{path}".encode("utf-8", "surrogatepass"))


# What urlsplit reads the same way: a letter-led scheme, "//", an ASCII host without
# brackets (IPv6, which urlsplit checks), a path without whitespace (urlsplit drops tabs
# and line breaks), then the end, a query or a fragment.
_PLAIN_URL = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://([!\x22$-.0->@-Z^-~]*)(?=[/?#]|\Z)([^?#\s]*)(?=[?#]|\Z)"
)


_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.uint8)


def seen_on(
    profile: SiteProfile, page: Fingerprints, url: int
) -> tuple[npt.NDArray[np.int64], int]:
    """Per segment, on how many of the window's pages its text was seen, and how many
    pages that counts over. Earlier fetches of the same URL are not counted (a recrawl
    repeats its article); neither are segments without a word (fingerprint 0)."""
    counts = np.zeros(len(page), dtype=np.int64)
    same_url = 0
    for back, seen_url in enumerate(profile.urls.tolist()):
        if seen_url == url:
            same_url |= 1 << back
    pages = profile.pages_in_window - bin(same_url).count("1")
    if not len(profile.fingerprints) or not len(page) or pages <= 0:
        return counts, max(pages, 0)
    at = np.searchsorted(profile.fingerprints, page)
    at[at == len(profile.fingerprints)] = 0
    found = (profile.fingerprints[at] == page) & (page != 0)
    masks = np.where(found, profile.masks[at], 0) & (~same_url & 0xFFFF)
    counts[:] = _POPCOUNT[masks]
    return counts, pages


def seen_and_remembered(
    profile: bytes | None, page: Fingerprints, url: int, settings: MemorySettings
) -> tuple[npt.NDArray[np.int64], int, int, bytes]:
    """`seen_on` and `remember` at once, in C, on a profile's bytes (None for a new site):
    per segment its count, the pages counted over, the segments seen, and the bytes of the
    profile after the page. tests/core/test_site_memory.py checks it against the two."""
    counts = np.empty(len(page), dtype=np.int64)
    pages, hits, after = _site_memory.update(
        profile,
        np.ascontiguousarray(page, dtype=np.uint32),
        url,
        settings.window,
        settings.max_fingerprints,
        counts,
    )
    return counts, pages, hits, after


def remember(
    profile: SiteProfile, page: Fingerprints, url: int, settings: MemorySettings
) -> SiteProfile:
    """The profile after one more page of the site (its segments' fingerprints, its URL)."""
    window = settings.window
    full = (1 << window) - 1
    new = np.unique(page[page != 0])
    masks = (profile.masks.astype(np.uint32) << 1) & full
    old = profile.fingerprints
    if profile.window != window:  # settings changed since the checkpoint: keep what fits
        masks &= full
    merged = np.union1d(old, new).astype(np.uint32)
    merged_masks = np.zeros(len(merged), dtype=np.uint32)
    merged_masks[np.searchsorted(merged, old)] = masks
    merged_masks[np.searchsorted(merged, new)] |= 1
    alive = merged_masks != 0
    merged, merged_masks = merged[alive], merged_masks[alive]
    if len(merged) > settings.max_fingerprints:
        merged, merged_masks = _most_useful(merged, merged_masks, settings.max_fingerprints)
    urls = np.concatenate(([url], profile.urls[: window - 1])).astype(np.uint32)
    return SiteProfile(profile.pages_seen + 1, window, urls, merged, merged_masks.astype(np.uint16))


def _most_useful(
    prints: Fingerprints, masks: npt.NDArray[np.uint32], keep: int
) -> tuple[Fingerprints, npt.NDArray[np.uint32]]:
    """The `keep` fingerprints seen on the most pages, the most recent first among equals
    (ties by fingerprint, so the choice is the same in every process), in sorted order."""
    latest = masks & -masks.astype(np.int64)  # the lowest set bit: the most recent page
    # lexsort: the last key is the primary one.
    order = np.lexsort((prints, latest, -_POPCOUNT[masks].astype(np.int64)))[:keep]
    order.sort()
    return prints[order], masks[order]
