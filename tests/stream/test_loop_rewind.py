"""What the loop rewinds when a send fails (no broker: fakes; tests/faults prove the
guarantees against a real one)."""

from __future__ import annotations

from kafka.errors import KafkaTimeoutError
from kafka.structs import TopicPartition
from loop_fakes import TP, FakeConsumer, FakeProducer, page

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
