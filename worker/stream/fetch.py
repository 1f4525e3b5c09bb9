"""One record read off a topic by its partition and offset (for `chaff inspect`).

It connects with the same settings as every other command (worker.config,
kafka_client.client_options), checks the connection first, joins no group and commits
nothing. An offset the partition does not hold says why: not written yet, or deleted by
retention.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from worker.config import Settings
from worker.core.records import Source
from worker.stream.kafka_client import (
    EXIT_CONFIG,
    KafkaSetupError,
    check_connection,
    client_options,
    explain,
)

EXIT_FATAL = 1  # a Kafka error other than a setting or an ACL (commands.EXIT_FATAL)


class RecordNotFound(Exception):
    """The topic, partition or offset does not hold a record; the message says why."""


@dataclass(frozen=True, slots=True)
class FetchedRecord:
    value: bytes | None  # None: a tombstone
    source: Source


def fetch_record(
    settings: Settings, topic: str, partition: int, offset: int, timeout_s: float = 30.0
) -> FetchedRecord:
    """The record at `offset` of `topic`'s `partition`, raw. KafkaSetupError when the
    cluster cannot be reached with these settings, RecordNotFound when it has no such
    record."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    if partition < 0 or offset < 0:
        raise KafkaSetupError("--partition and --offset are 0 or more", EXIT_CONFIG)
    check_connection(settings)
    try:
        consumer = KafkaConsumer(
            **client_options(settings),
            group_id=None,
            enable_auto_commit=False,
            # Uncommitted transactional records are what the worker would not read either.
            isolation_level="read_committed",
            max_partition_fetch_bytes=16 * 1024 * 1024,
        )
    except KafkaError as error:
        raise _setup_error(error, settings) from None
    try:
        return _read(consumer, topic, partition, offset, timeout_s)
    except KafkaError as error:
        raise _setup_error(error, settings) from None
    finally:
        consumer.close()


def _setup_error(error: Exception, settings: Settings) -> KafkaSetupError:
    return explain(error, settings) or KafkaSetupError(
        f"{type(error).__name__}: {error}", EXIT_FATAL
    )


def _read(
    consumer: Any, topic: str, partition: int, offset: int, timeout_s: float
) -> FetchedRecord:
    from kafka import TopicPartition

    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise RecordNotFound(f"topic {topic!r} does not exist")
    if partition not in partitions:
        raise RecordNotFound(
            f"topic {topic!r} has no partition {partition} (it has 0-{max(partitions)})"
        )
    tp = TopicPartition(topic, partition)
    first = int(consumer.beginning_offsets([tp])[tp])
    end = int(consumer.end_offsets([tp])[tp])
    if offset >= end:
        raise RecordNotFound(
            f"{topic}-{partition} has no offset {offset} yet: its next offset is {end}"
        )
    if offset < first:
        raise RecordNotFound(
            f"{topic}-{partition} no longer holds offset {offset}: retention deleted it "
            f"(its earliest offset is {first})"
        )
    consumer.assign([tp])
    consumer.seek(tp, offset)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for record in consumer.poll(timeout_ms=500).get(tp, []):
            if record.offset == offset:
                timestamp = record.timestamp if (record.timestamp or -1) >= 0 else None
                source = Source(topic, partition, offset, timestamp, record.key)
                return FetchedRecord(record.value, source)
            if record.offset > offset:
                # A compacted topic, a transaction marker or an aborted record.
                raise RecordNotFound(
                    f"{topic}-{partition} holds no record at offset {offset} (compacted "
                    f"away, or a transaction's marker or aborted record); the next is "
                    f"{record.offset}"
                )
        if consumer.position(tp) >= end:
            break
    raise RecordNotFound(
        f"{topic}-{partition}: offset {offset} was not read within {timeout_s:.0f} s"
    )
