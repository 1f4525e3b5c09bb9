"""The worker loop: poll a batch, classify it, publish the outputs, then commit.

One loop per process, in one consumer group; more processes (here or on other hosts)
share the raw topic's partitions. The loop is synchronous on purpose: classification is
CPU-bound, and a batch is processed, published and committed before the next poll, so
nothing is in flight when the group rebalances (revocation happens inside `poll`).

Delivery:
- at-least-once (default): offsets are committed only after the broker acknowledged every
  output record of the batch. A crash between publish and commit re-delivers the batch;
  outputs are keyed and deterministic, so the duplicate is harmless.
- exactly-once (`--exactly-once`): each batch is one Kafka transaction holding its outputs
  and its offsets (`send_offsets_to_transaction` with the consumer's group metadata, which
  fences a zombie that lost its partitions, KIP-447). Readers with read_committed see each
  input's outputs exactly once.
On a failed publish or commit the loop rewinds to the last committed offsets and retries
the batch with backoff; an error that cannot succeed on retry ends the process non-zero
without committing past unacknowledged work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from worker.config import Settings
from worker.core.records import ProcessedRecord
from worker.ops.cpu import StageClock
from worker.ops.logs import record_logger
from worker.ops.memory import MemoryTrimmer
from worker.stream.kafka_client import leave_group
from worker.stream.loop_clients import (
    PRODUCE_TIMEOUT_S,
    default_member,
    make_consumer,
    make_producer,
)
from worker.stream.observer import LoopObserver
from worker.stream.records import outputs_of, process_consumer_record, source_of
from worker.stream.site_state import SiteMemoryState
from worker.stream.undecodable import UNDECODABLE_ERRORS, UndecodablePartitions

log = logging.getLogger(__name__)

LAG_INTERVAL_S = 1.0
MAX_BACKOFF_S = 10.0
# A batch is classified, published (bounded by PRODUCE_TIMEOUT_S) and committed well within
# this; a loop that commits nothing for this long while input waits is stuck in the Kafka
# client (kafka-python can be, after a broker crash in transactional mode: see the README's
# known issues), and only a new process recovers.
STALL_LIMIT_S = 3 * PRODUCE_TIMEOUT_S
# A batch that failed this many times in a row will not succeed in this process (seen: a
# transactional producer whose I/O thread died after a broker crash); a restart recovers.
MAX_CONSECUTIVE_FAILURES = 10


class StopFlag:
    """Set from a signal handler; the loop checks it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


class _AssignmentReporter(ConsumerRebalanceListener):  # type: ignore[misc]
    """Batches are committed before the next poll, so revocation has nothing to flush:
    this only keeps the observer's view of the assignment current."""

    def __init__(self, observer: LoopObserver, memory: SiteMemoryState | None = None) -> None:
        self.observer = observer
        self.memory = memory  # restores and drops site profiles with the assignment
        self.assigned: set[tuple[str, int]] = set()

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.assigned -= {(tp.topic, tp.partition) for tp in revoked}
        if self.memory is not None:
            self.memory.revoked(tp.partition for tp in revoked)
        self.observer.on_assigned(sorted(self.assigned))

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if self.memory is not None:
            self.memory.assigned(tp.partition for tp in assigned)
        self.assigned |= {(tp.topic, tp.partition) for tp in assigned}
        log.info("assigned partitions: %s", sorted(self.assigned))
        self.observer.on_assigned(sorted(self.assigned))


class FatalLoopError(Exception):
    """A Kafka error that retrying cannot fix (e.g. fenced by a newer instance)."""


@dataclass
class Batch:
    processed: list[tuple[Any, ProcessedRecord]] = field(default_factory=list)
    first_offsets: dict[TopicPartition, int] = field(default_factory=dict)
    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)
    input_bytes: int = 0


class WorkerLoop:
    def __init__(
        self,
        settings: Settings,
        observer: LoopObserver,
        stop: StopFlag,
        process_index: int = 0,
        consumer_factory: Callable[..., KafkaConsumer] = make_consumer,
        producer_factory: Callable[..., KafkaProducer] = make_producer,
        member: str | None = None,
    ) -> None:
        self.settings = settings
        self.observer = observer
        self.stop = stop
        self.member = member or default_member(settings, process_index)
        self.memory = SiteMemoryState(settings) if settings.site_memory == "on" else None
        if self.memory is not None:
            self.memory.check_changelog()
        self.listener = _AssignmentReporter(observer, self.memory)
        self.consumer = consumer_factory(settings, self.listener, self.member)
        self.producer = producer_factory(settings, self.member)
        self.undecodable = UndecodablePartitions(
            self.consumer, observer, settings.undecodable_retry_s
        )
        # Gives freed heap back to the OS after big batches (see worker.ops.memory).
        self.trimmer = MemoryTrimmer()
        # The loop thread's CPU by stage, reported per committed batch (worker.ops.cpu).
        self.cpu = StageClock()
        self._last_lag = 0.0
        self.records_done = 0
        # Last sign of progress, read by the stall watchdog: a batch committed, or nothing to
        # do (no lag). Not a loop round, nor a record processed: a client that polls forever
        # without records, or retries one batch forever, while input waits is stuck too.
        self.heartbeat = time.monotonic()

    def run(self) -> None:
        """Until the stop flag is set; then the current batch is finished and committed."""
        failures = 0
        poll_failures = 0
        try:
            while not self.stop.is_set():
                self.undecodable.retry_due()
                self.cpu.mark("loop")
                try:
                    polled = self.consumer.poll(timeout_ms=self.settings.poll_timeout_ms)
                except UNDECODABLE_ERRORS as error:
                    self.observer.on_error("poll", error)
                    self.undecodable.set_aside(error)
                    continue
                except KafkaError as error:
                    if not getattr(error, "retriable", False):
                        raise
                    # The brokers are unreachable (a restart, a network cut): kafka-python
                    # 3 can raise this from poll while it looks for the group's
                    # coordinator. Nothing was fetched, so nothing is lost by waiting; the
                    # stall watchdog decides when an outage has lasted too long.
                    self.observer.on_error("poll", error)
                    poll_failures += 1
                    backoff = min(MAX_BACKOFF_S, 0.1 * 2**poll_failures)
                    log.warning(
                        "poll failed (%s: %s); retrying in %.1f s",
                        type(error).__name__,
                        error,
                        backoff,
                    )
                    self.stop.wait(backoff)
                    continue
                finally:
                    self.cpu.mark("fetch")
                poll_failures = 0
                caught_up = self._report_lag()
                if not polled:
                    if caught_up:
                        # Idle, not stuck. Only when the poll came back empty: the position
                        # runs ahead of what is committed while a batch is retried, so "no
                        # lag" after a poll that returned records proves nothing.
                        self.heartbeat = time.monotonic()
                    continue
                batch = self._process(polled)
                del polled  # the batch holds the records now
                try:
                    self._publish_and_commit(batch)
                except KafkaError as error:
                    if not getattr(error, "retriable", False) and _is_fatal(error):
                        raise FatalLoopError(str(error)) from error
                    failures += 1
                    if failures >= MAX_CONSECUTIVE_FAILURES:
                        raise FatalLoopError(
                            f"batch failed {failures} times in a row, last: {error}"
                        ) from error
                    backoff = min(MAX_BACKOFF_S, 0.2 * 2**failures)
                    log.warning(
                        "batch of %d records not committed (%s: %s); retrying in %.1f s",
                        len(batch.processed),
                        type(error).__name__,
                        error,
                        backoff,
                    )
                    self._rewind(batch)
                    self.stop.wait(backoff)
                else:
                    failures = 0
                    input_bytes = batch.input_bytes
                    del batch  # its records and outputs are garbage before any trim
                    self.trimmer.batch_done(input_bytes)
        finally:
            self.observer.on_assigned([])

    def close(self, timeout_s: float) -> None:
        """Leave the group at once (partitions move to the others) and close the producer."""
        try:
            self.consumer.close(autocommit=False)
            if self.settings.static_membership:
                # A static member never leaves by itself: without this a stopped worker's
                # partitions would wait out the session timeout.
                leave_group(self.settings, self.member)
        finally:
            self.producer.close(timeout=timeout_s)

    # --- one batch ----------------------------------------------------------------------

    def _process(self, polled: dict[TopicPartition, list[Any]]) -> Batch:
        batch = Batch()
        count = sum(len(records) for records in polled.values())
        self.observer.on_records_consumed(count)
        self.observer.on_in_flight(count)
        for tp, records in polled.items():
            batch.first_offsets[tp] = records[0].offset
            batch.next_offsets[tp] = records[-1].offset + 1
            for record in records:
                batch.input_bytes += len(record.value or b"")
                started = time.perf_counter()
                self.cpu.mark("loop")
                if self.memory is not None:
                    processed = self.memory.process(record.value, source_of(record), self.cpu.mark)
                else:
                    processed = process_consumer_record(record, self.settings, self.cpu.mark)
                self.observer.on_page_done(
                    processed.outcome,
                    time.perf_counter() - started,
                    processed.segments_by_label,
                    processed.error_kind,
                )
                if processed.error_kind is not None:
                    record_logger(log, record.topic, record.partition, record.offset).warning(
                        "dead letter (%s): %s", processed.error_kind, processed.error_message
                    )
                batch.processed.append((record, processed))
        return batch

    def _publish_and_commit(self, batch: Batch) -> None:
        eos = self.settings.exactly_once
        if eos:
            self.producer.begin_transaction()
        self.cpu.mark("loop")
        try:
            sent = self._send_all(batch)
            offsets = {
                tp: OffsetAndMetadata(offset, "", -1) for tp, offset in batch.next_offsets.items()
            }
            # Every output acknowledged before anything is committed, in both modes.
            # kafka-python's commit_transaction() does not fail for sends that failed: when
            # they all did (InvalidProducerEpochError after a broker outage) it "commits" an
            # empty transaction and returns, and the loop would move on without the batch.
            self.producer.flush(timeout=PRODUCE_TIMEOUT_S)
            for future, _topic, _event_time in sent:
                future.get(timeout=PRODUCE_TIMEOUT_S)  # raises if not acknowledged
            self.cpu.mark("produce")
            if eos:
                self.producer.send_offsets_to_transaction(offsets, self.consumer.group_metadata())
                self.producer.commit_transaction()
                self.cpu.mark("commit")
        except KafkaError as error:
            self.observer.on_error("produce", error)
            if eos:
                self._abort()
            raise
        self._report_published(sent)
        if not eos:
            self.cpu.mark("loop")
            try:
                self.consumer.commit(offsets)
            except KafkaError as error:
                # Published but not committed: the batch comes again (at-least-once).
                self.observer.on_error("commit", error)
                raise
            finally:
                self.cpu.mark("commit")
        if self.memory is not None:
            hits = self.memory.commit_batch()
            self.observer.on_site_memory(self.memory.sites, self.memory.bytes, hits)
        self.records_done += len(batch.processed)
        self.heartbeat = time.monotonic()
        self.observer.on_committed(
            {(tp.topic, tp.partition): offset for tp, offset in batch.next_offsets.items()}
        )
        self.observer.on_in_flight(0)
        self.observer.on_stage_cpu(self.cpu.take())

    def _send_all(self, batch: Batch) -> list[tuple[Any, str, float | None]]:
        sent = []
        for _record, processed in batch.processed:
            for output in outputs_of(processed, self.settings):
                future = self.producer.send(output.topic, key=output.key, value=output.value)
                sent.append((future, output.topic, processed.event_time_s))
        if self.memory is not None:  # acknowledged with the outputs, in the transaction
            for checkpoint in self.memory.changelog_records():
                future = self.producer.send(
                    checkpoint.topic,
                    key=checkpoint.key,
                    value=checkpoint.value,
                    partition=checkpoint.partition,
                )
                sent.append((future, checkpoint.topic, None))
        return sent

    def _report_published(self, sent: list[tuple[Any, str, float | None]]) -> None:
        now = time.time()
        by_topic: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        for _future, topic, event_time in sent:
            counts[topic] = counts.get(topic, 0) + 1
            if event_time is not None:
                by_topic.setdefault(topic, []).append(max(0.0, now - event_time))
        for topic, count in counts.items():
            self.observer.on_published(topic, count, by_topic.get(topic, []))

    def _abort(self) -> None:
        try:
            self.producer.abort_transaction()
        except KafkaError as error:
            raise FatalLoopError(f"could not abort the transaction: {error}") from error

    def _rewind(self, batch: Batch) -> None:
        """Seek back to the batch's first offsets, so it is processed again."""
        if self.memory is not None:
            self.memory.abort_batch()
        for tp, offset in batch.first_offsets.items():
            if tp in self.consumer.assignment():
                self.consumer.seek(tp, offset)
        self.observer.on_in_flight(0)

    def _report_lag(self) -> bool | None:
        """Publish the lag per partition; whether none is left (None: not measured now)."""
        now = time.monotonic()
        if now - self._last_lag < LAG_INTERVAL_S:
            return None
        self._last_lag = now
        lag: dict[tuple[str, int], int] = {}
        waiting = 0  # lag of partitions set aside: a restart would not help them
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue
            try:
                position = self.consumer.position(tp, timeout_ms=1000)
            except KafkaError:
                continue
            if position is not None:
                lag[(tp.topic, tp.partition)] = max(0, highwater - position)
                if tp in self.undecodable:
                    waiting += lag[(tp.topic, tp.partition)]
        self.observer.on_lag(lag)
        return sum(lag.values()) == waiting


def _is_fatal(error: KafkaError) -> bool:
    """Errors after which this producer can never succeed: another instance took over."""
    return type(error).__name__ in {
        "ProducerFencedError",
        "InvalidProducerEpochError",
        "TransactionalIdAuthorizationFailedError",
        "UnsupportedVersionError",
        "AuthorizationError",
        "TopicAuthorizationFailedError",
        "GroupAuthorizationFailedError",
    }
