"""A bounded replay reads exactly [from, to) of each partition and stops by itself."""

from __future__ import annotations

import io
from typing import Any

import pytest
from kafka_helpers import TopicFactory, consume_all, produce_raw

from worker.config import Settings
from worker.stream import replay, replay_positions
from worker.stream.replay_kafka import ReplayKafka

pytestmark = pytest.mark.broker


def test_bounded_replay_reads_exactly_the_range_and_stops(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    raw, echo = topic_factory.many("rb-raw", "rb-echo", partitions=2)
    for partition in (0, 1):
        values = [b"%d/%d" % (partition, offset) for offset in range(10)]
        produce_raw(kafka_bootstrap, raw, values, partition=partition)
    settings = Settings(bootstrap_servers=kafka_bootstrap, raw_topic=raw)

    def echo_processor(record: Any) -> list[replay.Output]:
        return [(echo, None, record.value)]

    kafka = ReplayKafka(settings, raw)
    try:
        result = replay.bounded_replay(
            settings,
            kafka,
            replay_positions.parse_offsets(["0:2,1:5"]),
            replay_positions.parse_offsets(["0:6,1:8"]),
            f"replay-{raw}",
            echo_processor,
            io.StringIO(),
        )
    finally:
        kafka.close()

    assert result.records_read == 7
    assert result.outputs_by_topic == {echo: 7}
    echoed = sorted(record.value for record in consume_all(kafka_bootstrap, echo))
    assert echoed == sorted([b"0/2", b"0/3", b"0/4", b"0/5", b"1/5", b"1/6", b"1/7"])
