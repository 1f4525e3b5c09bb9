"""Site memory in the worker: profiles per raw partition, checkpointed to a changelog.

The raw topic is keyed by site, so a site's pages land on one partition, in order. The
worker keeps the profiles of the sites of each partition it is assigned
(core.site_store.SiteStore under one cap, keyed "partition/site"), and after each batch
writes the profile of every site the batch touched to the compacted changelog topic
(`--site-memory-topic`), key: the site, into the partition of the same number as the raw
one. The changelog records are sent with the batch's outputs: acknowledged before the
offsets are committed, and in exactly-once mode part of the batch's transaction, so what a
restarted or newly assigned worker restores is exactly the memory of the committed
offsets (at-least-once: of what was published, which may run ahead of the commit by one
batch, as the outputs do).

- assigned partitions: their changelog partitions are read from the start (committed
  records only), the last value per site wins;
- revoked partitions: their profiles are dropped;
- a batch that fails and is retried: what it remembered is thrown away (`abort_batch`),
  so the retry sees the memory the batch first saw.

A changelog value is the raw offset of the last page the profile holds (8 bytes, big
endian) and the profile's bytes (core.site_memory). Each article says what informed it:
`site_memory: {pages_seen, segments_seen, rejected, checkpoint: {partition, offset}}`.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition

from worker import __version__
from worker.config import Settings
from worker.core.classify import classify_page
from worker.core.raw_page import RawPage
from worker.core.records import Limits, ProcessedRecord, StageMark, process_raw_record
from worker.core.site_memory import MemorySettings, SiteProfile, url_fingerprint
from worker.core.site_rule import SiteLookup
from worker.core.site_store import SiteStore
from worker.core.verdict import PageVerdict
from worker.stream.kafka_client import client_options

log = logging.getLogger(__name__)

_OFFSET = struct.Struct(">q")
RESTORE_TIMEOUT_S = 60.0


class ChangelogMissing(Exception):
    """The changelog topic does not exist or has fewer partitions than the raw topic."""


@dataclass(frozen=True, slots=True)
class ChangelogRecord:
    topic: str
    partition: int
    key: bytes
    value: bytes


def encode(offset: int, profile: bytes) -> bytes:
    return _OFFSET.pack(offset) + profile


def decode(value: bytes) -> tuple[int, bytes]:
    """The raw offset and the profile's bytes of a changelog value (ValueError if it is
    not one)."""
    if len(value) < _OFFSET.size:
        raise ValueError("a changelog value is at least 8 bytes")
    profile = value[_OFFSET.size :]
    SiteProfile.from_bytes(profile)  # checks it
    return _OFFSET.unpack_from(value)[0], profile


class SiteMemoryState:
    def __init__(self, settings: Settings, memory: MemorySettings | None = None) -> None:
        self.settings = settings
        self.memory = memory or MemorySettings()
        self.store = SiteStore()
        self.partitions: set[int] = set()
        # The current batch's changes, "partition/site" -> encoded value; merged into the
        # store once the batch is committed, dropped if it is retried.
        self.pending: dict[str, bytes] = {}
        self.fingerprint_hits = 0  # segments found in a profile, in the current batch
        self.restored_sites = 0

    # --- the batch ----------------------------------------------------------------------

    def process(
        self, value: bytes | None, source: Any, mark: StageMark | None = None
    ) -> ProcessedRecord:
        """process_raw_record for one raw record, through its partition's memory (`mark`:
        told each stage as it ends, see process_raw_record)."""
        partition, offset = source.partition, source.offset

        def classify(page: RawPage) -> tuple[PageVerdict, Mapping[str, Any]]:
            return self._classify(page, partition, offset)

        limits = Limits(self.settings.max_page_bytes, self.settings.max_output_bytes)
        return process_raw_record(
            value,
            source,
            classify_page,
            __version__,
            limits,
            classify_whole_page=classify,
            mark=mark,
        )

    def _classify(
        self, page: RawPage, partition: int, offset: int
    ) -> tuple[PageVerdict, Mapping[str, Any]]:
        key = f"{partition}/{page.site}"
        stored = self.pending.get(key) or self.store.get(key)
        checkpoint: dict[str, int] | None = None
        profile = None
        if stored is not None:
            last_offset, profile = decode(stored)
            checkpoint = {"partition": partition, "offset": last_offset}
        lookup = SiteLookup(profile, url_fingerprint(page.url), self.memory)
        verdict = classify_page(page.body, page.content_type, None, lookup.rejections)
        self.pending[key] = encode(offset, lookup.remembered_bytes())
        self.fingerprint_hits += lookup.hits
        note = {
            "pages_seen": lookup.pages,
            "segments_seen": lookup.hits,
            "rejected": lookup.rejected,
            "checkpoint": checkpoint,
        }
        return verdict, {"site_memory": note}

    def changelog_records(self) -> list[ChangelogRecord]:
        """The batch's checkpoints: the last profile of each site it touched."""
        records = []
        for key, value in self.pending.items():
            partition, site = key.split("/", 1)
            records.append(
                ChangelogRecord(
                    self.settings.site_memory_topic, int(partition), site.encode(), value
                )
            )
        return records

    def commit_batch(self) -> int:
        """The batch is committed: its profiles become the memory. Returns the batch's
        fingerprint hits."""
        for key, value in self.pending.items():
            self.store.put(key, value)
        self.pending.clear()
        hits, self.fingerprint_hits = self.fingerprint_hits, 0
        return hits

    def abort_batch(self) -> None:
        self.pending.clear()
        self.fingerprint_hits = 0

    # --- the assignment -----------------------------------------------------------------

    def assigned(self, partitions: Iterable[int]) -> None:
        new = sorted(set(partitions) - self.partitions)
        if not new:
            return
        try:
            self._restore(new)
        except KafkaError as error:  # safe, not silent: those sites start afresh
            log.error(
                "site memory: could not restore partitions %s (%s: %s); their sites start afresh",
                new,
                type(error).__name__,
                error,
            )
        self.partitions |= set(new)

    def revoked(self, partitions: Iterable[int]) -> None:
        gone = set(partitions) & self.partitions
        if not gone:
            return
        prefixes = tuple(f"{p}/" for p in gone)
        for key, _value in self.store.items():
            if key.startswith(prefixes):
                self.store.discard(key)
        self.pending = {k: v for k, v in self.pending.items() if not k.startswith(prefixes)}
        self.partitions -= gone
        log.info("site memory: dropped the profiles of partitions %s", sorted(gone))

    def check_changelog(self) -> None:
        """Raise ChangelogMissing unless the changelog topic exists with a partition for
        each of the raw topic's (if that exists yet)."""
        consumer = self._reader()
        try:
            found = consumer.partitions_for_topic(self.settings.site_memory_topic)
            raw = consumer.partitions_for_topic(self.settings.raw_topic)
        finally:
            consumer.close()
        raw_partitions = len(raw) if raw else None
        if not found:
            raise ChangelogMissing(
                f"the site-memory topic {self.settings.site_memory_topic!r} does not exist: "
                "create it with `chaff topics create` (or turn site memory off)"
            )
        if raw_partitions is not None and len(found) < raw_partitions:
            raise ChangelogMissing(
                f"the site-memory topic {self.settings.site_memory_topic!r} has {len(found)} "
                f"partitions, the raw topic {raw_partitions}: it needs as many"
            )

    def _reader(self) -> KafkaConsumer:
        return KafkaConsumer(
            **client_options(self.settings),
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            client_id="chaff-site-memory",
        )

    def _restore(self, partitions: list[int]) -> None:
        topic = self.settings.site_memory_topic
        consumer = self._reader()
        restored: set[str] = set()
        try:
            tps = [TopicPartition(topic, p) for p in partitions]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            ends = consumer.end_offsets(tps)
            waiting = {tp for tp in tps if ends.get(tp, 0) > 0}
            deadline = time.monotonic() + RESTORE_TIMEOUT_S
            while waiting:
                if time.monotonic() > deadline:  # the sites not read start afresh: safe
                    log.warning("site memory: restore of %s timed out", sorted(waiting))
                    break
                polled = consumer.poll(timeout_ms=1000)
                for tp, records in polled.items():
                    for record in records:
                        restored |= self._restore_one(tp.partition, record.key, record.value)
                waiting = {tp for tp in waiting if consumer.position(tp) < ends[tp]}
        finally:
            consumer.close()
        sites = sum(1 for key in restored if key in self.store)
        self.restored_sites += sites
        log.info(
            "site memory: restored the profiles of %d sites of partitions %s", sites, partitions
        )

    def _restore_one(self, partition: int, key: bytes | None, value: bytes | None) -> set[str]:
        """The store key of the site the changelog record is about (none without a key)."""
        if key is None:
            return set()
        site_key = f"{partition}/{key.decode('utf-8', 'replace')}"
        if value is None:
            self.store.discard(site_key)
            return {site_key}
        try:
            decode(value)
        except ValueError as error:  # another version's profile: start that site afresh
            log.warning("site memory: profile of %s not restored: %s", site_key, error)
            self.store.discard(site_key)
            return {site_key}
        self.store.put(site_key, value)
        return {site_key}

    # --- what the metrics read ----------------------------------------------------------

    @property
    def sites(self) -> int:
        return len(self.store)

    @property
    def bytes(self) -> int:
        return self.store.bytes
