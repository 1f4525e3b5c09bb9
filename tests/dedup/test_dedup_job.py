"""`chaff dedup` as a real subprocess against the real broker: article records in, one
verdict per article out (originals unique, near-copies on other sites duplicates of their
original), across a graceful restart (state from the changelogs) and a SIGKILL in the middle
of a batch: after it no verdict is missing and none contradicts an earlier one."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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
from prometheus_client.parser import text_string_to_metric_families

from worker.core.minhash import exact_jaccard

pytestmark = [pytest.mark.broker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SITES = ("wire-a.test", "wire-b.test", "wire-c.test")


@contextmanager
def dedup(
    bootstrap: str,
    articles: str,
    duplicates: str,
    app_id: str,
    data_dir: Path,
    metrics_port: int = 0,
    extra: tuple[str, ...] = (),
) -> Iterator[subprocess.Popen[bytes]]:
    log_path = data_dir / f"dedup-{time.monotonic_ns()}.log"
    command = [
        sys.executable, "-m", "worker", "dedup", "--bootstrap-servers", bootstrap,
        "--articles-topic", articles, "--duplicates-topic", duplicates, "--app-id", app_id,
        "--partitions", "3", "--data-dir", str(data_dir / f"faust-{time.monotonic_ns()}"),
        "--metrics-port", str(metrics_port),
        "--session-timeout-s", "10",  # the run after the SIGKILL waits out the dead member
        *extra,
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


def wait_for_band_partitions(process: subprocess.Popen[bytes], timeout_s: float = 120.0) -> None:
    """Until faust's latest assignment table in the process's log lists band partitions."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dedup exited ({process.returncode}):\n{_log(process)}")
        latest = _log(process).rpartition("Setting newly assigned partitions")[2]
        if re.search(r"-bands\s+\| \{", latest.split("Executing")[0]):
            return
        time.sleep(0.5)
    raise AssertionError(f"no band partition assigned after {timeout_s} s\n{_log(process)}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def scrape(port: int) -> dict[str, float]:
    """The samples of the job's /metrics endpoint: 'name{labels}' -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


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
    bootstrap: str, topic: str, texts: list[tuple[str, str]], seed: int, resend: bool = True
) -> dict[str, str | None]:
    """Publish a near-copy of each text on another site (boilerplate, trimmed, whitespace
    in turn; only copies at an exact Jaccard >= 0.9, clear of the threshold whatever the
    estimate's error) and, with `resend`, the original article record once more (the worker is
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
        if resend:
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
        port = free_port()
        with dedup(*run, metrics_port=port) as third:
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), third)
            expected |= publish_copies(kafka_bootstrap, articles, second_texts, seed=3)
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), third)
            time.sleep(6)  # anything still coming must agree too; a metrics round passes
            metrics = scrape(port)
        assert metrics["chaff_dedup_duplicates_found_total"] >= len(second_texts) - 2
        assert metrics['chaff_dedup_table_rows{table="signatures"}'] > 0
        assert metrics['chaff_dedup_lag_records{topic="' + articles + '"}'] == 0
        verdicts = verdicts_by_page(kafka_bootstrap, duplicates)
        check(verdicts, expected)
        assert set(verdicts) == set(expected)
        assert sum(1 for v in expected.values() if v) >= 40
    finally:
        _delete_internal_topics(kafka_bootstrap, app_id, duplicates)


def test_two_processes_share_the_job_and_one_takes_over_from_a_killed_one(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    """Scaling: a second process with the same app id takes half the partitions; when one
    is SIGKILLed, the other takes its partitions over (rebuilding their tables from the
    changelogs) and every page still gets exactly one decision."""
    texts = gold_texts()
    articles = topic_factory("dd2-articles", partitions=2)
    duplicates = f"dd2-verdicts-{articles.rsplit('-', 1)[-1]}"
    app_id = f"dd2-{articles}"
    run = (kafka_bootstrap, articles, duplicates, app_id, tmp_path)
    try:
        expected = publish_originals(kafka_bootstrap, articles, texts[:30])
        with dedup(*run) as first, dedup(*run) as second:
            wait_for_band_partitions(second)
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), first)
            expected |= publish_copies(kafka_bootstrap, articles, texts[:15], seed=4)
            second.kill()
            second.wait()
            expected |= publish_copies(kafka_bootstrap, articles, texts[15:30], seed=5)
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), first, timeout_s=180)
            time.sleep(2)
        verdicts = verdicts_by_page(kafka_bootstrap, duplicates)
        check(verdicts, expected)
        assert set(verdicts) == set(expected)
    finally:
        _delete_internal_topics(kafka_bootstrap, app_id, duplicates)


def test_the_window_forgets_the_oldest_pages_and_their_verdicts(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    """--window-pages 3 over 3 partitions: each band partition keeps one page, each verdict
    partition one verdict. A copy of a page that left the window is unique (there is
    nothing left to compare it with), and the job goes on deciding every page."""
    texts = gold_texts()[:12]
    articles = topic_factory("dd3-articles", partitions=1)
    duplicates = f"dd3-verdicts-{articles.rsplit('-', 1)[-1]}"
    app_id = f"dd3-{articles}"
    run = (kafka_bootstrap, articles, duplicates, app_id, tmp_path)
    port = free_port()
    try:
        originals = publish_originals(kafka_bootstrap, articles, texts)
        small_window = ("--window-pages", "3")
        with dedup(*run, metrics_port=port, extra=small_window) as job:
            wait_for_verdicts(kafka_bootstrap, duplicates, set(originals), job)
            recent = publish_copies(kafka_bootstrap, articles, texts[-1:], seed=7, resend=False)
            forgotten = publish_copies(kafka_bootstrap, articles, texts[:2], seed=6, resend=False)
            expected = originals | forgotten | recent
            wait_for_verdicts(kafka_bootstrap, duplicates, set(expected), job)
            time.sleep(6)  # a metrics round
            metrics = scrape(port)
        verdicts = verdicts_by_page(kafka_bootstrap, duplicates)
        [(copy_of_last, its_original)] = recent.items()
        assert the_decision(verdicts[copy_of_last][0])[:2] == ("duplicate", its_original)
        for page, original in forgotten.items():
            decisions = {the_decision(v) for v in verdicts[page]}
            assert decisions == {("unique", None, None)}, (page, original, decisions)
        assert metrics['chaff_dedup_evicted_total{table="signatures"}'] > 0
        assert metrics['chaff_dedup_evicted_total{table="verdicts"}'] > 0
        assert metrics['chaff_dedup_table_rows{table="signatures"}'] <= 3
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
