"""Raw-topic record batches the consumer cannot decode: set their partition aside, loudly.

A batch can be unreadable because its codec's library is missing (UnsupportedCodecError:
every Kafka codec is a dependency, and `chaff run` refuses to start without one, so this
means a broken install) or because its bytes are damaged (CorruptRecordError: the batch
CRC does not match, e.g. a damaged log segment). Retrying at once fails the same way, and
exiting would only make a supervisor restart the worker onto the same batch, forever.

So the worker pauses that partition, counts it (`chaff_undecodable_batches_total`), logs
one ERROR line with the partition and offset, reports not-ready, and keeps processing
every other partition. Nothing after the bad batch is committed, so nothing is lost:
every `--undecodable-retry-s` the partition is resumed and the batch fetched again (a
fixed install or a repaired replica lets it through).

kafka-python 3.0 (pinned <4) leaves its fetcher stuck after such an error: the failed
partition's parsed records stay "next in line" as an exhausted iterator, and the next
poll spins on them forever. `set_aside` drains them through the fetcher's own `drain()`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka.errors import CorruptRecordError, UnsupportedCodecError
from kafka.structs import TopicPartition

from worker.ops.logs import record_logger
from worker.stream.observer import LoopObserver

log = logging.getLogger(__name__)

UNDECODABLE_ERRORS: tuple[type[Exception], ...] = (UnsupportedCodecError, CorruptRecordError)
# How often a set-aside partition is fetched again; each try that fails logs and counts.
RETRY_S = 30.0  # the setting's default


class UndecodablePartitions:
    """Partitions paused because a batch could not be decoded, and when to retry each."""

    def __init__(self, consumer: Any, observer: LoopObserver, retry_s: float = RETRY_S) -> None:
        self.consumer = consumer
        self.observer = observer
        self.retry_s = retry_s
        self.retry_at: dict[TopicPartition, float] = {}

    def __contains__(self, tp: object) -> bool:
        return tp in self.retry_at

    def set_aside(self, error: Exception) -> None:
        """After `poll` raised `error`: pause the partition it came from and report it."""
        tp = _unstick_fetcher(self.consumer)
        assigned = set(self.consumer.assignment())
        # Unknown partition (kafka-python changed): pause them all rather than spin.
        partitions: list[TopicPartition] = [tp] if tp in assigned else sorted(assigned)
        if not partitions:
            return
        self.consumer.pause(*partitions)
        for partition in partitions:
            self.retry_at[partition] = time.monotonic() + self.retry_s
            position = _position(self.consumer, partition)  # -1: unknown
            self.observer.on_undecodable(partition.topic, partition.partition, error)
            record_logger(log, partition.topic, partition.partition, position).error(
                "cannot decode the record batch at offset %s (%s: %s); this partition is "
                "paused and retried every %.0f s, nothing past it is committed, the other "
                "partitions go on",
                position,
                type(error).__name__,
                error,
                self.retry_s,
            )

    def retry_due(self) -> None:
        """Resume the partitions whose retry time has come (they fail again or flow)."""
        now = time.monotonic()
        due = [tp for tp, at in self.retry_at.items() if at <= now]
        assigned = set(self.consumer.assignment())
        for tp in due:
            del self.retry_at[tp]
            self.observer.on_undecodable_cleared(tp.topic, tp.partition)
        resumable = [tp for tp in due if tp in assigned]
        if resumable:
            self.consumer.resume(*resumable)


# kafka.codec's check per codec, and the package that provides it (all are dependencies).
CODEC_LIBRARIES = {
    "zstd": ("has_zstd", "zstandard"),
    "lz4": ("has_lz4", "lz4"),
    "snappy": ("has_snappy", "python-snappy"),
}


def missing_codecs() -> list[str]:
    """Codecs kafka-python cannot decode in this install, each with the package it needs."""
    from kafka import codec

    return [
        f"{name} (pip install {package})"
        for name, (check, package) in CODEC_LIBRARIES.items()
        if not getattr(codec, check)()
    ]


def _unstick_fetcher(consumer: Any) -> TopicPartition | None:
    """Drain the fetcher's failed in-line records; their partition (None: not found)."""
    fetcher = getattr(consumer, "_fetcher", None)
    stuck = getattr(fetcher, "_next_partition_records", None)
    if stuck is None:
        return None
    tp = getattr(stuck, "topic_partition", None)
    stuck.drain()
    fetcher._next_partition_records = None  # type: ignore[union-attr]
    return tp if isinstance(tp, TopicPartition) else None


def _position(consumer: Any, tp: TopicPartition) -> int:
    try:
        position = consumer.position(tp, timeout_ms=1000)
    except Exception:  # only for the log line; the pause matters, not the number
        return -1
    return int(position) if position is not None else -1
