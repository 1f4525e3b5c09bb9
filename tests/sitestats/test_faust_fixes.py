"""The faust-streaming workarounds do what they say (their reason: faust_fixes.py docstring)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from faust.types import TP

from worker.sitestats import faust_fixes
from worker.sitestats.app import build_app
from worker.sitestats.config import SiteStatsConfig


def test_resuming_flow_control_keeps_queued_records() -> None:
    app = build_app(SiteStatsConfig("127.0.0.1:1", "a", "r", "d"))
    queue = app.FlowControlQueue(maxsize=10, clear_on_resume=True)
    app.flow_control.suspend()
    queue.put_nowait("a record fetched while recovery resumed the partitions")
    app.flow_control.resume()
    assert queue.qsize() == 1
    assert app.flow_control.is_active()


class FakeConsumer:
    def __init__(self, read_offsets: dict[TP, int | None], assigned: set[TP]) -> None:
        self._read_offset = read_offsets
        self._assigned = assigned
        self.sought: list[tuple[TP, int]] = []

    def assignment(self) -> set[TP]:
        return self._assigned

    async def seek(self, tp: TP, offset: int) -> None:
        self.sought.append((tp, offset))


def test_never_committed_stream_partitions_are_sought_to_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def faust_seek(self: Any) -> None:  # stands in for faust's seek to committed
        pass

    monkeypatch.setattr(faust_fixes, "_original_perform_seek", faust_seek)
    committed, never, changelog, revoked = (
        TP("pages.articles", 0),
        TP("pages.rejects", 1),
        TP("chaff-sitestats-site-stats-changelog", 0),
        TP("pages.rejects", 2),
    )
    consumer = FakeConsumer(
        {committed: 7, never: None, changelog: None, revoked: None},
        assigned={committed, never, changelog},
    )
    asyncio.run(faust_fixes._perform_seek_never_committed_from_start(consumer))
    assert consumer.sought == [(never, 0)]
