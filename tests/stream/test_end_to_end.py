"""`chaff run` against the real broker: the seed page, bad input, restarts, exactly-once,
graceful shutdown, several processes, and `chaff demo` itself."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import orjson
import pytest
from contracts import validate
from kafka_helpers import (
    TopicFactory,
    consume_all,
    produce_raw,
    unique_topic_name,
    wait_for_end_offsets,
    wait_for_records,
)
from stream_helpers import (
    REPO,
    SEED,
    Topics,
    Worker,
    duplicates,
    outcomes,
    text_page,
    wait_for_outcomes,
)

pytestmark = [pytest.mark.broker]


def make_topics(topic_factory: TopicFactory, partitions: int) -> Topics:
    return Topics(*topic_factory.many("raw", "articles", "rejects", "dead", partitions=partitions))


def published(bootstrap: str, topics: Topics, values: list[bytes | None]) -> set[tuple[int, int]]:
    keys = [b"news.example.test" if i % 2 else f"site-{i}".encode() for i in range(len(values))]
    return {(m.partition, m.offset) for m in produce_raw(bootstrap, topics.raw, values, keys=keys)}


def run_worker_until_done(
    bootstrap: str,
    topics: Topics,
    inputs: set[tuple[int, int]],
    log_path: Path,
    env: Mapping[str, str] | None = None,
    *,
    args: tuple[str, ...] = (),
    timeout_s: float = 120.0,
    isolation_level: str = "read_uncommitted",
) -> dict[tuple[int, int], list[str]]:
    """Start a worker, wait until every input has an outcome and stop it with SIGTERM; the
    worker must have stayed up and must exit 0. Returns the outcomes."""
    worker = Worker(bootstrap, topics, log_path, env or {}, args).start()
    try:
        found = wait_for_outcomes(bootstrap, topics, inputs, [worker], timeout_s, isolation_level)
        worker.assert_running()
        # The outcomes may all be there before this worker got going (its predecessor did
        # them): SIGTERM must still find it past its start-up.
        worker.wait_until_consuming()
    finally:
        assert worker.terminate() == 0, worker.log()
    return found


def test_seed_page_end_to_end(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics = make_topics(topic_factory, partitions=1)
    produce = subprocess.run(
        [sys.executable, "-m", "worker", "produce", str(SEED), "--url-prefix", "https://e.test/p"],
        cwd=REPO,
        env={**topics.env(), "CHAFF_BOOTSTRAP_SERVERS": kafka_bootstrap, "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert produce.returncode == 0, produce.stderr
    assert "published 1 records from 1 files" in produce.stdout
    [raw] = consume_all(kafka_bootstrap, topics.raw)
    assert raw.key == b"e.test"

    worker = Worker(kafka_bootstrap, topics, tmp_path / "worker.log").start()
    try:
        [article_record] = wait_for_records(kafka_bootstrap, topics.articles, 1, timeout_s=90)
        [reject_record] = wait_for_records(kafka_bootstrap, topics.rejects, 1, timeout_s=30)
    finally:
        assert worker.terminate() == 0, worker.log()
    article, reject = orjson.loads(article_record.value), orjson.loads(reject_record.value)
    validate("article", article)
    validate("reject", reject)
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    paragraphs, headlines = lines[:8], [line for line in lines[8:] if line != "-"]
    assert len(headlines) == 16
    assert article["article_text"].split("\n\n") == paragraphs
    assert {s["text"] for s in reject["segments"]} >= set(headlines)
    assert article_record.key == reject_record.key == article["page_id"].encode()
    assert article["source"]["offset"] == raw.offset == reject["source"]["offset"]
    assert article["url"] == "https://e.test/p/000_bd0859deabb9f25c.txt"


def test_every_bad_input_kind_is_dead_lettered_while_good_pages_flow(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics = make_topics(topic_factory, partitions=2)
    bad = {
        b"{ this is not json": "invalid_json",
        None: "invalid_json",
        b'{"url": "https://e.test/a"}': "schema_violation",
        b'{"url": "https://e.test/a", "body": 42}': "schema_violation",
        b'{"url": "https://e.test/a", "body": "caf\xe9 au lait"}': "not_utf8",
        b'{"url": "https://e.test/a", "body": "  \\n  "}': "empty_body",
        orjson.dumps({"url": "https://e.test/big", "body": "word " * 30_000}): "too_large",
        bytes(range(0, 32)) * 100: "binary_body",
    }
    values: list[bytes | None] = []
    expected: list[str] = []
    for number, (value, kind) in enumerate(bad.items()):
        values += [text_page(number), value]
        expected += ["article", f"dead_letter:{kind}"]
    values.append(text_page(999))
    expected.append("article")
    keys = [b"e.test"] * len(values)  # a null value needs a key
    metadata = produce_raw(kafka_bootstrap, topics.raw, values, keys=keys, partition=0)

    inputs = {(m.partition, m.offset) for m in metadata}
    found = run_worker_until_done(
        kafka_bootstrap,
        topics,
        inputs,
        tmp_path / "worker.log",
        {"CHAFF_MAX_PAGE_BYTES": "100000"},
        timeout_s=90,
    )
    assert [found[(m.partition, m.offset)] for m in metadata] == [[e] for e in expected]
    for record in consume_all(kafka_bootstrap, topics.dead_letter):
        letter = orjson.loads(record.value)
        validate("dead-letter", letter)
        assert letter["source"]["topic"] == topics.raw
        assert letter["error"]["message"]


def test_restart_after_sigkill_resumes_from_committed_offsets_without_loss(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics = make_topics(topic_factory, partitions=3)
    # Enough pages that the kill lands mid-stream. The kill follows the articles topic's end
    # offsets, not a read of its records: a worker once made all 3,000 before a reader that
    # re-read the topic each time saw 40.
    inputs = published(kafka_bootstrap, topics, [text_page(n) for n in range(3000)])
    env = {"CHAFF_MAX_POLL_RECORDS": "10"}
    first = Worker(kafka_bootstrap, topics, tmp_path / "first.log", env).start()
    try:
        wait_for_end_offsets(kafka_bootstrap, topics.articles, 40, timeout_s=90)
        first.kill()  # SIGKILL mid-stream: no chance to commit or flush
        processed_before = len(outcomes(kafka_bootstrap, topics))
        assert processed_before < len(inputs), "the kill came too late to test a resume"
        found = run_worker_until_done(kafka_bootstrap, topics, inputs, tmp_path / "second.log", env)
    finally:
        first.stop_quietly()
    assert set(found) == inputs
    assert all(results[0] == "article" for results in found.values())
    # at-least-once: a redelivered batch is at most what was uncommitted at the kill
    assert sum(duplicates(found).values()) <= 3 * 10 + 10


def test_exactly_once_mode_survives_a_kill_with_no_duplicates(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics = make_topics(topic_factory, partitions=2)
    inputs = published(kafka_bootstrap, topics, [text_page(n) for n in range(1500)])
    env = {"CHAFF_EXACTLY_ONCE": "true", "CHAFF_MAX_POLL_RECORDS": "10"}
    first = Worker(kafka_bootstrap, topics, tmp_path / "eos.log", env).start()
    try:
        wait_for_records(kafka_bootstrap, topics.articles, 30, timeout_s=90)
        first.kill()
        # same instance id and index: the restarted worker fences the dead one's transaction
        found = run_worker_until_done(
            kafka_bootstrap,
            topics,
            inputs,
            tmp_path / "eos.log",
            env,
            isolation_level="read_committed",
        )
    finally:
        first.stop_quietly()
    assert set(found) == inputs
    assert {key: results for key, results in found.items() if len(results) != 1} == {}
    articles = consume_all(kafka_bootstrap, topics.articles, isolation_level="read_committed")
    assert len(articles) == len(inputs)


def test_sigterm_exits_zero_and_leaves_nothing_uncommitted(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics = make_topics(topic_factory, partitions=2)
    inputs = published(kafka_bootstrap, topics, [text_page(n) for n in range(300)])
    env = {"CHAFF_MAX_POLL_RECORDS": "20"}
    first = Worker(kafka_bootstrap, topics, tmp_path / "first.log", env).start()
    wait_for_records(kafka_bootstrap, topics.articles, 40, timeout_s=90)
    started = time.monotonic()
    assert first.terminate() == 0, first.log()
    assert time.monotonic() - started < 20  # the default shutdown bound
    found = run_worker_until_done(kafka_bootstrap, topics, inputs, tmp_path / "second.log", env)
    # everything the first worker published was committed before it left: no redelivery
    assert duplicates(found) == {}
    assert set(found) == inputs


def test_two_processes_share_the_partitions(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    topics = make_topics(topic_factory, partitions=4)
    inputs = published(kafka_bootstrap, topics, [text_page(n) for n in range(200)])
    log_path = tmp_path / "pair.log"
    found = run_worker_until_done(
        kafka_bootstrap, topics, inputs, log_path, args=("--processes", "2")
    )
    assert set(found) == inputs
    assert "started 2 worker processes" in log_path.read_text(errors="replace")


def test_a_worker_started_before_its_raw_topic_exists_consumes_it_once_created(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    # Deployments start workers and create topics in any order: a worker that joined its
    # group with no partitions to take must take them once the topic appears.
    raw = unique_topic_name("raw")
    topics = Topics(raw, *topic_factory.many("articles", "rejects", "dead"))
    worker = Worker(kafka_bootstrap, topics, tmp_path / "early.log").start()
    try:
        time.sleep(8)  # joined, with nothing to consume
        worker.assert_running()
        topic_factory.create([raw], partitions=2)
        inputs = published(kafka_bootstrap, topics, [text_page(n) for n in range(20)])
        found = wait_for_outcomes(kafka_bootstrap, topics, inputs, [worker], timeout_s=100)
    finally:
        assert worker.terminate() == 0, worker.log()
    assert set(found) == inputs


@pytest.mark.slow
def test_demo_runs_on_its_own_broker_and_prints_the_seed_article() -> None:
    demo = subprocess.run(
        [sys.executable, "-m", "worker", "demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "pages in:            3" in demo.stdout
    assert "dead letters:        0" in demo.stdout
    article = demo.stdout.split("== clean article of 000_bd0859deabb9f25c.txt")[1]
    assert "Pompeo warned Iraq Monday" in article
    assert "Eric Dane Rejected Sex Symbol Label" not in article
