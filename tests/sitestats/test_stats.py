"""Per-site counting without Kafka: real output records in, rows and snapshots out."""

from __future__ import annotations

import orjson
from sitestats_outputs import Output, outputs_for, raw_page

from worker.sitestats.stats import (
    SNAPSHOT_SCHEMA,
    UNKNOWN_SITE,
    InputKind,
    Row,
    SiteEvent,
    apply_event,
    event_from_output,
    site_snapshot,
)

TOPIC_OF: dict[str, str] = {"article": "out.a", "reject": "out.r", "dead_letter": "out.d"}


def events(outputs: list[Output], first_offset: int = 0) -> list[SiteEvent]:
    kinds: dict[str, InputKind] = {"article": "article", "reject": "reject"}
    kinds["dead_letter"] = "dead_letter"  # OutputKind and InputKind name the same things
    return [
        event_from_output(
            kinds[o.kind],
            o.value,
            topic=TOPIC_OF[o.kind],
            partition=0,
            offset=first_offset + n,
            timestamp_ms=1_764_000_000_000 + n,
        )
        for n, o in enumerate(outputs)
    ]


def count(site_events: list[SiteEvent], rows: dict[str, Row] | None = None) -> dict[str, Row]:
    rows = {} if rows is None else rows
    for event in site_events:
        row = apply_event(rows.get(event.site), event)
        if row is not None:
            rows[event.site] = row
    return rows


def test_article_with_dropped_segments_is_one_page_and_counts_its_rejected_segments() -> None:
    outputs = outputs_for(raw_page("news.test", 1, article_lines=3, junk_lines=2), 0)
    assert [o.kind for o in outputs] == ["article", "reject"]
    row = count(events(outputs))["news.test"]  # "www." dropped, as the worker's site is
    assert (row["pages"], row["articles"], row["page_rejects"]) == (1, 1, 0)
    assert row["rejected_segments"] == 2


def test_page_level_reject_and_dead_letter_are_pages_of_their_site() -> None:
    outputs = outputs_for(raw_page("spam.test", 2, article_lines=0, junk_lines=4), 0)
    outputs += outputs_for(b'{"url": "https://www.spam.test/x", "body": ""}', 1)
    outputs += outputs_for(b"{not json", 2, key=b"keyed.test")
    outputs += outputs_for(b"{not json", 3)
    rows = count(events(outputs))
    spam = rows["spam.test"]
    assert (spam["pages"], spam["articles"], spam["page_rejects"]) == (2, 0, 1)
    assert spam["rejected_segments"] == 4
    assert spam["dead_letters"] == 1
    assert spam["dead_letters_by_kind"] == {"empty_body": 1}
    assert rows["keyed.test"]["dead_letters_by_kind"] == {"invalid_json": 1}
    assert rows[UNKNOWN_SITE]["dead_letters"] == 1  # no URL, no key


def test_redelivered_records_are_not_counted_twice() -> None:
    outputs = outputs_for(raw_page("news.test", 1, 2, 1), 0)
    outputs += outputs_for(raw_page("news.test", 2, 2, 0), 1)
    first = events(outputs)
    rows = count(first)
    assert apply_event(rows["news.test"], first[0]) is None
    rows = count(first[1:] + first, rows)  # a whole batch delivered again
    assert rows["news.test"]["articles"] == 2 and rows["news.test"]["rejected_segments"] == 1
    assert rows["news.test"]["positions"] == {"out.a:0": 2, "out.r:0": 1}


def test_unreadable_output_records_are_counted_not_dropped() -> None:
    def read(kind: InputKind, value: bytes | None, offset: int) -> SiteEvent:
        return event_from_output(
            kind, value, topic=kind, partition=0, offset=offset, timestamp_ms=1
        )

    bad = [
        read("article", b"\xff not json", 0),
        read("reject", b"[1, 2]", 0),
        read("article", None, 1),  # a tombstone
        read("dead_letter", b'{"schema": "chaff.article/1"}', 0),  # wrong contract
    ]
    assert all(e.kind == "unreadable" and e.problem for e in bad)
    row = count(bad)[UNKNOWN_SITE]
    assert row["unreadable"] == 4 and row["pages"] == 0


def test_articles_of_the_version_before_are_still_counted() -> None:
    # The articles topic keeps 30 days: a new job reads what an older worker wrote.
    value = orjson.dumps({"schema": "chaff.article/1", "site": "old.test", "page_id": "p"})
    event = event_from_output("article", value, topic="a", partition=0, offset=0, timestamp_ms=1)
    assert (event.kind, event.site) == ("article", "old.test")


def test_event_round_trips_through_bytes() -> None:
    event = events(outputs_for(b"{x", 0, key=b"k.test"), 7)[0]
    assert SiteEvent.from_bytes(event.to_bytes()) == event


def test_snapshot_follows_the_contract() -> None:
    outputs = outputs_for(raw_page("news.test", 1, 2, 1), 0) + outputs_for(b"{", 1, b"news.test")
    row = count(events(outputs))["news.test"]
    snapshot = site_snapshot("news.test", row, now_s=1_764_000_100.0, worker_version="9.9")
    assert snapshot == {
        "schema": SNAPSHOT_SCHEMA,
        "site": "news.test",
        "pages": 2,
        "articles": 1,
        "page_rejects": 0,
        "rejected_segments": 1,
        "dead_letters": 1,
        "unreadable": 0,
        "dead_letters_by_kind": {"invalid_json": 1},
        "first_seen": "2025-11-24T16:00:00.000+00:00",
        "last_seen": "2025-11-24T16:00:00.002+00:00",
        "snapshot_at": "2025-11-24T16:01:40.000+00:00",
        "worker_version": "9.9",
    }
    assert orjson.loads(orjson.dumps(snapshot)) == snapshot
