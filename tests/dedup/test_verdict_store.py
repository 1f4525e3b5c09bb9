"""A verdict partition's memory (worker/dedup/verdict_store.py): one row of verdicts per
batch, a page decided once whatever comes again, rebuilt from the rows (and from the rows
of one page the job wrote before batches), and windows that delete rows."""

from __future__ import annotations

from typing import Any

from dedup_articles import article_record, gold_texts

from worker.core.minhash import LshParams
from worker.dedup import matching
from worker.dedup.verdict_store import VerdictStore
from worker.dedup.window import WindowIndex

TEXTS = gold_texts()
PARAMS = LshParams()


def request(n: int, timestamp_ms: int | None = None) -> matching.BandRequest:
    read = matching.read_article(
        article_record("a.test", str(n), TEXTS[n % len(TEXTS)][1])[1],
        None,
        topic="pages.articles",
        partition=0,
        offset=n,
        timestamp_ms=1000 + n if timestamp_ms is None else timestamp_ms,
    )
    assert isinstance(read, matching.Article)
    return matching.band_request(read, PARAMS, 4).for_verdict()


made: list[str] = []


def make_verdict(page: matching.BandRequest) -> dict[str, Any]:
    made.append(page.page_id)
    return matching.verdict_record(
        page.page_id,
        page.timestamp_ms,
        page.meta,
        matching.best_match(page.matches),
        threshold=0.8,
        decided_at_s=len(made),  # each decision its own time: a repeat would show
        worker_version="test",
    )


def store(
    rows: dict[str, Any], max_pages: int = 1000, evicted: list[int] | None = None
) -> VerdictStore:
    return VerdictStore(
        rows,
        WindowIndex(max_pages, 10**12),
        on_evicted=lambda: evicted.append(1) if evicted is not None else None,
    )


def test_one_row_per_batch_and_each_page_decided_once() -> None:
    rows: dict[str, Any] = {}
    verdicts = store(rows)
    first = [request(n) for n in range(5)]
    decided = verdicts.decide(2, "2/batch-a", [*first, first[1]], make_verdict)
    assert [(p, again) for p, _, again in decided] == [
        *((page.page_id, False) for page in first),
        (first[1].page_id, True),  # the same page twice in a batch: decided once
    ]
    assert decided[5][1] is decided[1][1]
    assert list(rows) == ["2/batch-a"]
    assert [page[0] for page in rows["2/batch-a"]["pages"]] == [p.page_id for p in first]
    assert [page[2] for page in rows["2/batch-a"]["pages"]] == [v for _, v, _ in decided[:5]]

    # a later batch with a page decided before: its stored verdict again, no new row for it
    second = [request(n) for n in range(5, 8)]
    decided_again = verdicts.decide(2, "2/batch-b", [first[0], *second], make_verdict)
    assert decided_again[0] == (first[0].page_id, decided[0][1], True)
    assert [page[0] for page in rows["2/batch-b"]["pages"]] == [p.page_id for p in second]
    assert verdicts.size() == 8

    # a batch whose pages were all decided writes no row
    assert all(again for _, _, again in verdicts.decide(2, "2/batch-c", first, make_verdict))
    assert "2/batch-c" not in rows


def test_a_process_taking_the_partition_over_decides_as_the_first_one() -> None:
    rows: dict[str, Any] = {}
    first = store(rows)
    pages = [request(n) for n in range(6)]
    decided = first.decide(1, "1/batch-a", pages[:3], make_verdict)
    decided += first.decide(1, "1/batch-b", pages[3:], make_verdict)
    first.decide(3, "3/batch-c", [request(n) for n in range(6, 9)], make_verdict)

    again = store(dict(rows))
    again.ensure(1)
    assert again.size() == 6  # partition 3 is not loaded before it is assigned
    replayed = again.decide(1, "1/batch-b", pages[3:], make_verdict)  # a redelivered batch
    assert replayed == [(p, v, True) for p, v, _ in decided[3:]]
    assert again.rows == rows


def test_the_window_deletes_a_row_when_its_last_page_leaves() -> None:
    rows: dict[str, Any] = {}
    evicted: list[int] = []
    verdicts = store(rows, max_pages=4, evicted=evicted)
    for name, start in (("a", 0), ("b", 3), ("c", 6)):
        verdicts.decide(0, f"0/{name}", [request(n) for n in range(start, start + 3)], make_verdict)
    assert set(rows) == {"0/b", "0/c"}  # a's pages all left; b keeps one page in the window
    assert verdicts.size() == 4 and len(evicted) == 5
    # a page that left the window is decided anew
    [(_, _, again)] = verdicts.decide(0, "0/d", [request(0, timestamp_ms=5000)], make_verdict)
    assert not again
    # rebuilt from rows that hold more pages than the window: the oldest go at once
    rebuilt = store(dict(rows), max_pages=2)
    rebuilt.ensure(0)
    assert rebuilt.size() == 2


def test_rows_of_one_page_written_before_batches_are_read_and_evicted() -> None:
    old = request(1)
    verdict = make_verdict(old)
    rows: dict[str, Any] = {
        old.page_id: {"p": 0, "t": old.timestamp_ms, "v": verdict},
        "other-page": {"p": 1, "t": 5, "v": {"verdict": "unique"}},
    }
    verdicts = store(rows, max_pages=3)
    [decided] = verdicts.decide(0, "0/batch-a", [old], make_verdict)
    assert decided == (old.page_id, verdict, True)
    verdicts.decide(0, "0/batch-b", [request(n) for n in range(2, 5)], make_verdict)
    assert old.page_id not in rows and "other-page" in rows  # evicted with its page


def test_a_revoked_partition_is_forgotten_locally() -> None:
    rows: dict[str, Any] = {}
    verdicts = store(rows)
    verdicts.decide(0, "0/a", [request(n) for n in range(3)], make_verdict)
    verdicts.decide(1, "1/b", [request(n) for n in range(3, 5)], make_verdict)
    verdicts.drop(0, rows)
    assert list(rows) == ["1/b"] and verdicts.size() == 2
