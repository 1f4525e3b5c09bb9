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

    def run(request: matching.BandRequest) -> matching.BandResponse:
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
        return update.response

    original = page("a.test", 1, TEXTS[0][1], 1000)
    copy = page("b.test", 1, near_copy(TEXTS[0][1], "boilerplate", 1), 2000)
    first = [run(r) for r in matching.band_requests(original, PARAMS, 1)]
    answers = [run(r) for r in matching.band_requests(copy, PARAMS, 1)]
    third = page("c.test", 1, TEXTS[0][1], 3000)
    [run(r) for r in matching.band_requests(third, PARAMS, 1)]
    again = [run(r) for r in matching.band_requests(copy, PARAMS, 1)]  # after a crash
    assert first[0].matches == ()
    assert answers == again and answers[0].matches[0].page_id == original.page_id
    bucket_sizes = {len(b) for b in buckets.values()}
    assert max(bucket_sizes) <= 3  # each page once per bucket, however often it came


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
    def response(*matches: matching.Match) -> matching.BandResponse:
        return matching.BandResponse("x", 9, 0, 2, matches, {})

    a, b, c = (
        matching.Match("a", 1, 0.85),
        matching.Match("b", 2, 0.9),
        matching.Match("c", 0, 0.9),
    )
    assert matching.best_match([response(a, b), response(c)]) == c
    assert matching.best_match([response(), response()]) is None


def test_records_that_are_not_articles_are_unreadable_with_the_reason() -> None:
    def read(
        value: bytes | None, key: bytes | None = None
    ) -> matching.Article | matching.Unreadable:
        return matching.read_article(
            value, key, topic="t", partition=1, offset=7, timestamp_ms=1_000
        )

    cases = {
        b"\xff": "not JSON",
        b'{"schema": "chaff.reject/1"}': "expected chaff.article/1",
        b'{"schema": "chaff.article/1", "page_id": "p"}': "no article_text",
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
    assert read(None, key=b"k").key == "k"  # type: ignore[union-attr]
    assert read(None).key == "t:1:7"  # type: ignore[union-attr]


def test_band_requests_round_trip_and_cover_every_band_once() -> None:
    requests = matching.band_requests(page("a.test", 1, TEXTS[0][1], 1000), PARAMS, 3)
    assert sum(len(r.keys) for r in requests) == PARAMS.bands
    assert {r.groups for r in requests} == {len(requests)}
    for request in requests:
        assert matching.BandRequest.from_bytes(request.to_bytes()) == request
        assert all(matching.band_partition(k, 3) == request.partition for k in request.keys)
    response = matching.BandResponse("p", 1, 0, 1, (matching.Match("q", 0, 0.9),), {"url": None})
    assert matching.BandResponse.from_bytes(response.to_bytes()) == response
    assert orjson.loads(response.to_bytes())["matches"][0]["page_id"] == "q"


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
