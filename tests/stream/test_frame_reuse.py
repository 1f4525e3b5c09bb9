"""worker.stream.frame_reuse: a large response frame is handed out again only when nothing
refers to it any more, and records read through reused frames are the records sent."""

from __future__ import annotations

import os
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.protocol import parser
from kafka.protocol.frame import KafkaBytes
from kafka_helpers import TopicFactory

from worker.stream import frame_reuse, kafka_copies, socket_reads
from worker.stream.loop_clients import FETCH_MAX_BYTES, MAX_REQUEST_BYTES

LARGE = frame_reuse.REUSE_MIN_BYTES


@pytest.fixture()
def fresh_spare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frame_reuse, "_spare", type(frame_reuse._spare)())


def test_installs_on_this_kafka_python() -> None:
    assert frame_reuse.install()
    assert parser.KafkaBytes is frame_reuse._frame


@pytest.mark.usefixtures("fresh_spare")
def test_an_idle_large_frame_is_handed_out_again_at_its_new_size() -> None:
    first = frame_reuse._frame(2 * LARGE)
    first.write(b"previous response")
    first_id = id(first)
    del first  # the parser and the response are done with it
    again = frame_reuse._frame(LARGE + 5)
    assert id(again) == first_id and type(again) is KafkaBytes
    assert len(again) == LARGE + 5 and again.tell() == 0
    # Small frames are kafka-python's own, zero-filled, and never kept.
    small = frame_reuse._frame(64)
    assert bytes(small) == bytes(64) and small is not frame_reuse._frame(64)


@pytest.mark.usefixtures("fresh_spare")
def test_a_frame_still_referred_to_is_never_refilled() -> None:
    first = frame_reuse._frame(LARGE)
    first.write(b"records still being read")
    view = memoryview(first)[:24]  # the fetch response's records field
    second = frame_reuse._frame(LARGE)
    assert second is not first
    assert bytes(view) == b"records still being read"
    view.release()
    holder = [second]  # a response object holding the frame itself
    del second
    third = frame_reuse._frame(LARGE)
    assert third is not holder[0] and third is not first
    assert bytes(first[:24]) == b"records still being read"


def test_records_through_reused_frames_are_the_records_sent(
    kafka_bootstrap: str, topic_factory: TopicFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert socket_reads.install() and kafka_copies.install() and frame_reuse.install()
    monkeypatch.setattr(frame_reuse, "_spare", type(frame_reuse._spare)())
    resized: list[int] = []
    real_resize = frame_reuse._resize

    def counting_resize(frame: Any, nbytes: int) -> int:
        resized.append(nbytes)
        return int(real_resize(frame, nbytes))

    monkeypatch.setattr(frame_reuse, "_resize", counting_resize)
    topic = topic_factory(
        "frame-reuse", partitions=3, config={"max.message.bytes": str(MAX_REQUEST_BYTES)}
    )
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap, max_request_size=MAX_REQUEST_BYTES, linger_ms=20
    )
    # ~40 MB of distinct bytes in three partitions: fetch responses of up to 8 MiB, each a
    # large frame, and a partition fetched again while another one's records, views of the
    # previous frame, are still being read (few records a poll). A byte of another response
    # written over them would show in a value.
    sent = [os.urandom(100_000 + 37_000 * (index % 23)) for index in range(160)]
    for index, value in enumerate(sent):
        producer.send(topic, value=value, key=b"%d" % index, partition=index % 3)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        enable_auto_commit=False,
        max_partition_fetch_bytes=MAX_REQUEST_BYTES,
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_poll_records=3,
    )
    received: list[bytes] = []
    try:
        consumer.assign([TopicPartition(topic, partition) for partition in range(3)])
        consumer.seek_to_beginning()
        for _ in range(2000):
            if len(received) >= len(sent):
                break
            for records in consumer.poll(timeout_ms=200).values():
                received.extend(record.value for record in records)
    finally:
        consumer.close()
    assert sorted(received) == sorted(sent)
    assert resized  # frames were reused, not only allocated
