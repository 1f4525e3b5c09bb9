"""Stand-ins for kafka-python's consumer and producer, for tests of the worker loop's own
bookkeeping (what it holds, sends, commits and rewinds, and when). Everything about Kafka
itself is tested against a real broker (tests/stream/test_end_to_end.py, tests/faults)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from kafka.structs import TopicPartition

from worker.stream.loop import StopFlag

TP = TopicPartition("raw", 0)


@dataclass(eq=False)
class Record:
    """What the loop reads of a kafka-python ConsumerRecord (and weak-referenceable)."""

    offset: int
    value: bytes
    topic: str = TP.topic
    partition: int = TP.partition
    timestamp: int = 1_764_000_000_000
    key: bytes | None = None


class Done:
    def get(self, timeout: float | None = None) -> None:
        return None


class FakeProducer:
    """Acknowledges every send at once; `on_send` runs first (and may raise, as a send can)."""

    def __init__(self, on_send: Callable[[], None] = lambda: None) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.on_send = on_send

    def send(self, topic: str, key: bytes, value: bytes) -> Done:
        self.on_send()
        self.sent.append((topic, key))  # not the value: only the loop may hold that
        return Done()

    def flush(self, timeout: float | None = None) -> None:
        pass

    def close(self, timeout: float | None = None) -> None:
        pass


class FakeConsumer:
    """One poll returns the batch (records of TP, or records by partition), the next stops
    the loop. Its partitions are the assignment; seeks are recorded."""

    def __init__(
        self, records: list[Record] | dict[TopicPartition, list[Record]], stop: StopFlag
    ) -> None:
        batch = records if isinstance(records, dict) else {TP: records}
        self.assigned = set(batch)
        self.batch: dict[TopicPartition, list[Record]] | None = batch
        self.stop = stop
        self.committed: list[dict[TopicPartition, Any]] = []
        self.seeks: dict[TopicPartition, int] = {}

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Record]]:
        if self.batch is None:
            self.stop.set()
            return {}
        batch, self.batch = self.batch, None
        return batch

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks[tp] = offset

    def highwater(self, tp: TopicPartition) -> int | None:
        return None  # not known: the loop measures no lag

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.committed.append(offsets)


def page(offset: int, partition: int = TP.partition) -> Record:
    body = "\n\n".join(f"Paragraph {i} of a long article about memory." * 20 for i in range(50))
    value = orjson.dumps({"url": f"https://example.com/{offset}", "body": body})
    return Record(offset, value, partition=partition)
