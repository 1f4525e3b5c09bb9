"""Batches of band requests: a few records per batch of articles instead of ~8 per article.

Each record a faust agent reads or sends costs ~0.4 ms of CPU, whatever it carries, and an
article's request used to be one record per band partition it visits and one to its
verdict partition. A batch carries the requests of many articles together:

    N articles --BandBatch--> band partition p0 --> p1 --> ... --> last band partition
        --VerdictBatch, one per verdict partition--> decide, store them in one row
        (verdict_store.py), publish each verdict

At each band partition the batch's pages that own keys there are matched one after the
other, in the order they were read, with the same function as a single request
(matching.match_bands): a copy later in the batch finds an original earlier in it, and
the windows add and evict pages in the order they did with one request per article. Every
page's matches travel with it, so a verdict is still decided from what its request carries
and a batch read again after a crash decides the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson

from worker.dedup.matching import BandRequest, Match

BAND, VERDICT = "bands", "verdicts"
# A batch record stays well under Kafka's default 1 MB message limit: a page's request is
# ~1.5 kB (its signature, band keys and meta), so a batch of 100 is ~150 kB.
MAX_BATCH_BYTES = 512 * 1024
# (a page's request, its band keys in this partition) -> the earlier pages it matches
Matcher = Callable[[BandRequest, tuple[str, ...]], tuple[Match, ...]]


@dataclass(frozen=True, slots=True)
class BandBatch:
    """Requests on their way through `route`, the band partitions that own their keys."""

    batch_id: str  # unique: names the batch's row of signatures in each band partition
    route: tuple[int, ...]
    hop: int
    pages: tuple[BandRequest, ...]  # in the order the articles were read

    @classmethod
    def of(cls, requests: Iterable[BandRequest], batch_id: str | None = None) -> BandBatch:
        pages = tuple(requests)
        route = sorted({partition for page in pages for partition, _ in page.route[:-1]})
        return cls(batch_id or uuid.uuid4().hex, tuple(route), 0, pages)

    @property
    def partition(self) -> int:
        return self.route[self.hop]

    @property
    def done(self) -> bool:
        """Every band partition visited: the verdict partitions are next."""
        return self.hop == len(self.route)

    def matched(
        self, match: Callable[[BandRequest, tuple[str, ...]], tuple[Match, ...]]
    ) -> BandBatch:
        """The batch after this hop: `match(page, its keys here)` for each page, in order."""
        partition = self.partition
        pages = []
        for page in self.pages:
            keys = page.keys_at(partition)
            pages.append(page.with_matches(match(page, keys)) if keys else page)
        return BandBatch(self.batch_id, self.route, self.hop + 1, tuple(pages))

    def verdict_batches(self) -> list[VerdictBatch]:
        """After the last band partition: the pages grouped by their verdict partition,
        without what deciding does not need (signatures, band keys)."""
        by_partition: dict[int, list[BandRequest]] = {}
        for page in self.pages:
            by_partition.setdefault(page.verdict_partition, []).append(page.for_verdict())
        return [
            VerdictBatch(p, tuple(pages), self.batch_id)
            for p, pages in sorted(by_partition.items())
        ]

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "kind": BAND,
                "batch_id": self.batch_id,
                "route": self.route,
                "hop": self.hop,
                "pages": [page.to_document() for page in self.pages],
            }
        )


@dataclass(frozen=True, slots=True)
class VerdictBatch:
    partition: int
    pages: tuple[BandRequest, ...]
    batch_id: str  # its band batch's: names the batch's row of verdicts

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "kind": VERDICT,
                "partition": self.partition,
                "batch_id": self.batch_id,
                "pages": [page.to_document() for page in self.pages],
            }
        )


def from_bytes(data: bytes) -> BandBatch | VerdictBatch:
    document = orjson.loads(data)
    pages = tuple(BandRequest.from_document(page) for page in document["pages"])
    if document["kind"] == VERDICT:
        # (a batch of a job before verdict rows has no id: any unique name will do)
        batch_id = document.get("batch_id") or uuid.uuid4().hex
        return VerdictBatch(document["partition"], pages, batch_id)
    return BandBatch(document["batch_id"], tuple(document["route"]), document["hop"], pages)


def split_to_fit(requests: list[BandRequest], max_bytes: int = MAX_BATCH_BYTES) -> list[BandBatch]:
    """Batches of the requests, each under `max_bytes` on the wire (halved until they fit;
    a single request always goes alone), the pages read first in the first batch."""
    batch = BandBatch.of(requests)
    if len(requests) <= 1 or len(batch.to_bytes()) <= max_bytes:
        return [batch]
    middle = len(requests) // 2
    return split_to_fit(requests[:middle], max_bytes) + split_to_fit(requests[middle:], max_bytes)
