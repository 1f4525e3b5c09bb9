"""What `chaff replay --bounded` does with site memory: it rebuilds the profiles from the
replayed records, in order, starting empty (the changelog is neither read nor written), so
replaying the same records gives the same articles, memory included."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import orjson
from contracts import validate

from worker.config import Settings
from worker.learn.dataset import load_pages
from worker.stream.replay import stream_record_processor

FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"


class Record(NamedTuple):  # the fields of a kafka-python ConsumerRecord the worker reads
    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes
    value: bytes


def _records() -> list[Record]:
    pages = [p for p in load_pages(FIXTURE, "html") if p.site == "eater.com"]
    return [
        Record(
            "pages.raw",
            0,
            100 + number,
            1_764_000_000_000,
            b"eater.com",
            orjson.dumps(
                {
                    "url": f"https://eater.com/{p.page_id}",
                    "body": p.body("html"),
                }
            ),
        )
        for number, p in enumerate(pages)
    ]


def _articles(settings: Settings, records: list[Record]) -> list[dict[str, Any]]:
    process = stream_record_processor(settings)
    articles = []
    for record in records:
        for topic, _key, value in process(record):
            assert topic != settings.site_memory_topic  # a replay writes no checkpoints
            if topic == settings.articles_topic:
                article = orjson.loads(value)
                validate("article", article)
                article.pop("processed_at")
                articles.append(article)
    return articles


def test_replay_rebuilds_the_profiles_from_the_stream_in_order() -> None:
    records = _records()
    settings = Settings(site_memory="on")
    articles = _articles(settings, records)
    notes = [a["site_memory"] for a in articles]
    assert [n["pages_seen"] for n in notes] == [0, 1, 2, 3]
    assert [n["checkpoint"] for n in notes] == [
        None,
        *({"partition": 0, "offset": r.offset} for r in records[:-1]),
    ]
    assert _articles(settings, records) == articles  # the same records, the same outputs
    # From a later offset, memory starts there: the first replayed page is a new site again.
    later = _articles(settings, records[2:])
    assert [a["site_memory"]["pages_seen"] for a in later] == [0, 1]


def test_replay_with_memory_off_is_the_per_page_output() -> None:
    articles = _articles(Settings(site_memory="off"), _records())
    assert articles and all("site_memory" not in a for a in articles)
