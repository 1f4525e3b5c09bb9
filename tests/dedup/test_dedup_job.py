"""`chaff dedup` as a real subprocess against the real broker: article records in, one
verdict per article out (originals unique, near-copies on other sites duplicates of their
original), across a graceful restart (state from the changelogs) and a SIGKILL in the middle
of a batch: after it no verdict is missing and none contradicts an earlier one."""

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
from contracts import validate
from dedup_articles import article_record, gold_texts, near_copy
from kafka.admin import KafkaAdminClient
from kafka_helpers import TopicFactory, consume_all, produce_raw

from worker.core.minhash import exact_jaccard

pytestmark = [pytest.mark.broker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SITES = ("wire-a.test", "wire-b.test", "wire-c.test")


@contextmanager
def dedup(
    bootstrap: str, articles: str, duplicates: str, app_id: str, data_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    log_path = data_dir / f"dedup-{time.monotonic_ns()}.log"
    command = [
        sys.executable, "-m", "worker", "dedup", "--bootstrap-servers", bootstrap,
        "--articles-topic", articles, "--duplicates-topic", duplicates, "--app-id", app_id,
        "--partitions", "3", "--data-dir", str(data_dir), "--metrics-port", "0",
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


def _log(process: subprocess.Popen[bytes]) -> str:
    path: Path = process.log_path  # type: ignore[attr-defined]
    return path.read_text(errors="replace")[-6000:]


def verdicts_by_page(bootstrap: str, topic: str) -> dict[str, list[dict[str, Any]]]:
    by_page: dict[str, list[dict[str, Any]]] = {}
    try:
        records = consume_all(bootstrap, topic)
    except Exception:  # the job has not created the topic yet
        return {}
    for record in records:
        by_page.setdefault(record.key.decode(), []).append(orjson.loads(record.value))
    return by_page


def wait_for_verdicts(
    bootstrap: str,
    topic: str,
    page_ids: set[str],
    process: subprocess.Popen[bytes],
    timeout_s: float = 120.0,
    at_least: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Verdicts once every page in `page_ids` has one (or `at_least` of them have)."""
    want = len(page_ids) if at_least is None else at_least
    deadline = time.monotonic() + timeout_s
    got: dict[str, list[dict[str, Any]]] = {}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dedup exited ({process.returncode}):\n{_log(process)}")
        got = verdicts_by_page(bootstrap, topic)
        if len(page_ids & got.keys()) >= want:
            return got
        time.sleep(0.2)
    missing = sorted(page_ids - got.keys())
    raise AssertionError(f"no verdict for {missing} after {timeout_s} s\n{_log(process)}")


def the_decision(verdict: dict[str, Any]) -> tuple[Any, ...]:
    return (verdict["verdict"], verdict["duplicate_of"], verdict["jaccard"])


def publish_originals(
    bootstrap: str, topic: str, texts: list[tuple[str, str]]
) -> dict[str, str | None]:
    """Publish the articles; {page_id: None} (each is expected to be unique)."""
    records = [article_record("origin.test", name, text) for name, text in texts]
    produce_raw(bootstrap, topic, [v for _, v in records], keys=[k for k, _ in records])
    return {key.decode(): None for key, _ in records}


def publish_copies(
    bootstrap: str, topic: str, texts: list[tuple[str, str]], seed: int
) -> dict[str, str | None]:
    """Publish a near-copy of each text on another site (boilerplate, trimmed, whitespace
    in turn; only copies at an exact Jaccard >= 0.9, clear of the threshold whatever the
    estimate's error) and the original article record once more (the worker is
    at-least-once); {page_id: expected duplicate_of}."""
    expected: dict[str, str | None] = {}
    records: list[tuple[bytes, bytes]] = []
    for n, (name, text) in enumerate(texts):
        original_key, original = article_record("origin.test", name, text)
        for attempt in range(3):
            kind = ("boilerplate", "trimmed", "whitespace")[(n + attempt) % 3]
            copy_text = near_copy(text, kind, seed + n)
            if exact_jaccard(text, copy_text) >= 0.9:
                key, value = article_record(SITES[n % len(SITES)], name, copy_text)
                records.append((key, value))
                expected[key.decode()] = original_key.decode()
                break
        records.append((original_key, original))
        expected[original_key.decode()] = None
    produce_raw(bootstrap, topic, [v for _, v in records], keys=[k for k, _ in records])
    return expected


def check(verdicts: dict[str, list[dict[str, Any]]], expected: dict[str, str | None]) -> None:
    for page_id, original in expected.items():
        given = verdicts[page_id]
        decisions = {the_decision(v) for v in given}
        assert len(decisions) == 1, f"{page_id}: contradicting verdicts {decisions}"
        verdict = given[0]
        validate("duplicate", verdict)
        if original is None:
            assert verdict["verdict"] == "unique", verdict
        else:
            assert verdict["verdict"] == "duplicate", verdict
            assert verdict["duplicate_of"] == original
            assert verdict["jaccard"] >= 0.8


def test_dedup_verdicts_across_a_restart_and_a_sigkill(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    texts = gold_texts()
    assert len(texts) >= 60
    articles = topic_factory("dd-articles", partitions=2)
    duplicates = f"dd-verdicts-{articles.rsplit('-', 1)[-1]}"
    app_id = f"dd-{articles}"
    run = (kafka_bootstrap, articles, duplicates, app_id, tmp_path)
    try:
        # Copies are published once their originals have a verdict: a copy whose original
        # is still in flight on another partition may not find it (README: Dedup, limits).
        first_texts, second_texts = texts[:12], texts[12:]
        expected = publish_originals(kafka_bootstrap, articles, first_texts)
        with dedup(*run) as first:
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), first)
            expected |= publish_copies(kafka_bootstrap, articles, first_texts[:6], seed=1)
            verdicts = wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), first)
            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=60) == 0, _log(first)
        check(verdicts, expected)

        # Restarted from the changelogs, and killed in the middle of a batch: the copies
        # of the first batch's pages are found through the restored tables.
        batch = publish_originals(kafka_bootstrap, articles, second_texts)
        expected |= batch
        with dedup(*run) as second:
            wait_for_verdicts(
                kafka_bootstrap, duplicates, set(batch), second, at_least=len(batch) // 4
            )
            expected |= publish_copies(kafka_bootstrap, articles, first_texts[6:], seed=2)
            second.kill()  # no commit, no flush
            second.wait()
        undecided = set(expected) - set(verdicts_by_page(kafka_bootstrap, duplicates))
        assert undecided, "the kill came too late to interrupt anything"
        with dedup(*run) as third:
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), third)
            expected |= publish_copies(kafka_bootstrap, articles, second_texts, seed=3)
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), third)
            time.sleep(2)  # anything still coming must agree too
        verdicts = verdicts_by_page(kafka_bootstrap, duplicates)
        check(verdicts, expected)
        assert set(verdicts) == set(expected)
        assert sum(1 for v in expected.values() if v) >= 40
    finally:
        _delete_internal_topics(kafka_bootstrap, app_id, duplicates)


def _delete_internal_topics(bootstrap: str, app_id: str, duplicates: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        internal = [t for t in admin.list_topics() if t.startswith(app_id) or t == duplicates]
        if internal:
            admin.delete_topics(internal)
    finally:
        admin.close()
