"""worker.stream.kafka_copies: kafka-python's fetch and produce paths without their extra
copies give the same records, byte for byte, as kafka-python's own code: in batches built
with every codec, and through a real broker."""

from __future__ import annotations

import os
from typing import Any

import pytest
from kafka import KafkaProducer
from kafka.record import MemoryRecords, MemoryRecordsBuilder
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka_helpers import TopicFactory, consume_all

from worker.stream import kafka_copies, socket_reads

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
# (key, value, headers): None key and value, empty ones, a header with a None value, a
# value over the worker's 1 MiB mmap threshold, incompressible and compressible bytes.
RECORDS: list[tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]]]] = [
    (b"site.example", b'{"url": "https://site.example/a", "body": "<p>hi</p>"}', []),
    (None, b"", [("trace", b"\x00\x01"), ("empty", None), ("\u00e9t\u00e9", b"")]),
    (b"", None, []),
    (b"k", os.urandom(300_000), [("h", b"v")]),
    (b"big", b"<div>article text </div>" * 60_000, []),
]


def build_batch(codec: str) -> bytes:
    builder = MemoryRecordsBuilder(magic=2, compression_type=CODECS[codec], batch_size=1 << 24)
    for index, (key, value, headers) in enumerate(RECORDS):
        assert builder.append(1_700_000_000_000 + index, key, value, headers) is not None
    builder.close()
    return bytes(builder.buffer())


def read_batch(data: bytes) -> list[tuple[Any, ...]]:
    records = MemoryRecords(data)
    batch = records.next_batch()
    assert batch is not None and records.next_batch() is None
    assert batch.validate_crc()
    return [
        (r.offset, r.timestamp, r.key, r.value, r.headers, type(r.key), type(r.value))
        for r in batch
    ]


def test_installs_on_this_kafka_python() -> None:
    assert kafka_copies.install()
    assert DefaultRecordBatch._read_msg is kafka_copies._read_msg
    assert DefaultRecordBatchBuilder._maybe_compress is kafka_copies._maybe_compress


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_batches_read_and_built_as_kafka_python_does(
    codec: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kafka_copies.install()
    ours_built = build_batch(codec)
    ours_read = read_batch(ours_built)
    with monkeypatch.context() as original:
        for (owner, name), method in kafka_copies.KAFKA_PYTHON.items():
            original.setattr(owner, name, method)
        theirs_built = build_batch(codec)
        theirs_read_ours = read_batch(ours_built)
        theirs_read = read_batch(theirs_built)
    assert ours_read == theirs_read == theirs_read_ours
    assert [row[2:5] for row in ours_read] == [
        (key, value, headers) for key, value, headers in RECORDS
    ]
    assert all(row[5:] == (type(row[2]), type(row[3])) for row in ours_read)
    assert {row[5] for row in ours_read} | {row[6] for row in ours_read} <= {bytes, type(None)}
    if codec != "gzip":  # gzip writes the time into its header
        assert ours_built == theirs_built
    if codec != "none":
        assert len(ours_built) < sum(len(value or b"") for _, value, _ in RECORDS)


def test_a_corrupt_record_is_still_reported() -> None:
    assert kafka_copies.install()
    from kafka.errors import CorruptRecordError

    data = bytearray(build_batch("none"))
    data[61] = 0x7E  # the first record's length varint: 63, past what it holds
    batch = MemoryRecords(bytes(data)).next_batch()
    with pytest.raises(CorruptRecordError):
        list(batch)


@pytest.mark.parametrize("codec", ["none", "zstd", "lz4"])
def test_records_come_through_a_broker_unchanged(
    codec: str, kafka_bootstrap: str, topic_factory: TopicFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kafka_copies.install() and socket_reads.install()  # as the worker's clients
    from kafka.consumer import fetcher

    fetched_as: list[type] = []

    def memory_records(records: Any) -> MemoryRecords:
        fetched_as.append(type(records))
        return MemoryRecords(records)

    monkeypatch.setattr(fetcher, "MemoryRecords", memory_records)
    topic = topic_factory("kafka-copies", config={"max.message.bytes": str(8 * 1024 * 1024)})
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap,
        compression_type=None if codec == "none" else codec,
        max_request_size=8 * 1024 * 1024,
        batch_size=1024 * 1024,
        linger_ms=20,
    )
    # Several fetch responses' worth: frames split across socket reads, several batches.
    # (kafka-python's producer takes no None header value.)
    sent = [
        (key, value, [(name, data or b"") for name, data in headers])
        for _ in range(6)
        for key, value, headers in RECORDS
    ]
    for key, value, headers in sent:
        producer.send(topic, value=value, key=key, headers=headers)
    producer.flush()
    producer.close()
    received = consume_all(kafka_bootstrap, topic)
    assert [(r.key, r.value, r.headers) for r in received] == sent
    assert all(type(r.value) in (bytes, type(None)) for r in received)
    assert fetched_as and set(fetched_as) == {memoryview}  # the records field: a view
