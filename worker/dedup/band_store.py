"""What each band partition remembers: the signatures of its window's pages, their buckets.

The pages a batch brings to a band partition are stored as ONE row of the "signatures"
table, "<partition>/<batch id>" -> {"pages": [[page_id, article time ms, base64 signature],
...]}: one changelog record per batch and partition instead of one per page (each costs
faust ~0.2 ms of CPU, and a page is stored in ~7 partitions). In memory a partition keeps
each page's signature and row, and the buckets (band key -> earlier pages), all rebuilt
from the rows when the partition is assigned. A row is deleted when its last page leaves
the window; a row whose oldest pages left keeps them in the changelog, and a partition
rebuilt from it lets them go again at once (the window's bounds apply to what it loads).

Plain Python over a mapping: the faust table in the job, a dict in tests.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, MutableMapping
from typing import Any

from worker.core.minhash import LshParams
from worker.dedup import matching
from worker.dedup.live_rows import LiveRows
from worker.dedup.window import WindowIndex

StoredPage = tuple[int, bytes, str]  # article time ms, signature, row key


class BandStore:
    def __init__(
        self,
        rows: MutableMapping[str, Any],
        window: WindowIndex,
        *,
        partitions: int,
        params: LshParams,
        bucket_capacity: int,
        on_evicted: Callable[[], None] = lambda: None,
    ) -> None:
        self.rows = rows
        self.window = window
        self.partitions = partitions
        self.params = params
        self.bucket_capacity = bucket_capacity
        self.on_evicted = on_evicted
        self.pages: dict[int, dict[str, StoredPage]] = {}
        self.buckets: dict[int, dict[str, matching.Bucket]] = {}
        self.live = LiveRows(rows)
        self.unwritten: dict[str, list[list[Any]]] = {}  # row key -> pages of this hop

    def ensure(self, partition: int) -> None:
        """Index a newly assigned partition from its rows: pages, window, buckets."""
        if partition in self.pages:
            return
        prefix = f"{partition}/"
        pages: dict[str, StoredPage] = {}
        for row_key, row in self.rows.items():
            if row_key.startswith(prefix):
                for page_id, timestamp_ms, encoded in row["pages"]:
                    if page_id not in pages:
                        pages[page_id] = (timestamp_ms, base64.b64decode(encoded), row_key)
        self.pages[partition] = pages
        for _, _, row_key in pages.values():
            self.live.add(row_key)
        self.window.load(partition, ((prefix + p, t) for p, (t, _, _) in pages.items()))
        self.buckets[partition] = matching.build_buckets(
            ((p, t, sig) for p, (t, sig, _) in pages.items()),
            partition,
            self.partitions,
            self.params,
            self.bucket_capacity,
        )
        self._evict(partition)

    def signature_of(self, partition: int, page_id: str) -> bytes | None:
        stored = self.pages[partition].get(page_id)
        return None if stored is None else stored[1]

    def match(
        self,
        partition: int,
        row_key: str,
        request: matching.BandRequest,
        keys: tuple[str, ...],
        *,
        threshold: float,
    ) -> tuple[matching.Match, ...]:
        """A page's matches in this partition; the page joins its buckets, the window and
        the row of its batch (written by `write`), and the window evicts what it must."""
        pages, buckets = self.pages[partition], self.buckets[partition]
        update = matching.match_bands(
            request,
            {key: buckets.get(key) or [] for key in keys},
            lambda page_id: self.signature_of(partition, page_id),
            threshold=threshold,
            bucket_capacity=self.bucket_capacity,
            params=self.params,
            already_indexed=request.page_id in pages,
        )
        buckets.update(update.buckets)
        if update.new_signature:
            pages[request.page_id] = (request.timestamp_ms, request.signature, row_key)
            self.live.add(row_key)
            self.unwritten.setdefault(row_key, []).append(
                [
                    request.page_id,
                    request.timestamp_ms,
                    base64.b64encode(request.signature).decode(),
                ]
            )
            self.window.add(partition, f"{partition}/{request.page_id}", request.timestamp_ms)
        self._evict(partition)
        return update.matches

    def write(self) -> None:
        """Store the rows of this hop: one table write per row, with its pages still in the
        window (a row whose pages all left at once is not written)."""
        for row_key, new_pages in self.unwritten.items():
            partition = int(row_key.split("/", 1)[0])
            kept = [
                page
                for page in new_pages
                if self.pages[partition].get(page[0], (0, b"", ""))[2] == row_key
            ]
            if kept:
                self.rows[row_key] = {"pages": kept}
        self.unwritten.clear()

    def drop(self, partition: int, rows: MutableMapping[str, Any]) -> None:
        """Forget a revoked partition locally (`rows`: the table's local data)."""
        self.window.drop(partition)
        self.buckets.pop(partition, None)
        for _, _, row_key in self.pages.pop(partition, {}).values():
            self.live.forget(row_key)
        prefix = f"{partition}/"
        for row_key in [k for k in rows if k.startswith(prefix)]:
            rows.pop(row_key, None)

    def size(self) -> int:
        return sum(len(pages) for pages in self.pages.values())

    def bucket_count(self) -> int:
        return sum(len(buckets) for buckets in self.buckets.values())

    def _evict(self, partition: int) -> None:
        prefix = f"{partition}/"
        pages, buckets = self.pages[partition], self.buckets[partition]
        for key in self.window.evict(partition):
            page_id = key.removeprefix(prefix)
            stored = pages.pop(page_id, None)
            if stored is None:
                continue
            _, sig, row_key = stored
            for band_key in matching.keys_in_partition(
                sig, partition, self.partitions, self.params
            ):
                bucket = buckets.get(band_key)
                if bucket is None:
                    continue
                remaining = matching.without_page(bucket, page_id)
                if remaining:
                    buckets[band_key] = remaining
                else:
                    del buckets[band_key]
            self.live.release(row_key)
            self.on_evicted()
