"""Progress lines: count, rate, ETA; periodic plain lines when not on a terminal."""

from __future__ import annotations

import io

from worker.ops.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_known_total_shows_percentage_rate_and_eta() -> None:
    clock = Clock()
    progress = Progress("replay", total=1000, stream=io.StringIO(), clock=clock)
    clock.now = 2.0
    progress.advance(250)
    assert progress.line() == "replay: 250/1,000 records (25.0%) 125.0/s ETA 0:00:06"


def test_not_a_tty_writes_a_line_per_interval_and_a_summary() -> None:
    clock, stream = Clock(), io.StringIO()
    with Progress("produce", stream=stream, log_interval_s=10, clock=clock) as progress:
        for _ in range(30):
            clock.now += 1
            progress.advance(10)
    written = stream.getvalue().splitlines()
    assert written == [
        "produce: 100 records 10.0/s",
        "produce: 200 records 10.0/s",
        "produce: 300 records 10.0/s",
        "produce: 300 records 10.0/s in 0:00:30",
    ]


def test_tty_redraws_one_line_and_ends_with_newline() -> None:
    clock, stream = Clock(), Tty()
    progress = Progress(
        "eval", total=4, unit="pages", stream=stream, tty_interval_s=0.1, clock=clock
    )
    for _ in range(4):
        clock.now += 0.5
        progress.advance()
    progress.close()
    progress.close()
    text = stream.getvalue()
    assert text.count("\r\x1b[K") == 5 and text.endswith("in 0:00:02\n") and text.count("\n") == 1
