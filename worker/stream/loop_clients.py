"""The Kafka clients of one worker loop: its consumer (in the group, read_committed) and
its producer (idempotent; transactional in exactly-once mode), with the sizes and time
bounds they are built with."""

from __future__ import annotations

import socket
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer

from worker.config import Settings
from worker.stream.frame_reuse import install as install_frame_reuse
from worker.stream.kafka_client import client_options
from worker.stream.kafka_copies import install as install_fewer_copies
from worker.stream.socket_reads import install as install_socket_reads

# Kafka's default message.max.bytes is ~1 MiB; our topics allow more (see topics.py).
MAX_REQUEST_BYTES = 8 * 1024 * 1024
# Bytes one fetch response may carry. kafka-python reads a response into one buffer, and a
# batch holds its records and their outputs until the commit: a 32 MiB bound made catch-up
# batches ~100 MB live, which glibc then kept. A record larger than this still comes
# through (the broker always returns at least one record batch).
FETCH_MAX_BYTES = MAX_REQUEST_BYTES
# kafka-python's default batch_size (16 KiB) is under one page's reject record, so every
# output was a batch of its own; a batch's buffer grows as records come (docs/measurements.md).
PRODUCE_BATCH_BYTES = 1024 * 1024
# A killed transactional worker blocks read_committed readers of its partitions until its
# open transaction times out; keep that bound short (a batch takes well under a second).
TRANSACTION_TIMEOUT_MS = 15_000
PRODUCE_TIMEOUT_S = 60.0


def default_member(settings: Settings, process_index: int) -> str:
    """The name of a loop started without a claimed identity (worker.stream.identity)."""
    return f"{settings.instance_id or socket.gethostname()}-{process_index}"


def transactional_id(settings: Settings, member: str) -> str:
    """Stable per worker slot: a restarted worker aborts its dead predecessor's transaction
    at once instead of leaving readers blocked until the transaction timeout."""
    return f"{settings.group_id}-{member}"


def make_consumer(
    settings: Settings, listener: ConsumerRebalanceListener, member: str
) -> KafkaConsumer:
    session_ms = int(settings.session_timeout_s * 1000)
    install_socket_reads()
    install_fewer_copies()
    install_frame_reuse()
    consumer = KafkaConsumer(
        **client_options(settings),
        group_id=settings.group_id,
        client_id=f"chaff-{socket.gethostname()}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=settings.max_poll_records,
        max_partition_fetch_bytes=MAX_REQUEST_BYTES,
        fetch_max_bytes=FETCH_MAX_BYTES,
        group_instance_id=member if settings.static_membership else None,
        session_timeout_ms=session_ms,
        heartbeat_interval_ms=max(100, min(3000, session_ms // 3)),
    )
    consumer.subscribe([settings.raw_topic], listener=listener)
    return consumer


def make_producer(settings: Settings, member: str) -> KafkaProducer:
    options: dict[str, Any] = {
        **client_options(settings),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "batch_size": PRODUCE_BATCH_BYTES,
        "max_request_size": MAX_REQUEST_BYTES,
        "retries": 2**31 - 1,
        "delivery_timeout_ms": int(PRODUCE_TIMEOUT_S * 1000),
        "compression_type": settings.kafka_compression,
    }
    install_socket_reads()
    install_fewer_copies()
    if settings.exactly_once:
        options["transactional_id"] = transactional_id(settings, member)
        options["transaction_timeout_ms"] = TRANSACTION_TIMEOUT_MS
    producer = KafkaProducer(**options)
    if settings.exactly_once:
        producer.init_transactions()
    return producer
