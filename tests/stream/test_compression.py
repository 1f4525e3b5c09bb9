"""Compressed topics against the real broker: every Kafka codec is read, outputs are
compressed (zstd by default, configurable), and a batch that cannot be decoded sets its
partition aside loudly instead of crashing the worker onto it again and again.

Which codec a batch really carries is read from the broker's own log segments (the
`local_broker` fixture's data dir), so the tests see what Kafka stored, not what the
client was asked for.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaProducer
from kafka.record import MemoryRecords
from kafka_helpers import TopicFactory, consume_all
from stream_helpers import REPO, Topics, Worker, outcomes, text_page, wait_for_outcomes

from worker.broker.broker_config import STORAGE_SUBDIR
from worker.broker.launcher import LocalKafka
from worker.config import Settings
from worker.stream.loop_clients import make_producer

pytestmark = [pytest.mark.broker]

CODECS = ("gzip", "snappy", "lz4", "zstd")
CODEC_NAMES = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
BATCH_HEADER_BYTES = 61  # record batch v2 header; the (compressed) records follow


def segment_files(broker: LocalKafka, topic: str) -> list[Path]:
    return sorted((broker.data_dir / STORAGE_SUBDIR).glob(f"{topic}-*/*.log"))


def stored_codecs(broker: LocalKafka, topic: str) -> Counter[str]:
    """How many data batches of `topic` the broker stored in each codec."""
    found: Counter[str] = Counter()
    for path in segment_files(broker, topic):
        records = MemoryRecords(path.read_bytes())
        while (batch := records.next_batch()) is not None:
            if not batch.is_control_batch:  # transaction markers are never compressed
                found[CODEC_NAMES[batch.compression_type]] += 1
    return found


def make_topics(topic_factory: TopicFactory, bootstrap: str, partitions: int) -> Topics:
    names = topic_factory.many(
        "raw", "articles", "rejects", "dead", partitions=partitions, bootstrap=bootstrap
    )
    return Topics(*names)


def produce_compressed(
    bootstrap: str, topic: str, codec: str, values: list[bytes], partition: int = 0
) -> set[tuple[int, int]]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=codec)
    try:
        futures = [producer.send(topic, value=v, partition=partition) for v in values]
        producer.flush(timeout=30)
        return {(m.partition, m.offset) for m in (f.get(timeout=30) for f in futures)}
    finally:
        producer.close(timeout=30)


def test_every_codec_is_read_and_outputs_are_zstd_by_default(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    bootstrap = local_broker.bootstrap_servers
    topics = make_topics(topic_factory, bootstrap, partitions=2)
    inputs: set[tuple[int, int]] = set()
    for number, codec in enumerate(CODECS):
        pages = [text_page(10 * number + i) for i in range(3)]
        inputs |= produce_compressed(bootstrap, topics.raw, codec, pages, number % 2)
    assert set(stored_codecs(local_broker, topics.raw)) == set(CODECS)

    worker = Worker(bootstrap, topics, tmp_path / "worker.log").start()
    try:
        found = wait_for_outcomes(bootstrap, topics, inputs, [worker], timeout_s=90)
    finally:
        assert worker.terminate() == 0, worker.log()
    assert found == {i: ["article"] for i in inputs}
    for output in (topics.articles, topics.rejects):
        codecs = stored_codecs(local_broker, output)
        assert set(codecs) == {"zstd"}, (output, codecs)


@pytest.mark.parametrize("codec", ["lz4", "snappy", "gzip", "none"])
def test_the_output_codec_is_a_setting(
    local_broker: LocalKafka, topic_factory: TopicFactory, codec: str
) -> None:
    bootstrap = local_broker.bootstrap_servers
    topic = topic_factory("out", bootstrap=bootstrap)
    settings = Settings(bootstrap_servers=bootstrap, compression_type=codec)
    producer = make_producer(settings, "test-0")
    try:
        for number in range(3):
            producer.send(topic, key=b"k", value=text_page(number))
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=30)
    assert set(stored_codecs(local_broker, topic)) == {codec}
    assert len(consume_all(bootstrap, topic)) == 3


def test_an_unknown_codec_setting_is_refused() -> None:
    with pytest.raises(SystemExit, match="CHAFF_COMPRESSION_TYPE='brotli' is not one of"):
        Settings.from_env({"CHAFF_COMPRESSION_TYPE": "brotli"})


def test_a_missing_codec_library_stops_the_worker_before_it_joins(tmp_path: Path) -> None:
    """A broken install would set every zstd partition aside: refuse to start instead."""
    (tmp_path / "zstandard.py").write_text("raise ImportError('hidden by the test')\n")
    result = subprocess.run(
        [sys.executable, "-m", "worker", "run", "--metrics-port", "0"],
        cwd=REPO,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin", "CHAFF_BOOTSTRAP_SERVERS": "x:1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "no library for zstd (pip install zstandard)" in result.stderr


def test_a_corrupt_batch_sets_its_partition_aside_and_the_rest_flows(
    local_broker: LocalKafka, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    bootstrap = local_broker.bootstrap_servers
    topics = make_topics(topic_factory, bootstrap, partitions=2)
    damaged = produce_compressed(bootstrap, topics.raw, "zstd", [text_page(i) for i in range(3)])
    healthy = produce_compressed(
        bootstrap, topics.raw, "zstd", [text_page(i) for i in range(3, 6)], partition=1
    )
    [segment] = [p for p in segment_files(local_broker, topics.raw) if p.parent.name.endswith("-0")]
    data = bytearray(segment.read_bytes())
    data[BATCH_HEADER_BYTES + 8] ^= 0xFF  # inside the compressed records: the CRC no longer holds
    segment.write_bytes(bytes(data))

    port = _free_port()
    env = {"CHAFF_METRICS_PORT": str(port), "CHAFF_UNDECODABLE_RETRY_S": "3"}
    worker = Worker(bootstrap, topics, tmp_path / "worker.log", env).start()
    try:
        found = wait_for_outcomes(bootstrap, topics, healthy, [worker], timeout_s=90)
        time.sleep(4)  # a retry fails again; the damaged partition stays untouched
        worker.assert_running()
        assert not damaged & outcome_keys(bootstrap, topics)
        metrics = _get(port, "/metrics")
        readiness = _get(port, "/readyz")
        # Repaired: the next retry reads it, so nothing was skipped or lost.
        data[BATCH_HEADER_BYTES + 8] ^= 0xFF
        segment.write_bytes(bytes(data))
        found = wait_for_outcomes(bootstrap, topics, damaged | healthy, [worker], timeout_s=60)
    finally:
        assert worker.terminate() == 0, worker.log()
    assert found == {i: ["article"] for i in damaged | healthy}
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("chaff_undecodable_batches_total") and 'partition="0"' in line
    ]
    assert counted and float(counted[0].split()[-1]) >= 1, metrics
    assert f"cannot decode a batch of {topics.raw}[0]" in readiness
    assert "cannot decode the record batch at offset 0 (CorruptRecordError" in worker.log()


def outcome_keys(bootstrap: str, topics: Topics) -> set[tuple[int, int]]:
    return set(outcomes(bootstrap, topics))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return str(response.read().decode())
    except urllib.error.HTTPError as error:  # /readyz answers 503 with its reasons
        return str(error.read().decode())
