"""Batches of band requests (worker/dedup/batches.py): the records the faust job sends, and
the verdicts they lead to, the same as one request per article."""

from __future__ import annotations

import orjson
from dedup_articles import article_record, gold_texts, near_copy

from worker.core.minhash import LshParams
from worker.dedup import batches, matching
from worker.dedup.engine import LocalDedup

TEXTS = gold_texts()
PARAMS = LshParams()


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


def stream() -> list[matching.Article]:
    """Originals, then a copy of every other one on another site, in time order."""
    originals = [page("a.test", n, text, 1000 + n) for n, (_, text) in enumerate(TEXTS[:24])]
    kinds = ("boilerplate", "trimmed", "whitespace")
    copies = [
        page("b.test", n, near_copy(TEXTS[n][1], kinds[n % 3], n), 5000 + n)
        for n in range(0, 24, 2)
    ]
    return originals + copies


def test_batches_decide_as_one_request_per_article() -> None:
    one_by_one = LocalDedup(partitions=4)
    expected = [one_by_one.add(article) for article in stream()]
    batched = LocalDedup(partitions=4)
    articles = stream()
    got = []
    for start in range(0, len(articles), 7):  # batches that cut across originals and copies
        got += batched.add_batch(articles[start : start + 7])
    assert got == expected
    assert sum(v["verdict"] == "duplicate" for v in got) >= 10
    assert batched.buckets == one_by_one.buckets
    assert batched.signatures == one_by_one.signatures


def test_a_copy_later_in_the_same_batch_finds_its_original() -> None:
    engine = LocalDedup(partitions=3)
    original = page("a.test", 1, TEXTS[0][1], 1000)
    copy = page("b.test", 1, TEXTS[0][1], 2000)
    later_read_earlier = page("c.test", 1, TEXTS[1][1], 900)
    earlier = page("d.test", 1, TEXTS[1][1], 950)  # read first but published later
    verdicts = engine.add_batch([original, copy, earlier, later_read_earlier])
    assert verdicts[0]["verdict"] == "unique"
    assert (verdicts[1]["verdict"], verdicts[1]["duplicate_of"]) == ("duplicate", original.page_id)
    # never the duplicate of a later page, inside a batch as across batches
    assert [v["verdict"] for v in verdicts[2:]] == ["unique", "unique"]


def test_a_batch_read_again_matches_the_same_and_keeps_its_verdicts() -> None:
    engine = LocalDedup(partitions=3)
    engine.add_batch([page("a.test", n, text, 1000 + n) for n, (_, text) in enumerate(TEXTS[:6])])
    copies = [page("c.test", n, TEXTS[n][1], 3000 + n) for n in range(3)]
    requests = [matching.band_request(c, PARAMS, 3) for c in copies]
    [batch] = batches.split_to_fit(requests)
    first = batch
    while not first.done:
        first = first.matched(lambda r, k, p=first.partition: engine._match_at(p, r, k))
    again = batch  # after a crash: the same record, read again
    while not again.done:
        again = again.matched(lambda r, k, p=again.partition: engine._match_at(p, r, k))
    assert again == first
    assert [len(p.matches) > 0 for p in first.pages] == [True] * 3
    decided = engine.add_batch(copies)
    assert engine.add_batch(copies) == decided
    assert {v["verdict"] for v in decided} == {"duplicate"}


def test_the_route_visits_each_band_partition_once_then_the_verdict_partitions() -> None:
    articles = stream()[:10]
    requests = [matching.band_request(a, PARAMS, 5) for a in articles]
    [batch] = batches.split_to_fit(requests)
    wanted = {p for r in requests for p, _ in r.route[:-1]}
    assert list(batch.route) == sorted(wanted)
    assert [p.page_id for p in batch.pages] == [a.page_id for a in articles]
    assert batches.from_bytes(batch.to_bytes()) == batch
    seen: dict[str, list[int]] = {}
    hops = 0
    while not batch.done:
        at = batch.partition

        def note(request: matching.BandRequest, keys: tuple[str, ...], at: int = at) -> tuple:
            assert keys and all(matching.band_partition(k, 5) == at for k in keys)
            seen.setdefault(request.page_id, []).append(at)
            return (matching.Match(f"m{at}", 0, 0.9),)

        batch = batch.matched(note)
        assert batches.from_bytes(batch.to_bytes()) == batch
        hops += 1
    assert hops == len(wanted)
    for request in requests:
        assert seen[request.page_id] == [p for p, _ in request.route[:-1]]
    verdict_batches = batch.verdict_batches()
    assert len({v.partition for v in verdict_batches}) == len(verdict_batches)
    for verdicts_of in verdict_batches:
        assert verdicts_of.batch_id == batch.batch_id  # names the row of its verdicts
        assert batches.from_bytes(verdicts_of.to_bytes()) == verdicts_of
        for request in verdicts_of.pages:
            assert matching.verdict_partition(request.page_id, 5) == verdicts_of.partition
            assert request.signature == b"" and request.keys == ()
            assert [m.page_id for m in request.matches] == [f"m{p}" for p in seen[request.page_id]]
    assert sum(len(v.pages) for v in verdict_batches) == len(articles)


def test_batches_are_split_to_fit_the_message_limit_in_reading_order() -> None:
    requests = [matching.band_request(a, PARAMS, 8) for a in stream()]
    size_of_one = len(batches.split_to_fit(requests[:1])[0].to_bytes())
    limit = size_of_one * 5
    split = batches.split_to_fit(requests, max_bytes=limit)
    assert len(split) > 1 and all(len(b.to_bytes()) <= limit for b in split)
    assert [p.page_id for b in split for p in b.pages] == [r.page_id for r in requests]
    assert batches.split_to_fit(requests[:1], max_bytes=10)[0].pages == tuple(requests[:1])


def test_a_verdict_batch_of_a_job_before_verdict_rows_gets_an_id_of_its_own() -> None:
    requests = [matching.band_request(a, PARAMS, 3).for_verdict() for a in stream()[:3]]
    document = orjson.loads(batches.VerdictBatch(1, tuple(requests), "b1").to_bytes())
    del document["batch_id"]
    first = batches.from_bytes(orjson.dumps(document))
    second = batches.from_bytes(orjson.dumps(document))
    assert isinstance(first, batches.VerdictBatch) and isinstance(second, batches.VerdictBatch)
    assert first.pages == tuple(requests) and first.partition == 1
    assert first.batch_id and first.batch_id != second.batch_id
