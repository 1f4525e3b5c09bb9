"""What the exactly-once loop commits when its sends fail (no broker: fakes; tests/faults
prove the guarantees against a real one)."""

from __future__ import annotations

import pytest
from kafka.errors import InvalidProducerEpochError, KafkaError, KafkaTimeoutError
from loop_fakes import TP, FakeConsumer, FakeProducer, page

from worker.config import Settings
from worker.stream.loop import FatalLoopError, StopFlag, WorkerLoop
from worker.stream.observer import LoopObserver


class Failed:
    """A send the broker refused: get() raises, as kafka-python's future does."""

    def __init__(self, error: KafkaError) -> None:
        self.error = error

    def get(self, timeout: float | None = None) -> None:
        raise self.error


class TransactionalProducer(FakeProducer):
    """Every send fails with `error`, and commit_transaction() returns anyway: what
    kafka-python 3.0.12 does when no send of the transaction succeeded."""

    def __init__(self, error: KafkaError) -> None:
        super().__init__()
        self.error = error
        self.calls: list[str] = []

    def send(self, topic: str, key: bytes, value: bytes) -> Failed:  # type: ignore[override]
        self.sent.append((topic, key))
        return Failed(self.error)

    def begin_transaction(self) -> None:
        self.calls.append("begin")

    def send_offsets_to_transaction(self, offsets: object, group: object) -> None:
        self.calls.append("offsets")

    def commit_transaction(self) -> None:
        self.calls.append("commit")

    def abort_transaction(self) -> None:
        self.calls.append("abort")


def run_exactly_once(consumer: FakeConsumer, producer: FakeProducer) -> None:
    WorkerLoop(
        Settings.from_env(raw_topic="raw", exactly_once=True),
        LoopObserver(),
        consumer.stop,
        consumer_factory=lambda settings, listener, member: consumer,
        producer_factory=lambda settings, member: producer,
    ).run()


def test_a_fenced_send_ends_the_worker_without_committing_the_batch() -> None:
    """The CI failure of 2026-12-02: after a broker outage every send failed with
    InvalidProducerEpochError and commit_transaction() returned, so the loop took the batch
    for done and idled while its 50 inputs had no outcome. Now the failed sends are seen
    first: the transaction is aborted, no offsets are sent, and the worker ends (exit 1)
    to be restarted from the committed offsets."""
    consumer = FakeConsumer([page(0), page(1)], StopFlag())
    producer = TransactionalProducer(InvalidProducerEpochError())
    with pytest.raises(FatalLoopError, match="InvalidProducerEpoch"):
        run_exactly_once(consumer, producer)
    assert producer.sent, "the batch was sent"
    assert producer.calls == ["begin", "abort"]


def test_a_timed_out_send_aborts_and_rewinds_the_batch() -> None:
    consumer = FakeConsumer([page(0), page(1)], StopFlag())
    producer = TransactionalProducer(KafkaTimeoutError("no acknowledgement"))
    run_exactly_once(consumer, producer)
    assert producer.calls == ["begin", "abort"]
    assert consumer.seeks == {TP: 0}, "the batch is processed again"
