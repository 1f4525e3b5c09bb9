"""A tiny stderr progress reporter for long commands (produce, replay, eval, bench, train).

    with Progress("replay", total=5000) as progress:
        for record in records:
            ...
            progress.advance()

On a terminal it redraws one line (count, rate, percentage and ETA when the total is
known) at most `tty_interval_s` apart; otherwise (CI, `2>file`, a pod's log) it writes
a plain line every `log_interval_s` and always a final summary line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "records",
        stream: IO[str] | None = None,
        tty_interval_s: float = 0.1,
        log_interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.count = 0
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._is_tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._interval = tty_interval_s if self._is_tty else log_interval_s
        self._started = clock()
        self._last_report = self._started
        self._closed = False

    def advance(self, n: int = 1) -> None:
        self.count += n
        now = self._clock()
        if now - self._last_report >= self._interval:
            self._last_report = now
            self._write(self.line(now))

    def set_total(self, total: int | None) -> None:
        self.total = total

    def line(self, now: float | None = None) -> str:
        """The current status, e.g. 'replay: 1,200/5,000 records (24.0%) 812.0/s ETA 0:00:04'."""
        elapsed = max((self._clock() if now is None else now) - self._started, 1e-9)
        rate = self.count / elapsed
        if self.total:
            percent = 100.0 * self.count / self.total
            text = f"{self.label}: {self.count:,}/{self.total:,} {self.unit} ({percent:.1f}%)"
            text += f" {rate:,.1f}/s"
            remaining = max(self.total - self.count, 0)
            if rate > 0:
                text += f" ETA {_clock_format(remaining / rate)}"
        else:
            text = f"{self.label}: {self.count:,} {self.unit} {rate:,.1f}/s"
        return text

    def close(self) -> None:
        """Write the final line (elapsed time included); safe to call twice."""
        if self._closed:
            return
        self._closed = True
        now = self._clock()
        summary = f"{self.line(now)} in {_clock_format(now - self._started)}"
        self._write(summary, final=True)

    def _write(self, text: str, final: bool = False) -> None:
        if self._is_tty:
            self._stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _clock_format(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
