"""The dedup job's steps on plain values: reading articles, matching in band partitions,
verdicts (engine.LocalDedup runs the same functions as the faust job, in one process)."""

from __future__ import annotations

from typing import Any

import orjson
from contracts import validate
from dedup_articles import article_record, gold_texts, near_copy

from worker.core.minhash import LshParams
from worker.dedup import matching
from worker.dedup.engine import LocalDedup

TEXTS = gold_texts()
PARAMS = LshParams()


def article(value: bytes, timestamp_ms: int, offset: int = 0) -> matching.Article:
    read = matching.read_article(
        value, None, topic="pages.articles", partition=0, offset=offset, timestamp_ms=timestamp_ms
    )
    assert isinstance(read, matching.Article)
    return read


def page(site: str, n: int, text: str, timestamp_ms: int) -> matching.Article:
    return article(article_record(site, str(n), text)[1], timestamp_ms)


def test_copies_are_duplicates_of_the_earlier_page_and_originals_unique() -> None:
    engine = LocalDedup()
    verdicts: list[dict[str, Any]] = []
    originals = [page("a.test", n, text, 1000 + n) for n, (_, text) in enumerate(TEXTS[:10])]
    verdicts += [engine.add(o) for o in originals]
    assert [v["verdict"] for v in verdicts] == ["unique"] * 10
    copy_text = near_copy(TEXTS[3][1], "whitespace", 1)
    copy = engine.add(page("b.test", 3, copy_text, 5000))
    assert copy["verdict"] == "duplicate"
    assert copy["duplicate_of"] == originals[3].page_id
    assert copy["jaccard"] == 1.0  # whitespace only: the same shingles
    assert copy["site"] == "b.test" and copy["source"]["topic"] == "pages.articles"
    for verdict in [*verdicts, copy]:
        validate("duplicate", verdict)


def test_a_page_is_matched_only_against_pages_before_it() -> None:
    engine = LocalDedup()
    later = page("b.test", 1, TEXTS[0][1], 2000)
    earlier = page("a.test", 1, TEXTS[0][1], 1000)  # arrives second, but was published first
    assert engine.add(later)["verdict"] == "unique"
    assert engine.add(earlier)["verdict"] == "unique"  # never the duplicate of a later page


def test_redelivered_requests_get_the_same_answer() -> None:
    buckets: dict[str, matching.Bucket] = {}
    signatures: dict[str, bytes] = {}

    def run(request: matching.BandRequest) -> tuple[matching.Match, ...]:
        update = matching.match_bands(
            request,
            {k: buckets.get(k, []) for k in request.keys},
            signatures.get,
            threshold=0.8,
            bucket_capacity=16,
            params=PARAMS,
            already_indexed=request.page_id in signatures,
        )
        buckets.update(update.buckets)
        if update.new_signature:
            signatures[request.page_id] = request.signature
        return update.matches

    original = page("a.test", 1, TEXTS[0][1], 1000)
    copy = page("b.test", 1, near_copy(TEXTS[0][1], "boilerplate", 1), 2000)
    first = run(matching.band_request(original, PARAMS, 1))
    found = run(matching.band_request(copy, PARAMS, 1))
    run(matching.band_request(page("c.test", 1, TEXTS[0][1], 3000), PARAMS, 1))
    again = run(matching.band_request(copy, PARAMS, 1))  # after a crash
    assert first == ()
    assert found == again and [m.page_id for m in found] == [original.page_id]
    # The worker delivers the copy's article again: a new record timestamp, later than
    # the third page's. Compared from its first place, never with itself.
    resent = page("b.test", 1, near_copy(TEXTS[0][1], "boilerplate", 1), 4000)
    assert resent.page_id == copy.page_id
    assert run(matching.band_request(resent, PARAMS, 1)) == found
    assert run(matching.band_request(original, PARAMS, 1)) == ()
    assert max(len(b) for b in buckets.values()) <= 3  # each page once, however often


def test_a_decided_page_keeps_its_verdict() -> None:
    engine = LocalDedup()
    original = page("a.test", 1, TEXTS[0][1], 1000)
    copy = page("b.test", 1, TEXTS[0][1], 2000)
    engine.add(original)
    first = engine.add(copy)
    assert engine.add(copy) == first
    assert engine.add(original)["verdict"] == "unique"


def test_full_bucket_keeps_its_earliest_pages() -> None:
    engine = LocalDedup(bucket_capacity=2)
    pages = [page(f"s{n}.test", 1, TEXTS[0][1], 1000 + n) for n in range(5)]
    verdicts = [engine.add(p) for p in pages]
    assert verdicts[0]["verdict"] == "unique"
    assert {v["duplicate_of"] for v in verdicts[1:]} == {pages[0].page_id}
    assert all(len(b) <= 2 for b in engine.buckets.values())


def test_best_match_is_the_most_similar_then_the_earliest() -> None:
    a, b, c = (
        matching.Match("a", 1, 0.85),
        matching.Match("b", 2, 0.9),
        matching.Match("c", 0, 0.9),
    )
    assert matching.best_match((a, b, c)) == c
    assert matching.best_match(()) is None


def test_records_that_are_not_articles_are_unreadable_with_the_reason() -> None:
    def read(
        value: bytes | None, key: bytes | None = None
    ) -> matching.Article | matching.Unreadable:
        return matching.read_article(
            value, key, topic="t", partition=1, offset=7, timestamp_ms=1_000
        )

    cases = {
        b"\xff": "not JSON",
        b'{"schema": "chaff.reject/1"}': "expected chaff.article/2 or chaff.article/1",
        b'{"schema": "chaff.article/2", "page_id": "p"}': "no article_text",
        b'{"schema": "chaff.article/1", "article_text": "x"}': "no page_id",
    }
    for value, reason in cases.items():
        unreadable = read(value)
        assert isinstance(unreadable, matching.Unreadable) and reason in unreadable.reason
        verdict = matching.unreadable_verdict(
            unreadable, threshold=0.8, decided_at_s=2.0, worker_version="t"
        )
        validate("duplicate", verdict)
        assert verdict["verdict"] == "unreadable"
    for schema in ("chaff.article/1", "chaff.article/2"):  # a worker rollout: both are read
        value = orjson.dumps({"schema": schema, "page_id": "p", "article_text": "a b c"})
        assert isinstance(read(value), matching.Article)
    assert read(None, key=b"k").key == "k"  # type: ignore[union-attr]
    assert read(None).key == "t:1:7"  # type: ignore[union-attr]


def test_a_request_visits_each_band_partition_once_then_its_verdict_partition() -> None:
    article = page("a.test", 1, TEXTS[0][1], 1000)
    request = matching.band_request(article, PARAMS, 3)
    band_hops, (decider, no_keys) = request.route[:-1], request.route[-1]
    assert sum(len(keys) for _, keys in band_hops) == PARAMS.bands
    assert [p for p, _ in band_hops] == sorted({p for p, _ in band_hops})
    assert all(matching.band_partition(k, 3) == p for p, keys in band_hops for k in keys)
    assert decider == matching.verdict_partition(article.page_id, 3) and no_keys == ()
    assert matching.BandRequest.from_bytes(request.to_bytes()) == request
    hops = [request]
    while not hops[-1].is_last:
        hops.append(hops[-1].next_hop((matching.Match(f"m{len(hops)}", 0, 0.9),)))
    assert len(hops) == len(request.route)
    assert [m.page_id for m in hops[-1].matches] == [f"m{n}" for n in range(1, len(hops))]
    assert matching.BandRequest.from_bytes(hops[-1].to_bytes()) == hops[-1]


def test_buckets_rebuilt_from_the_signatures_are_the_ones_matching_built() -> None:
    engine = LocalDedup(partitions=3, bucket_capacity=2)
    pages = [page(f"s{n}.test", n, TEXTS[n % 6][1], 1000 + n) for n in range(18)]
    for p in pages:
        engine.add(p)
    time_of = {p.page_id: p.timestamp_ms for p in pages}
    for partition in range(3):
        prefix = f"{partition}/"
        rows = [
            (key.removeprefix(prefix), time_of[key.removeprefix(prefix)], sig)
            for key, sig in engine.signatures.items()
            if key.startswith(prefix)
        ]
        rebuilt = matching.build_buckets(rows, partition, 3, PARAMS, capacity=2)
        incremental = {
            key: bucket
            for key, bucket in engine.buckets.items()
            if matching.band_partition(key, 3) == partition
        }
        assert rebuilt == incremental and rebuilt
