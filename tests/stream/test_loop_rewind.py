"""What the loop rewinds when a send fails (no broker: fakes; tests/faults prove the
guarantees against a real one)."""

from __future__ import annotations

import pytest
from kafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    UnsupportedVersionError,
)
from kafka.structs import TopicPartition
from loop_fakes import TP, FakeConsumer, FakeProducer, Record, page

from worker.config import Settings
from worker.stream.loop import StopFlag, WorkerLoop
from worker.stream.observer import LoopObserver


def run_loop(consumer: FakeConsumer, producer: FakeProducer, observer: LoopObserver) -> None:
    loop = WorkerLoop(
        Settings.from_env(raw_topic=TP.topic),
        observer,
        consumer.stop,
        consumer_factory=lambda settings, listener, member: consumer,
        producer_factory=lambda settings, member: producer,
    )
    loop.run()


def test_a_failed_send_rewinds_every_partition_of_the_batch() -> None:
    """The batch's first send fails: both partitions' records were polled (the consumer's
    position is past them all), so both are rewound, and nothing is committed."""
    other = TopicPartition(TP.topic, TP.partition + 1)
    batch = {
        TP: [page(0), page(1)],
        other: [page(10, other.partition), page(11, other.partition)],
    }
    consumer = FakeConsumer(batch, StopFlag())

    def time_out() -> None:
        raise KafkaTimeoutError("buffer full")

    run_loop(consumer, FakeProducer(on_send=time_out), LoopObserver())
    assert consumer.seeks == {TP: 0, other: 10}
    assert consumer.committed == []


class UnreachableFirst(FakeConsumer):
    """A consumer whose first polls fail as kafka-python 3's do while no broker answers
    (it looks for the group's coordinator and gets ECONNREFUSED), then recovers."""

    def __init__(self, failures: list[Exception], records: list[Record], stop: StopFlag) -> None:
        super().__init__(records, stop)
        self.failures = failures

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Record]]:
        if self.failures:
            raise self.failures.pop(0)
        return super().poll(timeout_ms)


class ErrorLog(LoopObserver):
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def on_error(self, stage: str, error: BaseException) -> None:  # type: ignore[override]
        self.errors.append((stage, type(error).__name__))


def test_a_poll_that_finds_no_broker_is_retried_and_the_batch_goes_through() -> None:
    """A broker restart: the loop waits out the failed polls (reporting each), then
    processes and commits the batch the next poll returns."""
    unreachable = [KafkaConnectionError("111 ECONNREFUSED"), NodeNotReadyError("0")]
    consumer = UnreachableFirst(unreachable, [page(0), page(1)], StopFlag())
    producer = FakeProducer()
    observer = ErrorLog()
    run_loop(consumer, producer, observer)
    assert observer.errors == [("poll", "KafkaConnectionError"), ("poll", "NodeNotReadyError")]
    assert len({key for _, key in producer.sent}) == 2  # both pages went out
    assert consumer.committed and consumer.committed[-1][TP].offset == 2


def test_a_poll_error_that_retrying_cannot_fix_still_ends_the_loop() -> None:
    consumer = UnreachableFirst([UnsupportedVersionError("no")], [page(0)], StopFlag())
    with pytest.raises(UnsupportedVersionError):
        run_loop(consumer, FakeProducer(), LoopObserver())
