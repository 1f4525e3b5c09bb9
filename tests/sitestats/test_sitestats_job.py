"""`chaff sitestats` as a real subprocess against the real broker: output records in, exact
per-site snapshots out, across a graceful restart (state from the changelog) and a SIGKILL
(redelivered records are not counted twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka.admin import KafkaAdminClient
from kafka_helpers import TopicFactory, consume_all, produce_raw
from sitestats_outputs import outputs_for, raw_page

pytestmark = [pytest.mark.broker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
COUNTED = ("pages", "articles", "page_rejects", "rejected_segments", "dead_letters", "unreadable")


def batch(first_offset: int) -> list[tuple[str, bytes | None]]:
    """(output kind, raw record) for: two articles of a.test (one with a dropped segment),
    one all-junk page of b.test, an invalid-JSON dead letter keyed c.test."""
    return [
        ("page", raw_page("a.test", first_offset, article_lines=3, junk_lines=1)),
        ("page", raw_page("a.test", first_offset + 1, article_lines=2, junk_lines=0)),
        ("page", raw_page("b.test", first_offset + 2, article_lines=0, junk_lines=3)),
        ("page", b"{truncated"),
    ]


# What one batch() adds, per site (counted by hand from the pages above).
ONE_BATCH = {
    "a.test": {"pages": 2, "articles": 2, "rejected_segments": 1},
    "b.test": {"pages": 1, "page_rejects": 1, "rejected_segments": 3},
    "c.test": {"pages": 1, "dead_letters": 1},
}


def expected(batches: int, unreadable: int = 0) -> dict[str, dict[str, int]]:
    result = {
        site: {name: counts.get(name, 0) * batches for name in COUNTED}
        for site, counts in ONE_BATCH.items()
    }
    if unreadable:
        result["(unknown)"] = {name: 0 for name in COUNTED} | {"unreadable": unreadable}
    return result


def feed(bootstrap: str, topics: dict[str, str], first_offset: int) -> None:
    by_topic: dict[str, list[tuple[bytes, bytes]]] = {topic: [] for topic in topics.values()}
    for n, (_, raw) in enumerate(batch(first_offset)):
        for output in outputs_for(raw, first_offset + n, key=b"c.test"):
            by_topic[topics[output.kind]].append((output.key, output.value))
    for topic, records in by_topic.items():
        produce_raw(bootstrap, topic, [v for _, v in records], keys=[k for k, _ in records])


def latest_snapshots(bootstrap: str, topic: str) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for record in consume_all(bootstrap, topic):  # sorted by offset within a partition
        latest[record.key.decode()] = orjson.loads(record.value)
    return latest


def counts_of(snapshots: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {site: {name: s[name] for name in COUNTED} for site, s in snapshots.items()}


@contextmanager
def sitestats(
    bootstrap: str, topics: dict[str, str], snapshot_topic: str, app_id: str, data_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    log_path = data_dir / f"sitestats-{time.monotonic_ns()}.log"
    command = [
        sys.executable, "-m", "worker", "sitestats", "--bootstrap-servers", bootstrap,
        "--articles-topic", topics["article"], "--rejects-topic", topics["reject"],
        "--dead-letter-topic", topics["dead_letter"], "--snapshot-topic", snapshot_topic,
        "--app-id", app_id, "--snapshot-interval-s", "1", "--partitions", "2",
        "--data-dir", str(data_dir),
        "--session-timeout-s", "10",  # the run after the SIGKILL waits out the dead member
    ]  # fmt: skip
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO, env=os.environ.copy(), stdout=log_file, stderr=subprocess.STDOUT
        )
        process.log_path = log_path  # type: ignore[attr-defined]
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def wait_for_counts(
    bootstrap: str,
    snapshot_topic: str,
    want: dict[str, dict[str, int]],
    process: subprocess.Popen[bytes],
    timeout_s: float = 90.0,
) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    got: dict[str, dict[str, int]] = {}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sitestats exited ({process.returncode}):\n{_log(process)}")
        snapshots = latest_snapshots(bootstrap, snapshot_topic)
        got = counts_of(snapshots)
        if got == want:
            return snapshots
        time.sleep(0.5)
    raise AssertionError(f"snapshots {got} != expected {want} after {timeout_s} s\n{_log(process)}")


def _log(process: subprocess.Popen[bytes]) -> str:
    path: Path = process.log_path  # type: ignore[attr-defined]
    return path.read_text(errors="replace")[-5000:]


def test_sitestats_counts_per_site_across_restarts_and_a_kill(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    articles, rejects, dead, snapshot_topic = topic_factory.many(
        "ss-articles", "ss-rejects", "ss-dead", "ss-stats", partitions=2
    )
    topics = {"article": articles, "reject": rejects, "dead_letter": dead}
    app_id = f"ss-{snapshot_topic}"
    run = (kafka_bootstrap, topics, snapshot_topic, app_id, tmp_path)
    try:
        feed(kafka_bootstrap, topics, 0)
        produce_raw(kafka_bootstrap, articles, [b"not a record"], keys=[b"x"])
        with sitestats(*run) as first:
            snapshots = wait_for_counts(kafka_bootstrap, snapshot_topic, expected(1, 1), first)
            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=60) == 0, _log(first)
        assert snapshots["c.test"]["dead_letters_by_kind"] == {"invalid_json": 1}
        assert snapshots["a.test"]["schema"] == "chaff.site-stats/1"
        assert snapshots["a.test"]["first_seen"] <= snapshots["a.test"]["last_seen"]

        # Restarted: the counts go on from the changelog-backed table.
        feed(kafka_bootstrap, topics, 100)
        with sitestats(*run) as second:
            wait_for_counts(kafka_bootstrap, snapshot_topic, expected(2, 1), second)
            second.kill()  # no commit, no flush: some records will be delivered again
            second.wait()

        feed(kafka_bootstrap, topics, 200)
        with sitestats(*run) as third:
            wait_for_counts(kafka_bootstrap, snapshot_topic, expected(3, 1), third)
            time.sleep(3)  # a few more snapshot rounds: still exact, nothing counted twice
            assert counts_of(latest_snapshots(kafka_bootstrap, snapshot_topic)) == expected(3, 1)
    finally:
        _delete_internal_topics(kafka_bootstrap, app_id)


def _delete_internal_topics(bootstrap: str, app_id: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        internal = [t for t in admin.list_topics() if t.startswith(app_id)]
        if internal:
            admin.delete_topics(internal)
    finally:
        admin.close()
