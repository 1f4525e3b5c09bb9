"""What the worker loop reports about itself, so metrics and logs stay out of the loop's code.

The loop calls these hooks; `worker.ops` implements them with Prometheus metrics. The
default observer ignores everything, which keeps the loop testable without metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Outcome = Literal["article", "page_rejected", "dead_letter"]


class LoopObserver:
    """No-op base; override what you need. Hooks must be cheap and must never raise."""

    def on_records_consumed(self, count: int) -> None:
        """A poll returned `count` raw records."""

    def on_page_done(
        self,
        outcome: Outcome,
        processing_seconds: float,
        segments_by_label: Mapping[str, int],
        dead_letter_reason: str | None = None,
    ) -> None:
        """One raw record was turned into its output records (not yet acknowledged)."""

    def on_published(self, topic: str, count: int, end_to_end_seconds: list[float]) -> None:
        """`count` records reached `topic`, acknowledged by the broker; latencies are from
        each page's fetch time (or record timestamp) to the acknowledgement."""

    def on_in_flight(self, count: int) -> None:
        """Records consumed but not yet committed."""

    def on_committed(self, offsets: Mapping[tuple[str, int], int]) -> None:
        """Offsets (next to read) committed for (topic, partition)."""

    def on_error(self, stage: Literal["produce", "commit", "poll"], error: BaseException) -> None:
        """A Kafka operation failed (the loop decides whether to retry or exit)."""

    def on_assigned(self, partitions: list[tuple[str, int]]) -> None:
        """The group gave this process these partitions (replaces any earlier set)."""

    def on_undecodable(self, topic: str, partition: int, error: BaseException) -> None:
        """A record batch of this partition could not be decoded; the partition is paused."""

    def on_undecodable_cleared(self, topic: str, partition: int) -> None:
        """The paused partition is fetched again (it may fail again)."""

    def on_stage_cpu(self, seconds_by_stage: Mapping[str, float]) -> None:
        """The loop thread's CPU seconds per stage (worker.ops.cpu.STAGES) since the last
        call; called once per committed batch."""

    def on_lag(self, lag_by_partition: Mapping[tuple[str, int], int]) -> None:
        """Consumer lag (high watermark minus position) for each assigned partition."""

    def on_site_memory(self, sites: int, profile_bytes: int, fingerprint_hits: int) -> None:
        """After a committed batch, with site memory on: the sites tracked, what their
        profiles cost, and the segments found in a profile during the batch."""
