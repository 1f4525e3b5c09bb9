"""Small, strict Kafka helpers for tests: read a topic completely, write raw bytes, make topics.

Import them in any test module as `from kafka_helpers import consume_all, produce_raw`
(tests/ is on sys.path because tests/conftest.py lives there). They never return partial
results quietly: not reaching the end of a topic in time is a TimeoutError.
"""

from __future__ import annotations

import re
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.producer.future import RecordMetadata

DEFAULT_TIMEOUT_S = 30.0


def consume_all(
    bootstrap: str,
    topic: str,
    *,
    isolation_level: str = "read_uncommitted",
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[ConsumerRecord]:
    """Every record of `topic` from the beginning up to the current end of each partition.

    "End" is the high watermark, or with isolation_level="read_committed" the last stable
    offset (so an open transaction's records are neither returned nor waited for). No
    consumer group is used and nothing is committed. Records come sorted by (partition,
    offset). Raises TimeoutError if the end is not reached within `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    consumer = _reader(bootstrap, isolation_level)
    try:
        partitions = _assign_from_beginning(consumer, topic, deadline)
        records: list[ConsumerRecord] = []
        while True:
            end_offsets = consumer.end_offsets(partitions)
            behind = {
                tp.partition: (consumer.position(tp), end_offsets[tp])
                for tp in partitions
                if consumer.position(tp) < end_offsets[tp]
            }
            if not behind:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"consume_all({topic!r}): not at the end after {timeout_s} s; "
                    f"partition: (position, end) = {behind}; {len(records)} records read"
                )
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
    finally:
        consumer.close()
    return sorted(records, key=lambda record: (record.partition, record.offset))


def wait_for_end_offsets(
    bootstrap: str, topic: str, count: int, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> int:
    """Once `topic`'s partitions' end offsets add up to `count` or more, that sum: a cheap
    way to act the moment a writer is that far (wait_for_records reads every record each
    time, long enough for a fast writer to finish). Raises TimeoutError if not in time."""
    deadline = time.monotonic() + timeout_s
    consumer = _reader(bootstrap, "read_uncommitted")
    try:
        partitions = _assign_from_beginning(consumer, topic, deadline)
        while True:
            written = sum(consumer.end_offsets(partitions).values())
            if written >= count:
                return written
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"wait_for_end_offsets({topic!r}): {written} of {count} after {timeout_s} s"
                )
            time.sleep(0.02)
    finally:
        consumer.close()


def wait_for_records(
    bootstrap: str,
    topic: str,
    count: int,
    *,
    isolation_level: str = "read_uncommitted",
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[ConsumerRecord]:
    """All records of `topic` once there are at least `count` (for output still being written).

    Raises TimeoutError, saying how many arrived, if fewer than `count` exist by `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = max(deadline - time.monotonic(), 1.0)
        records = consume_all(
            bootstrap, topic, isolation_level=isolation_level, timeout_s=remaining
        )
        if len(records) >= count:
            return records
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"wait_for_records({topic!r}): {len(records)} of {count} records "
                f"after {timeout_s} s"
            )
        time.sleep(0.25)


def produce_raw(
    bootstrap: str,
    topic: str,
    values: Sequence[bytes | None],
    keys: Sequence[bytes | None] | None = None,
    *,
    headers: Sequence[tuple[str, bytes]] | None = None,
    partition: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[RecordMetadata]:
    """Write `values` (raw bytes, no serializer) with `keys[i]` as key; return their metadata.

    Every record is acknowledged by the broker (acks=all) before this returns, in order.
    """
    if keys is not None and len(keys) != len(values):
        raise ValueError(f"produce_raw: {len(keys)} keys for {len(values)} values")
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = [
            producer.send(
                topic,
                value=value,
                key=None if keys is None else keys[index],
                headers=list(headers or []),
                partition=partition,
            )
            for index, value in enumerate(values)
        ]
        producer.flush(timeout=timeout_s)
        return [future.get(timeout=timeout_s) for future in futures]
    finally:
        producer.close(timeout=timeout_s)


class TopicFactory:
    """Creates uniquely named topics (waiting until every partition has a leader) and
    remembers them so the session can delete them at the end. Used via the
    `topic_factory` fixture:

        raw = topic_factory("raw", partitions=3)
        raw, articles = topic_factory.many("raw", "articles", partitions=2)
        other = topic_factory("raw", bootstrap=local_broker.bootstrap_servers)
    """

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._created: dict[str, list[str]] = {}

    def __call__(
        self,
        prefix: str = "topic",
        *,
        partitions: int = 1,
        config: Mapping[str, str] | None = None,
        bootstrap: str | None = None,
    ) -> str:
        return self.many(prefix, partitions=partitions, config=config, bootstrap=bootstrap)[0]

    def many(
        self,
        *prefixes: str,
        partitions: int = 1,
        config: Mapping[str, str] | None = None,
        bootstrap: str | None = None,
    ) -> list[str]:
        """One new topic per prefix, created in one request."""
        names = [unique_topic_name(prefix) for prefix in prefixes]
        return self.create(names, partitions=partitions, config=config, bootstrap=bootstrap)

    def create(
        self,
        names: list[str],
        *,
        partitions: int = 1,
        config: Mapping[str, str] | None = None,
        bootstrap: str | None = None,
    ) -> list[str]:
        """These topics, by name (unique_topic_name gives one), created in one request."""
        bootstrap = bootstrap or self.bootstrap
        with admin_client(bootstrap) as admin:
            admin.create_topics(
                [NewTopic(name, partitions, 1, topic_configs=dict(config or {})) for name in names]
            )
            self._created.setdefault(bootstrap, []).extend(names)
            wait_for_topics(admin, names, partitions)
        return names

    def delete_created(self) -> None:
        """Delete every topic made here; failures are warnings (the broker may be gone)."""
        for bootstrap, names in self._created.items():
            try:
                with admin_client(bootstrap) as admin:
                    admin.delete_topics(names, timeout_ms=10_000)
            except Exception as error:  # teardown must go on; say what was left
                warnings.warn(
                    f"could not delete {len(names)} test topics on {bootstrap}: {error}",
                    stacklevel=1,
                )
        self._created.clear()


def unique_topic_name(prefix: str) -> str:
    """`prefix` made a legal topic name, plus a random suffix: tests never share a topic."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", prefix)[:180] or "topic"
    return f"{safe}-{uuid.uuid4().hex[:12]}"


def wait_for_topics(
    admin: KafkaAdminClient,
    names: Sequence[str],
    partitions: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Until every partition of every topic has a leader (producing before that fails)."""
    deadline = time.monotonic() + timeout_s
    while True:
        pending = [
            description["name"]
            for description in admin.describe_topics(list(names))
            if not _topic_ready(description, partitions)
        ]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without a leader after {timeout_s} s: {pending}")
        time.sleep(0.1)


def _topic_ready(description: Mapping[str, Any], partitions: int) -> bool:
    found = description.get("partitions") or []
    return (
        description.get("error_code") == 0
        and len(found) == partitions
        and all(p.get("error_code") == 0 and p.get("leader_id", -1) >= 0 for p in found)
    )


@contextmanager
def admin_client(bootstrap: str) -> Iterator[KafkaAdminClient]:
    # A fresh client per use: a cached one keeps a dead connection across broker restarts.
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="chaff-tests")
    try:
        yield admin
    finally:
        admin.close()


def _reader(bootstrap: str, isolation_level: str) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level=isolation_level,
        client_id="chaff-tests-reader",
    )


def _assign_from_beginning(
    consumer: KafkaConsumer, topic: str, deadline: float
) -> list[TopicPartition]:
    while True:
        partition_ids = consumer.partitions_for_topic(topic)
        if partition_ids:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic!r} does not exist (no partitions in the metadata)")
        time.sleep(0.1)
    partitions = [TopicPartition(topic, partition) for partition in sorted(partition_ids)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    return partitions
