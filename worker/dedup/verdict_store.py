"""What each verdict partition remembers: the verdicts of its window's pages.

The verdicts a batch brings to its verdict partition are stored as ONE row of the
"verdicts" table, "<partition>/<batch id>" -> {"pages": [[page_id, article time ms,
verdict], ...]}: one changelog record per batch instead of one per article (a table write
costs faust ~0.2 ms of CPU). In memory a partition keeps each page's verdict and row,
rebuilt from the rows when the partition is assigned. A row is deleted when its last page
leaves the window; a row whose oldest pages left keeps them in the changelog, and a
partition rebuilt from it lets them go again at once (the window's bounds apply to what it
loads). Rows of the job before batches, page_id -> {"p": partition, "t": time, "v":
verdict}, are read too, as rows of one page.

Plain Python over a mapping: the faust table in the job, a dict in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from worker.dedup.live_rows import LiveRows
from worker.dedup.matching import BandRequest
from worker.dedup.window import WindowIndex

Verdict = dict[str, Any]
StoredVerdict = tuple[int, Verdict, str]  # article time ms, verdict, row key


class VerdictStore:
    def __init__(
        self,
        rows: MutableMapping[str, Any],
        window: WindowIndex,
        *,
        on_evicted: Callable[[], None] = lambda: None,
    ) -> None:
        self.rows = rows
        self.window = window
        self.on_evicted = on_evicted
        self.verdicts: dict[int, dict[str, StoredVerdict]] = {}
        self.live = LiveRows(rows)

    def ensure(self, partition: int) -> None:
        """Index a newly assigned partition from its rows: verdicts and window."""
        if partition in self.verdicts:
            return
        prefix = f"{partition}/"
        stored: dict[str, StoredVerdict] = {}
        for row_key, row in self.rows.items():
            for page_id, timestamp_ms, verdict in _pages_of(row_key, row, partition, prefix):
                if page_id not in stored:
                    stored[page_id] = (timestamp_ms, verdict, row_key)
        self.verdicts[partition] = stored
        for _, _, row_key in stored.values():
            self.live.add(row_key)
        self.window.load(partition, ((page_id, t) for page_id, (t, _, _) in stored.items()))
        self._evict(partition)

    def decide(
        self,
        partition: int,
        row_key: str,
        pages: Iterable[BandRequest],
        make_verdict: Callable[[BandRequest], Verdict],
    ) -> list[tuple[str, Verdict, bool]]:
        """(page_id, verdict, again) for each page in order: the stored verdict of a page
        decided before (again), else a new one, stored in the row `row_key` (written in one
        table write, before the caller publishes any of them)."""
        self.ensure(partition)
        stored = self.verdicts[partition]
        decided: list[tuple[str, Verdict, bool]] = []
        new_pages: list[list[Any]] = []
        for page in pages:
            known = stored.get(page.page_id)
            if known is not None:  # the page came again, or a redelivery after a crash
                decided.append((page.page_id, known[1], True))
                continue
            verdict = make_verdict(page)
            stored[page.page_id] = (page.timestamp_ms, verdict, row_key)
            self.window.add(partition, page.page_id, page.timestamp_ms)
            new_pages.append([page.page_id, page.timestamp_ms, verdict])
            decided.append((page.page_id, verdict, False))
        if new_pages:
            self.live.add(row_key, len(new_pages))
            self._evict(partition)
            kept = [p for p in new_pages if stored.get(p[0], (0, {}, ""))[2] == row_key]
            if kept:
                self.rows[row_key] = {"pages": kept}
        return decided

    def drop(self, partition: int, rows: MutableMapping[str, Any]) -> None:
        """Forget a revoked partition locally (`rows`: the table's local data)."""
        self.window.drop(partition)
        for _, _, row_key in self.verdicts.pop(partition, {}).values():
            self.live.forget(row_key)
            rows.pop(row_key, None)  # rows of one page, before batches, among them
        prefix = f"{partition}/"
        for row_key in [k for k in rows if k.startswith(prefix)]:
            rows.pop(row_key, None)

    def size(self) -> int:
        return sum(len(stored) for stored in self.verdicts.values())

    def _evict(self, partition: int) -> None:
        stored = self.verdicts[partition]
        for page_id in self.window.evict(partition):
            evicted = stored.pop(page_id, None)
            if evicted is None:
                continue
            self.live.release(evicted[2])
            self.on_evicted()


def _pages_of(
    row_key: str, row: Any, partition: int, prefix: str
) -> Iterable[tuple[str, int, Verdict]]:
    """The (page_id, article time, verdict) a row holds for `partition`."""
    if not isinstance(row, dict):
        return ()
    if row_key.startswith(prefix) and "pages" in row:
        return ((page_id, t, verdict) for page_id, t, verdict in row["pages"])
    if row.get("p") == partition and "v" in row:  # a row of one page, before batches
        return ((row_key, row["t"], row["v"]),)
    return ()
