"""The dedup job's steps as plain functions on plain values (the faust shell is app.py).

    article record --read_article--> Article --band_request--> BandRequest, routed to each
        band partition that owns some of the article's band keys, one after the other
    BandRequest + that partition's buckets and signatures --match_bands--> the earlier
        pages it shares a band with, at an estimated Jaccard >= threshold
    the matches of every hop --best_match, verdict_record--> the verdict (chaff.duplicate/1)

"Earlier" is a total order on articles, (article record timestamp, page_id), the same in
every partition: a page is only ever matched against pages before it, so two copies can
never each be called the duplicate of the other, and a verdict does not depend on which
partition saw which page first.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from worker.core.minhash import (
    LshParams,
    band_keys,
    estimated_jaccard,
    signature,
    signature_from_bytes,
    signature_to_bytes,
)
from worker.core.records import ARTICLE_SCHEMA

DUPLICATE_SCHEMA = "chaff.duplicate/1"
# /2 added fields (metadata, markdown) and kept page_id and article_text: records of
# workers not yet upgraded are read as well during a rollout.
READABLE_SCHEMAS = (ARTICLE_SCHEMA, "chaff.article/1")
VerdictKind = Literal["unique", "duplicate", "unreadable"]
Order = tuple[int, str]  # (article timestamp in ms, page_id)


@dataclass(frozen=True, slots=True)
class Article:
    page_id: str
    timestamp_ms: int
    text: str
    url: str | None
    site: str | None
    source: dict[str, Any]  # topic, partition, offset, timestamp of the article record

    @property
    def order(self) -> Order:
        return (self.timestamp_ms, self.page_id)


@dataclass(frozen=True, slots=True)
class Unreadable:
    key: str
    reason: str
    source: dict[str, Any]


def read_article(
    value: bytes | None,
    key: bytes | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    timestamp_ms: int,
) -> Article | Unreadable:
    """The article in an articles-topic record, or why it cannot be read. Never raises."""
    source = {"topic": topic, "partition": partition, "offset": offset, "timestamp": timestamp_ms}
    fallback_key = key.decode("utf-8", "replace") if key else f"{topic}:{partition}:{offset}"
    try:
        document = orjson.loads(value) if value is not None else None
    except orjson.JSONDecodeError as error:
        return Unreadable(fallback_key, f"not JSON: {error}", source)
    if not isinstance(document, dict) or document.get("schema") not in READABLE_SCHEMAS:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        expected = " or ".join(READABLE_SCHEMAS)
        return Unreadable(fallback_key, f"expected {expected}, got {found!r}", source)
    page_id, text = document.get("page_id"), document.get("article_text")
    if not isinstance(page_id, str) or not page_id:
        return Unreadable(fallback_key, "no page_id", source)
    if not isinstance(text, str):
        return Unreadable(page_id, "no article_text", source)
    url, site = document.get("url"), document.get("site")
    return Article(
        page_id,
        timestamp_ms,
        text,
        url if isinstance(url, str) else None,
        site if isinstance(site, str) else None,
        source,
    )


# --- band requests ---------------------------------------------------------------


def band_partition(key: str, partitions: int) -> int:
    """The partition of the band topic that owns a band key (stable across processes)."""
    return zlib.crc32(key.encode()) % partitions


@dataclass(frozen=True, slots=True)
class Match:
    page_id: str
    timestamp_ms: int
    jaccard: float


@dataclass(frozen=True, slots=True)
class BandRequest:
    """An article on its way through the band partitions that own its band keys.

    `route` lists each band partition with the keys it owns, in partition order; the
    request visits them one after the other (`hop`), gathering the matches of each, and the
    last one decides. One message per hop and no answers to collect: a chain, not a fan-out
    and a fan-in, which halves the records and changelog writes per article."""

    page_id: str
    timestamp_ms: int
    signature: bytes  # little-endian uint32 values
    route: tuple[tuple[int, tuple[str, ...]], ...]
    hop: int
    matches: tuple[Match, ...]
    meta: dict[str, Any]  # url, site, source: carried to the verdict

    @property
    def order(self) -> Order:
        return (self.timestamp_ms, self.page_id)

    @property
    def partition(self) -> int:
        return self.route[self.hop][0]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.route[self.hop][1]

    @property
    def is_last(self) -> bool:
        """At the verdict partition: the matches are all gathered."""
        return self.hop == len(self.route) - 1

    @property
    def verdict_partition(self) -> int:
        return self.route[-1][0]

    def keys_at(self, partition: int) -> tuple[str, ...]:
        """The band keys this request has in a band partition (none: not on its route)."""
        for band_partition, keys in self.route[:-1]:
            if band_partition == partition:
                return keys
        return ()

    def next_hop(self, found: tuple[Match, ...]) -> BandRequest:
        return replace(self, hop=self.hop + 1, matches=self.matches + found)

    def with_matches(self, found: tuple[Match, ...]) -> BandRequest:
        return replace(self, matches=self.matches + found) if found else self

    def for_verdict(self) -> BandRequest:
        """What deciding needs: no signature, the verdict partition alone on the route."""
        return replace(self, signature=b"", route=(self.route[-1],), hop=0)

    def to_document(self) -> dict[str, Any]:
        """A JSON-ready dict (orjson writes the Match dataclasses; no deep copy)."""
        return {
            "page_id": self.page_id,
            "timestamp_ms": self.timestamp_ms,
            "signature": base64.b64encode(self.signature).decode(),
            "route": self.route,
            "hop": self.hop,
            "matches": self.matches,
            "meta": self.meta,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> BandRequest:
        document["signature"] = base64.b64decode(document["signature"])
        document["route"] = tuple((p, tuple(keys)) for p, keys in document["route"])
        document["matches"] = tuple(Match(**m) for m in document["matches"])
        return cls(**document)

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_document())

    @classmethod
    def from_bytes(cls, data: bytes) -> BandRequest:
        return cls.from_document(orjson.loads(data))


def verdict_partition(page_id: str, partitions: int) -> int:
    """The partition that decides and keeps a page's verdict: one per page_id, whatever
    its text (a page that comes again with another text keeps its first verdict)."""
    return zlib.crc32(page_id.encode()) % partitions


def band_request(article: Article, params: LshParams, partitions: int) -> BandRequest:
    """The request of an article at its first hop: the band partitions in order, then the
    page's verdict partition, with no keys. The verdict is decided from the matches the
    request carries, never from a partition's state at that moment, so a decision read
    again after a crash is the same decision."""
    sig = signature(article.text, params)
    by_partition: dict[int, list[str]] = {}
    for key in band_keys(sig, params):
        by_partition.setdefault(band_partition(key, partitions), []).append(key)
    route = [(p, tuple(keys)) for p, keys in sorted(by_partition.items())]
    route.append((verdict_partition(article.page_id, partitions), ()))
    return BandRequest(
        article.page_id,
        article.timestamp_ms,
        signature_to_bytes(sig),
        tuple(route),
        0,
        (),
        {"url": article.url, "site": article.site, "source": article.source},
    )


# --- matching in one band partition ----------------------------------------------

Bucket = list[list[Any]]  # [[timestamp_ms, page_id], ...] sorted by (timestamp, page_id)


@dataclass
class BandUpdate:
    """What matching changed in a partition's state, for the shell to write back."""

    matches: tuple[Match, ...]  # found in this partition, earliest first
    buckets: dict[str, Bucket] = field(default_factory=dict)  # band key -> new bucket
    new_signature: bool = False


def match_bands(
    request: BandRequest,
    buckets: dict[str, Bucket],  # the request's band keys in this partition -> their buckets
    signature_of: Any,  # Callable[[str], bytes | None]: a stored page's signature
    *,
    threshold: float,
    bucket_capacity: int,
    params: LshParams,
    already_indexed: bool,
) -> BandUpdate:
    """The earlier pages that share one of the request's bands and whose estimated Jaccard
    similarity reaches `threshold`, and the buckets with this page added (a full bucket
    keeps its earliest pages: a copy of a story still finds the first ones)."""
    own = signature_from_bytes(request.signature, params)
    order = request.order
    seen: set[str] = set()
    matches: list[Match] = []
    updated: dict[str, Bucket] = {}
    for key, bucket in buckets.items():
        # A page that comes again (a redelivered article record has a new timestamp) is
        # compared as it was the first time, from its place in the bucket, never with itself.
        own_entry = next((e for e in bucket if e[1] == request.page_id), None)
        bucket_order: Order = order if own_entry is None else (own_entry[0], own_entry[1])
        position = 0
        for entry in bucket:
            entry_order: Order = (entry[0], entry[1])
            if entry_order >= bucket_order:
                break
            position += 1
            candidate = entry[1]
            if candidate in seen:
                continue
            seen.add(candidate)
            stored = signature_of(candidate)
            if stored is None:
                continue
            jaccard = estimated_jaccard(own, signature_from_bytes(stored, params))
            if jaccard >= threshold:
                matches.append(Match(candidate, entry[0], round(jaccard, 4)))
        if own_entry is None and position < bucket_capacity:
            new_bucket = [*bucket[:position], [order[0], order[1]], *bucket[position:]]
            updated[key] = new_bucket[:bucket_capacity]
    found = tuple(sorted(matches, key=lambda m: (m.timestamp_ms, m.page_id)))
    return BandUpdate(found, updated, new_signature=not already_indexed)


def keys_in_partition(
    sig_bytes: bytes, partition: int, partitions: int, params: LshParams
) -> list[str]:
    """The band keys of a stored signature that this band partition owns (for eviction)."""
    keys = band_keys(signature_from_bytes(sig_bytes, params), params)
    return [k for k in keys if band_partition(k, partitions) == partition]


def build_buckets(
    rows: Iterable[tuple[str, int, bytes]],
    partition: int,
    partitions: int,
    params: LshParams,
    capacity: int,
) -> dict[str, Bucket]:
    """The buckets of a band partition from its stored signatures (page_id, article time,
    signature): each bucket keeps its `capacity` earliest pages, as match_bands does."""
    built: dict[str, Bucket] = {}
    for page_id, timestamp_ms, sig in sorted(rows, key=lambda row: (row[1], row[0])):
        for key in keys_in_partition(sig, partition, partitions, params):
            bucket = built.setdefault(key, [])
            if len(bucket) < capacity:
                bucket.append([timestamp_ms, page_id])
    return built


def without_page(bucket: Bucket, page_id: str) -> Bucket:
    return [entry for entry in bucket if entry[1] != page_id]


# --- the verdict -----------------------------------------------------------------


def best_match(matches: tuple[Match, ...]) -> Match | None:
    """The most similar earlier page over every band partition; ties go to the earliest."""
    return min(matches, key=lambda m: (-m.jaccard, m.timestamp_ms, m.page_id), default=None)


def verdict_record(
    page_id: str,
    timestamp_ms: int,
    meta: dict[str, Any],
    best: Match | None,
    *,
    threshold: float,
    decided_at_s: float,
    worker_version: str,
    reason: str | None = None,
) -> dict[str, Any]:
    """The published verdict (the `chaff.duplicate/1` contract, schemas/duplicate.schema.json)."""
    kind: VerdictKind = "unreadable" if reason else ("duplicate" if best else "unique")
    return {
        "schema": DUPLICATE_SCHEMA,
        "page_id": page_id,
        "verdict": kind,
        "duplicate_of": best.page_id if best else None,
        "jaccard": best.jaccard if best else None,
        "duplicate_of_time": _rfc3339_ms(best.timestamp_ms) if best else None,
        "threshold": threshold,
        "url": meta.get("url"),
        "site": meta.get("site"),
        "article_time": _rfc3339_ms(timestamp_ms),
        "reason": reason,
        "source": meta.get("source"),
        "decided_at": _rfc3339_ms(int(decided_at_s * 1000)),
        "worker_version": worker_version,
    }


def unreadable_verdict(
    unreadable: Unreadable, *, threshold: float, decided_at_s: float, worker_version: str
) -> dict[str, Any]:
    timestamp = unreadable.source["timestamp"]
    return verdict_record(
        unreadable.key,
        timestamp,
        {"source": unreadable.source},
        None,
        threshold=threshold,
        decided_at_s=decided_at_s,
        worker_version=worker_version,
        reason=unreadable.reason,
    )


def _rfc3339_ms(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds")
