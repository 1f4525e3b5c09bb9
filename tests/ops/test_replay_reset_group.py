"""`chaff replay --reset-group` against a real broker: plan, refusal, and the move itself."""

from __future__ import annotations

import argparse
import io
import time

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka_helpers import TopicFactory, produce_raw

from worker.stream import replay

pytestmark = pytest.mark.broker


def run(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    replay.register(parser.add_subparsers())
    args = parser.parse_args(["replay", *argv])
    out = io.StringIO()
    return replay.run_replay(args, out=out), out.getvalue()


def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


def consume_and_commit(bootstrap: str, group: str, topic: str, expected: int) -> KafkaConsumer:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    seen = 0
    deadline = time.monotonic() + 30
    while seen < expected and time.monotonic() < deadline:
        seen += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
    assert seen == expected
    consumer.commit()
    return consumer


@pytest.fixture
def raw_topic(kafka_bootstrap: str, topic_factory: TopicFactory) -> str:
    topic = topic_factory("replay-raw", partitions=2)
    for partition in (0, 1):
        produce_raw(
            kafka_bootstrap, topic, [b"page %d" % i for i in range(10)], partition=partition
        )
    return topic


def test_dry_run_prints_the_plan_and_changes_nothing(kafka_bootstrap: str, raw_topic: str) -> None:
    group = f"g-{raw_topic}"
    consume_and_commit(kafka_bootstrap, group, raw_topic, 20).close()
    common = ["--bootstrap-servers", kafka_bootstrap, "--raw-topic", raw_topic, "--group-id", group]

    code, out = run(["--from-offset", "0:3,1:7", "--reset-group", "--dry-run", *common])

    assert code == 0
    assert f"{raw_topic}[0]: 10 -> 3 (7 records to reprocess)" in out
    assert f"{raw_topic}[1]: 10 -> 7 (3 records to reprocess)" in out
    assert "dry run: nothing changed" in out
    assert committed(kafka_bootstrap, group, raw_topic) == {0: 10, 1: 10}


def test_refuses_while_the_group_has_live_members(kafka_bootstrap: str, raw_topic: str) -> None:
    group = f"g-{raw_topic}"
    live = consume_and_commit(kafka_bootstrap, group, raw_topic, 20)
    try:
        common = ["--bootstrap-servers", kafka_bootstrap, "--raw-topic", raw_topic]
        code, out = run(["--from-offset", "0", "--reset-group", "--group-id", group, *common])
    finally:
        live.close()
    assert code == replay.EXIT_REFUSED
    assert "refused" in out and "1 live member(s)" in out
    assert committed(kafka_bootstrap, group, raw_topic) == {0: 10, 1: 10}


def test_moves_offsets_by_offset_and_by_time(kafka_bootstrap: str, raw_topic: str) -> None:
    group = f"g-{raw_topic}"
    consume_and_commit(kafka_bootstrap, group, raw_topic, 20).close()
    common = ["--bootstrap-servers", kafka_bootstrap, "--raw-topic", raw_topic, "--group-id", group]

    code, out = run(["--from-offset", "1:4", "--reset-group", *common])
    assert code == 0, out
    assert committed(kafka_bootstrap, group, raw_topic) == {0: 10, 1: 4}

    code, out = run(["--since", "1h", "--reset-group", *common])
    assert code == 0, out
    assert committed(kafka_bootstrap, group, raw_topic) == {0: 0, 1: 0}

    # A worker in the group now starts where the reset put it.
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group)
    try:
        tp = TopicPartition(raw_topic, 1)
        assert consumer.committed(tp) == 0
    finally:
        consumer.close()
