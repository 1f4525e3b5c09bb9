"""The loop drops a batch's records and outputs before it trims the heap (no broker: fakes)."""

from __future__ import annotations

import weakref

from loop_fakes import TP, FakeConsumer, FakeProducer, page

from worker.config import Settings
from worker.ops.memory import MemoryTrimmer
from worker.stream.loop import StopFlag, WorkerLoop
from worker.stream.observer import LoopObserver


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
        consumer_factory=lambda settings, listener, member: consumer,
        producer_factory=lambda settings, member: FakeProducer(),
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
