"""Where a worker's CPU goes: the loop thread's CPU by stage, and each Kafka client thread's.

Wall-clock rates on a machine shared with a broker and other jobs move with everything
else that runs; the CPU seconds a worker spends per record do not, so `chaff bench e2e`
reads these counters (README, "Performance end to end"; method in docs/measurements.md).

- `StageClock` charges the loop thread's CPU time (`time.thread_time`: time spent waiting
  for the broker or the GIL is not CPU time) to the stage that just ended. Each `mark` is
  one clock read (~0.1 µs), a few per record.
- `thread_cpu_seconds` reads every live thread's CPU clock: kafka-python does its network
  I/O, record-batch encoding and decompression, and the producer's compression on its own
  threads, which the loop's stages cannot see.
"""

from __future__ import annotations

import threading
import time

# The loop thread's stages, in the order a record meets them. "loop" is the rest: metrics
# hooks, lag reports, giving memory back to the OS.
STAGES = (
    "fetch",
    "validate",
    "classify",
    "build",
    "serialise",
    "produce",
    "commit",
    "loop",
)
# Groups of threads: the loop's own, kafka-python's consumer and producer threads, others
# (the metrics endpoint, watchdogs).
THREAD_ROLES = ("loop", "kafka_consumer", "kafka_producer", "other")


class StageClock:
    """Accumulates the calling thread's CPU seconds per stage between `take`s."""

    __slots__ = ("_last", "seconds")

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self._last = time.thread_time()

    def mark(self, stage: str) -> None:
        """Charge the CPU time since the previous mark to `stage` (the one just ended)."""
        now = time.thread_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + (now - self._last)
        self._last = now

    def take(self) -> dict[str, float]:
        """The seconds gathered since the last take, and start again from zero."""
        taken, self.seconds = self.seconds, dict.fromkeys(STAGES, 0.0)
        return taken


def thread_role(name: str) -> str:
    """The group a thread belongs to, by the names kafka-python and Python give threads."""
    if name == "MainThread":
        return "loop"
    if "producer" in name:  # kafka-io-kafka-python-producer-1, ...-network-thread
        return "kafka_producer"
    if name.startswith("kafka") or "heartbeat" in name:
        return "kafka_consumer"
    return "other"


def thread_cpu_seconds() -> dict[str, float]:
    """CPU seconds of this process's live threads, summed by `thread_role`. (A thread that
    ended takes its seconds with it; kafka-python's threads live as long as their client.)"""
    totals = dict.fromkeys(THREAD_ROLES, 0.0)
    for thread in threading.enumerate():
        if thread.ident is None:
            continue
        try:
            seconds = time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except (OSError, ProcessLookupError):  # ended meanwhile
            continue
        role = thread_role(thread.name)
        totals[role] += seconds
    return totals
