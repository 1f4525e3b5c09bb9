"""Two record-loss bugs of faust-streaming 0.15.3 at (re)assignment, and their workarounds.

Found by tests/sitestats/test_sitestats_job.py, which restarts and kills the job. Before
these fixes about one run in five under-counted. Traces of the consumer show both causes:

1. After table recovery, faust resumes the stream partitions and seeks them to their
   committed offsets while flow control is still suspended. It then resumes flow
   control, which also *clears* the agents' queues. Records fetched in between are thrown
   away, but the fetch position has already moved past them. They are never processed,
   and committing later records commits past them. (faust already clears the queues
   when partitions are revoked, so clearing on resume again only loses records.)

2. `Consumer.getmany` stops in the middle of a fetched batch when the flow or the
   generation changes, and drops the rest. faust counts on its later seek to the
   committed offsets to fetch them again. But aiokafka's `seek_to_committed` only seeks
   partitions whose committed offset is > 0. In a partition nothing was ever committed
   for, the position stays past the dropped records.

Workarounds: resuming flow control no longer clears the queues, and after faust's seek,
stream partitions without a committed offset are sought to offset 0 (past the log start,
Kafka resets them to the earliest record). Both can deliver a record a second time,
which the table recognises by its upstream offset (stats.apply_event), as with any
at-least-once redelivery.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.transport import consumer as faust_consumer

log = logging.getLogger(__name__)

CHANGELOG_SUFFIX = "-changelog"  # faust seeks and restores these itself
_original_perform_seek = faust_consumer.Consumer.perform_seek


def apply(app: faust.App) -> None:
    """Install both workarounds for this app (the seek fix is process-wide and idempotent)."""
    _keep_queues_on_flow_resume(app)
    faust_consumer.Consumer.perform_seek = _perform_seek_never_committed_from_start  # type: ignore[method-assign]


def _keep_queues_on_flow_resume(app: faust.App) -> None:
    flow_control = app.flow_control
    if not (hasattr(flow_control, "_suspend") and hasattr(flow_control, "_resume")):
        log.warning("faust changed its flow control; resume keeps clearing the agents' queues")
        return

    def resume_without_clearing() -> None:
        flow_control._suspend.clear()
        flow_control._resume.set()

    flow_control.resume = resume_without_clearing  # type: ignore[method-assign]


async def _perform_seek_never_committed_from_start(self: Any) -> None:
    await _original_perform_seek(self)
    assigned = self.assignment()
    never_committed = [
        tp
        for tp, offset in self._read_offset.items()
        if offset is None and tp in assigned and not tp.topic.endswith(CHANGELOG_SUFFIX)
    ]
    for tp in never_committed:
        await self.seek(tp, 0)
    if never_committed:
        log.debug("sought %d never-committed partition(s) to the start", len(never_committed))
