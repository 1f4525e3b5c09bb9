"""The loop drops a batch's records and outputs before it trims the heap (no broker: fakes)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import orjson
from kafka.structs import TopicPartition

from worker.config import Settings
from worker.ops.memory import MemoryTrimmer
from worker.stream.loop import StopFlag, WorkerLoop
from worker.stream.observer import LoopObserver

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
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> Done:
        self.sent.append((topic, key))  # not the value: only the loop may hold that
        return Done()

    def flush(self, timeout: float | None = None) -> None:
        pass

    def close(self, timeout: float | None = None) -> None:
        pass


class FakeConsumer:
    """One poll returns the batch, the next stops the loop."""

    def __init__(self, records: list[Record], stop: StopFlag) -> None:
        self.records: list[Record] | None = records
        self.stop = stop
        self.committed: list[dict[TopicPartition, Any]] = []

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Record]]:
        if self.records is None:
            self.stop.set()
            return {}
        records, self.records = self.records, None
        return {TP: records}

    def assignment(self) -> set[TopicPartition]:
        return set()

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.committed.append(offsets)


def page(offset: int) -> Record:
    body = "\n\n".join(f"Paragraph {i} of a long article about memory." * 20 for i in range(50))
    value = orjson.dumps({"url": f"https://example.com/{offset}", "body": body})
    return Record(offset, value)


def test_the_batch_is_garbage_when_the_loop_trims() -> None:
    stop = StopFlag()
    records = [page(offset) for offset in range(3)]
    alive = [weakref.ref(record) for record in records]
    input_bytes = sum(len(record.value) for record in records)
    consumer = FakeConsumer(records, stop)
    del records
    loop = WorkerLoop(
        Settings.from_env(raw_topic=TP.topic),
        LoopObserver(),
        stop,
        consumer_factory=lambda settings, listener: consumer,
        producer_factory=lambda settings, index: FakeProducer(),
    )
    seen_at_trim: list[int] = []
    loop.trimmer = MemoryTrimmer(
        lambda: seen_at_trim.append(sum(ref() is not None for ref in alive)),
        after_batch_bytes=input_bytes,
    )
    loop.run()
    assert consumer.committed == [{TP: consumer.committed[0][TP]}]
    assert consumer.committed[0][TP].offset == 3
    assert seen_at_trim == [0]  # trimmed once, with no record of the batch still alive
