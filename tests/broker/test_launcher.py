"""The local Kafka launcher and the broker fixtures, against a real broker."""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from kafka import KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka_helpers import TopicFactory, consume_all, produce_raw, wait_for_records

from worker.broker.jars import (
    LOCK_PATH,
    JarLock,
    JarVerificationError,
    ensure_jars,
    hash_jars,
    pom_kafka_version,
    verify_jars,
)
from worker.broker.launcher import BrokerStartError, LocalKafka
from worker.broker.processes import describe_cluster

pytestmark = pytest.mark.broker


def test_session_broker_answers_admin_requests(kafka_bootstrap: str) -> None:
    cluster = describe_cluster(kafka_bootstrap)
    assert cluster is not None
    assert [broker["is_fenced"] for broker in cluster["brokers"]] == [False]


def test_topic_factory_makes_distinct_topics_with_partitions_and_config(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    first, second = topic_factory.many(
        "raw pages!", "raw pages!", partitions=3, config={"retention.ms": "123456789"}
    )
    assert first != second
    assert re.fullmatch(r"raw-pages--[0-9a-f]{12}", first)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = admin.describe_topics([first])
        assert len(described[0]["partitions"]) == 3
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, first)])
        assert configs["topic"][first]["retention.ms"]["value"] == "123456789"
    finally:
        admin.close()


def test_records_round_trip_with_keys_headers_and_order(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory("round-trip")
    values = [f"page {i}".encode() for i in range(20)] + [b"", None]
    keys = [f"site-{i % 3}".encode() for i in range(22)]

    metadata = produce_raw(kafka_bootstrap, topic, values, keys, headers=[("origin", b"test")])

    assert [m.offset for m in metadata] == list(range(22))
    records = consume_all(kafka_bootstrap, topic)
    assert [r.value for r in records] == values
    assert [r.key for r in records] == keys
    assert all(list(r.headers) == [("origin", b"test")] for r in records)


def test_consume_all_of_an_empty_topic_is_empty(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    assert consume_all(kafka_bootstrap, topic_factory("empty", partitions=2)) == []


def test_consume_all_of_a_missing_topic_times_out(kafka_bootstrap: str) -> None:
    with pytest.raises(TimeoutError, match="does not exist"):
        consume_all(kafka_bootstrap, "no-such-topic-7f3a9c", timeout_s=2.0)


def test_wait_for_records_says_how_many_arrived(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory("short")
    produce_raw(kafka_bootstrap, topic, [b"one", b"two"])
    assert [r.value for r in wait_for_records(kafka_bootstrap, topic, 2)] == [b"one", b"two"]
    with pytest.raises(TimeoutError, match="2 of 3 records"):
        wait_for_records(kafka_bootstrap, topic, 3, timeout_s=2.0)


def test_read_committed_sees_only_committed_transactions(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    topic = topic_factory("transactions")
    committed = KafkaProducer(bootstrap_servers=kafka_bootstrap, transactional_id=topic + "-1")
    committed.init_transactions()
    committed.begin_transaction()
    committed.send(topic, b"committed-1")
    committed.send(topic, b"committed-2")
    committed.commit_transaction()
    committed.begin_transaction()
    committed.send(topic, b"aborted").get(timeout=30)  # on the broker, then aborted
    committed.abort_transaction()
    committed.close()
    still_open = KafkaProducer(bootstrap_servers=kafka_bootstrap, transactional_id=topic + "-2")
    still_open.init_transactions()
    still_open.begin_transaction()
    still_open.send(topic, b"open").get(timeout=30)
    try:
        read_committed = consume_all(kafka_bootstrap, topic, isolation_level="read_committed")
        read_uncommitted = consume_all(kafka_bootstrap, topic)
    finally:
        still_open.abort_transaction()
        still_open.close()

    assert [r.value for r in read_committed] == [b"committed-1", b"committed-2"]
    assert [r.value for r in read_uncommitted] == [
        b"committed-1",
        b"committed-2",
        b"aborted",
        b"open",
    ]


@pytest.mark.slow
def test_stop_then_start_keeps_the_address_and_the_data(
    local_broker: LocalKafka, topic_factory: TopicFactory
) -> None:
    bootstrap = local_broker.bootstrap_servers
    topic = topic_factory("survives-restart", partitions=2, bootstrap=bootstrap)
    produce_raw(bootstrap, topic, [b"before-1", b"before-2"], [b"a", b"b"])

    local_broker.stop()
    assert not local_broker.is_running()
    assert describe_cluster(bootstrap, timeout_s=1.0) is None
    local_broker.start()

    assert local_broker.bootstrap_servers == bootstrap
    produce_raw(bootstrap, topic, [b"after"], [b"a"])
    values = sorted(r.value for r in consume_all(bootstrap, topic))
    assert values == [b"after", b"before-1", b"before-2"]


@pytest.mark.slow
def test_a_client_from_before_a_crash_reconnects_after_restart(
    local_broker: LocalKafka, topic_factory: TopicFactory
) -> None:
    bootstrap = local_broker.bootstrap_servers
    topic = topic_factory("survives-crash", bootstrap=bootstrap)
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", retries=50, reconnect_backoff_max_ms=1000
    )
    try:
        producer.send(topic, b"before-crash").get(timeout=30)
        local_broker.kill()
        assert not local_broker.is_running()
        local_broker.start()
        producer.send(topic, b"after-crash").get(timeout=60)
    finally:
        producer.close()
    assert [r.value for r in consume_all(bootstrap, topic)] == [b"before-crash", b"after-crash"]


def test_a_port_in_use_is_a_clear_error_before_any_jvm_starts(tmp_path: Path) -> None:
    with socket.socket() as occupied:
        occupied.bind(("127.0.0.1", 0))
        occupied.listen()
        port = occupied.getsockname()[1]
        broker = LocalKafka(tmp_path / "data", port=port, progress=None)
        with pytest.raises(BrokerStartError, match=f"port 127.0.0.1:{port} is already in use"):
            broker.start()
    assert not broker.is_running()
    assert not (tmp_path / "data" / "kafka-logs").exists()


@pytest.mark.slow
def test_a_broker_that_dies_at_start_shows_its_log_and_leaves_no_temp_dir() -> None:
    broken = LocalKafka(
        config_overrides={"metric.reporters": "chaff.NoSuchReporter"}, progress=None
    )
    with pytest.raises(BrokerStartError) as failure, broken:
        pytest.fail("a broker with an invalid setting must not start")
    message = str(failure.value)
    assert "exited during start-up" in message
    assert "chaff.NoSuchReporter" in message  # the broker's own complaint, from its log
    log_path = re.search(r"log (\S+server\.log)", message)
    assert log_path is not None
    assert not Path(log_path.group(1)).parent.exists()


def test_pom_and_lock_pin_the_same_kafka_release() -> None:
    lock = JarLock.load()
    assert pom_kafka_version() == lock.kafka_version
    assert f"kafka_2.13-{lock.kafka_version}.jar" in lock.jars
    assert lock.kafka_version.startswith("4.")
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in lock.jars.values())


def test_cached_jars_match_the_lock_and_a_changed_lock_is_refused(tmp_path: Path) -> None:
    jar_dir = ensure_jars(progress=None)
    verify_jars(jar_dir, JarLock.load())  # the real set passes

    tampered = json.loads(LOCK_PATH.read_text(encoding="utf-8"))
    victim = f"kafka-clients-{tampered['kafka_version']}.jar"
    tampered["jars"][victim] = "0" * 64
    tampered_lock = tmp_path / "kafka-jars.lock"
    tampered_lock.write_text(json.dumps(tampered), encoding="utf-8")

    with pytest.raises(JarVerificationError, match=rf"changed: {re.escape(victim)}"):
        ensure_jars(lock_path=tampered_lock, progress=None)


def test_verify_jars_names_missing_unexpected_and_changed_jars(tmp_path: Path) -> None:
    for name in ("a.jar", "b.jar", "c.jar"):
        (tmp_path / name).write_bytes(name.encode())
    lock = JarLock(kafka_version="4.0.0", jars=hash_jars(tmp_path))
    verify_jars(tmp_path, lock)

    (tmp_path / "a.jar").write_bytes(b"tampered")
    (tmp_path / "b.jar").unlink()
    shutil.copy(tmp_path / "c.jar", tmp_path / "extra.jar")

    with pytest.raises(JarVerificationError) as failure:
        verify_jars(tmp_path, lock)
    message = str(failure.value)
    assert "changed: a.jar" in message
    assert "missing: b.jar" in message
    assert "not in the lock: extra.jar" in message
    assert "chaff broker fetch" in message
