"""A band partition's memory (worker/dedup/band_store.py): one row of signatures per batch,
the same matches as one row per page, rebuilt from the rows, and windows that delete rows."""

from __future__ import annotations

from functools import partial
from typing import Any

from dedup_articles import article_record, gold_texts, near_copy

from worker.core.minhash import LshParams
from worker.dedup import batches, matching
from worker.dedup.band_store import BandStore
from worker.dedup.engine import LocalDedup
from worker.dedup.window import WindowIndex

TEXTS = gold_texts()
PARAMS = LshParams()
PARTITIONS = 3


def page(site: str, n: int, text: str, timestamp_ms: int) -> matching.Article:
    read = matching.read_article(
        article_record(site, str(n), text)[1],
        None,
        topic="pages.articles",
        partition=0,
        offset=n,
        timestamp_ms=timestamp_ms,
    )
    assert isinstance(read, matching.Article)
    return read


def store(rows: dict[str, Any], max_pages: int = 1000) -> BandStore:
    return BandStore(
        rows,
        WindowIndex(max_pages, 10**12),
        partitions=PARTITIONS,
        params=PARAMS,
        bucket_capacity=16,
    )


def run(band_store: BandStore, batch: batches.BandBatch) -> batches.BandBatch:
    while not batch.done:
        at = batch.partition
        band_store.ensure(at)
        row_key = f"{at}/{batch.batch_id}"
        batch = batch.matched(partial(band_store.match, at, row_key, threshold=0.8))
        band_store.write()
    return batch


def articles() -> list[matching.Article]:
    originals = [page("a.test", n, text, 1000 + n) for n, (_, text) in enumerate(TEXTS[:12])]
    copies = [
        page("b.test", n, near_copy(TEXTS[n][1], "boilerplate", n), 3000 + n) for n in range(6)
    ]
    return originals + copies


def test_one_row_per_batch_and_partition_and_the_matches_of_one_row_per_page() -> None:
    rows: dict[str, Any] = {}
    band_store = store(rows)
    requests = [matching.band_request(a, PARAMS, PARTITIONS) for a in articles()]
    decided = []
    for start in range(0, len(requests), 5):
        [batch] = batches.split_to_fit(requests[start : start + 5])
        done = run(band_store, batch)
        assert {key.split("/")[1] for key in rows} >= {batch.batch_id}
        decided += [matching.best_match(p.matches) for p in done.pages]
    assert len(rows) <= PARTITIONS * 4  # 18 pages in 4 batches, each written once a partition
    engine = LocalDedup(partitions=PARTITIONS)
    expected = [engine.add(a) for a in articles()]
    assert [m.page_id if m else None for m in decided] == [v["duplicate_of"] for v in expected]
    assert band_store.buckets == {
        p: {k: b for k, b in engine.buckets.items() if matching.band_partition(k, 3) == p}
        for p in range(PARTITIONS)
    }

    # A process that takes the partitions over rebuilds the same from the rows, and a
    # batch read again there adds no row and finds the same matches.
    again = store(dict(rows))
    for partition in range(PARTITIONS):
        again.ensure(partition)
    assert again.buckets == band_store.buckets and again.size() == band_store.size()
    [last] = batches.split_to_fit(requests[15:])
    replayed = run(again, last)
    assert [p.matches for p in replayed.pages] == [p.matches for p in run(band_store, last).pages]
    assert again.rows == rows


def test_the_window_deletes_a_row_when_its_last_page_leaves() -> None:
    rows: dict[str, Any] = {}
    band_store = store(rows, max_pages=4)
    requests = [matching.band_request(a, PARAMS, PARTITIONS) for a in articles()[:12]]
    first, second, third = (batches.split_to_fit(requests[n : n + 4])[0] for n in (0, 4, 8))
    for batch in (first, second, third):
        run(band_store, batch)
    assert not any(key.endswith(first.batch_id) for key in rows)
    assert not any(key.endswith(second.batch_id) for key in rows)
    assert all(key.endswith(third.batch_id) for key in rows) and rows
    assert band_store.size() <= 4 * PARTITIONS
    # rebuilt from rows that hold more pages than the window: it lets the oldest go at once
    assert max(len(row["pages"]) for row in rows.values()) > 2
    rebuilt = store(dict(rows), max_pages=2)
    for partition in range(PARTITIONS):
        rebuilt.ensure(partition)
        assert len(rebuilt.pages[partition]) <= 2
