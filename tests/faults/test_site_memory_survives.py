"""Site memory in the worker, on a real broker: each article says what memory informed it,
and a site's profile survives a SIGKILL with restart and a rebalance (its partition moving
to another process), in both delivery modes: after either, the site's next page is
classified with the memory of every page before it, restored from the changelog topic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fault_helpers import (
    TOPIC_CONFIG,
    committed_offsets,
    in_both_delivery_modes,
    wait_until,
    worker_env,
)
from kafka_helpers import TopicFactory, consume_all, produce_raw
from stream.stream_helpers import Topics, Worker

from worker.learn.dataset import load_pages

pytestmark = [pytest.mark.broker, pytest.mark.slow]

FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"
SITE = "eater.com"


def _site_records() -> list[bytes]:
    pages = [p for p in load_pages(FIXTURE, "html") if p.site == SITE]
    return [
        orjson.dumps(
            {
                "url": f"https://{SITE}/{p.page_id}",
                "body": p.body("html"),
                "content_type": "text/html",
            }
        )
        for p in pages
    ]


def _setup(topic_factory: TopicFactory) -> tuple[Topics, str]:
    names = topic_factory.many(
        "raw", "articles", "rejects", "dead", partitions=2, config=TOPIC_CONFIG
    )
    changelog = topic_factory(
        "site-memory", partitions=2, config={**TOPIC_CONFIG, "cleanup.policy": "compact"}
    )
    return Topics(*names), changelog


def _env(exactly_once: bool, changelog: str) -> dict[str, str]:
    return worker_env(
        exactly_once,
        CHAFF_SITE_MEMORY="on",
        CHAFF_SITE_MEMORY_TOPIC=changelog,
        CHAFF_MAX_POLL_RECORDS="1",  # one page a batch: a checkpoint per page
        CHAFF_LOG_LEVEL="INFO",
    )


def _articles(bootstrap: str, topics: Topics, exactly_once: bool) -> list[dict[str, Any]]:
    level = "read_committed" if exactly_once else "read_uncommitted"
    records = consume_all(bootstrap, topics.articles, isolation_level=level)
    return sorted((orjson.loads(r.value) for r in records), key=lambda a: a["source"]["offset"])


def _publish(bootstrap: str, topics: Topics, values: list[bytes]) -> list[int]:
    sent = produce_raw(bootstrap, topics.raw, values, [SITE.encode()] * len(values))
    return [m.offset for m in sent]


def _wait_articles(
    bootstrap: str, topics: Topics, exactly_once: bool, count: int, workers: list[Worker]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def enough() -> bool:
        found[:] = _articles(bootstrap, topics, exactly_once)
        return len(found) >= count

    wait_until(enough, f"{count} articles", workers)
    return found


def _check_informed(articles: list[dict[str, Any]], offsets: list[int]) -> None:
    """The n-th page of the site was informed by the n pages before it, its checkpoint
    the offset of the page just before."""
    by_offset = {a["source"]["offset"]: a for a in articles}
    partition = articles[0]["source"]["partition"]
    for number, offset in enumerate(offsets):
        note = by_offset[offset]["site_memory"]
        assert note["pages_seen"] == number, (offset, note)
        expected = None if number == 0 else {"partition": partition, "offset": offsets[number - 1]}
        assert note["checkpoint"] == expected, (offset, note)
    assert by_offset[offsets[-1]]["site_memory"]["rejected"] > 0


@in_both_delivery_modes
def test_a_profile_survives_a_sigkill_and_restart(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    topics, changelog = _setup(topic_factory)
    values = _site_records()
    env = _env(exactly_once, changelog)
    log = tmp_path / "worker.log"
    first = Worker(kafka_bootstrap, topics, log, env).start()
    try:
        offsets = _publish(kafka_bootstrap, topics, values[:3])
        articles = _wait_articles(kafka_bootstrap, topics, exactly_once, 3, [first])
        partition = articles[0]["source"]["partition"]
        wait_until(
            lambda: committed_offsets(kafka_bootstrap, topics).get(partition) == offsets[-1] + 1,
            "the third page's offset committed",
            [first],
        )
    finally:
        first.kill()
    second = Worker(kafka_bootstrap, topics, log, env).start()
    try:
        offsets += _publish(kafka_bootstrap, topics, values[3:])
        articles = _wait_articles(kafka_bootstrap, topics, exactly_once, 4, [second])
    finally:
        assert second.terminate() == 0, second.log()
    _check_informed(articles, offsets)
    assert len(articles) == 4  # the kill came after the commit: nothing was redone


@in_both_delivery_modes
def test_a_profile_follows_its_partition_to_another_process(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    topics, changelog = _setup(topic_factory)
    values = _site_records()
    env = _env(exactly_once, changelog)
    first = Worker(kafka_bootstrap, topics, tmp_path / "first.log", env).start()
    second: Worker | None = None
    try:
        offsets = _publish(kafka_bootstrap, topics, values[:3])
        _wait_articles(kafka_bootstrap, topics, exactly_once, 3, [first])
        second = Worker(kafka_bootstrap, topics, tmp_path / "second.log", env).start()
        second.wait_until_consuming()
        assert first.terminate() == 0, first.log()  # leaves: every partition goes to second
        offsets += _publish(kafka_bootstrap, topics, values[3:])
        articles = _wait_articles(kafka_bootstrap, topics, exactly_once, 4, [second])
    finally:
        if second is not None:
            assert second.terminate() == 0, second.log()
    _check_informed(articles, offsets)
    assert "restored the profiles of 1 sites" in second.log()


def test_without_site_memory_articles_say_nothing_of_it(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics, _changelog = _setup(topic_factory)
    worker = Worker(kafka_bootstrap, topics, tmp_path / "off.log", worker_env(False)).start()
    try:
        _publish(kafka_bootstrap, topics, _site_records()[:2])
        articles = _wait_articles(kafka_bootstrap, topics, False, 2, [worker])
    finally:
        assert worker.terminate() == 0, worker.log()
    assert all("site_memory" not in a for a in articles)


def test_without_its_changelog_topic_the_worker_refuses_to_start(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics, _changelog = _setup(topic_factory)
    env = _env(False, "no-such-site-memory-topic")
    worker = Worker(kafka_bootstrap, topics, tmp_path / "missing.log", env).start()
    assert worker.process is not None
    assert worker.process.wait(timeout=60) == 2
    assert "site-memory topic 'no-such-site-memory-topic' does not exist" in worker.log()


@in_both_delivery_modes
def test_sigkills_with_site_memory_still_account_for_every_record(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    """test_sigkill's scenario (three SIGKILLs at random points, a restart after each) with
    site memory on: every input has an outcome, exactly one in exactly-once mode."""
    from test_sigkill import kill_and_restart_repeatedly

    kill_and_restart_repeatedly(
        kafka_bootstrap,
        topic_factory,
        tmp_path,
        pages=1000,
        kills=3,
        exactly_once=exactly_once,
        site_memory=True,
    )


def test_a_changelog_with_fewer_partitions_than_the_raw_topic_is_refused(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics, _changelog = _setup(topic_factory)  # the raw topic has 2 partitions
    small = topic_factory("site-memory", partitions=1, config={"cleanup.policy": "compact"})
    worker = Worker(kafka_bootstrap, topics, tmp_path / "small.log", _env(False, small)).start()
    assert worker.process is not None
    assert worker.process.wait(timeout=60) == 2
    assert "has 1 partitions, the raw topic 2: it needs as many" in worker.log()
