"""Keep the worker's RSS at its working set: glibc malloc settings and a bounded trim.

Measured (10-minute paced soaks through a real broker, tracemalloc + mallinfo2): the Python
heap does not grow; what grows is memory glibc keeps after it was freed. Pages arrive as
100 KB-8 MB bytes and strings, a fetch response is one buffer of up to `fetch_max_bytes`,
and glibc's dynamic mmap threshold rises to the largest block freed so far (up to 32 MB),
so after the first big page every later one is carved from the heap instead of mmap'd and
returned. Once the worker falls behind (a slow neighbour, a rebalance), a catch-up batch of
up to max_poll_records pages and their outputs is live at once (~100 MB); afterwards it is
free but stays resident, fragmented by small long-lived objects (caches) allocated on top.

Two measures, both no-ops off glibc:
- `configure_allocator` fixes the mmap threshold at 1 MiB at start-up: blocks that large are
  mmap'd and unmapped on free. (128 KiB, glibc's starting value, cost ~15% throughput in
  page faults; 1 MiB cost none measurable and gave most of the gain.) Fixing it also fixes
  glibc's trim threshold, at 128 KiB: the heap's free top was handed back after every page
  and faulted in again for the next (~90 page faults a record, ~0.09 ms in the JSON parse
  alone). So the trim threshold is set too, to `CHAFF_MALLOC_TRIM_THRESHOLD` (4 MiB by
  default; 0 leaves glibc's): at most that much free top is kept, a fixed bound, not a
  growth.
- `MemoryTrimmer` calls `malloc_trim(0)` after a commit, when that batch was big or a minute
  has passed since the last trim, returning free pages inside the heap (not only its top).
  A trim takes ~5-100 ms, so it never runs per small batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1024 * 1024
# The free top of the heap kept between pages (Settings.malloc_trim_threshold's default).
TRIM_THRESHOLD_BYTES = 4 * 1024 * 1024
# An operator's own setting wins (the variables glibc reads at start-up).
_OPERATOR_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")

TRIM_AFTER_BATCH_BYTES = 16 * 1024 * 1024
TRIM_INTERVAL_S = 60.0


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None  # not glibc (musl, macOS): leave the allocator alone
    return libc


def configure_allocator(
    environ: dict[str, str] | None = None, trim_threshold: int = TRIM_THRESHOLD_BYTES
) -> bool:
    """Fix glibc's mmap threshold, and its trim threshold unless `trim_threshold` is 0 (see
    the module docstring). True if they were set."""
    environ = dict(os.environ) if environ is None else environ
    if any(
        name in environ and (name != "GLIBC_TUNABLES" or "glibc.malloc" in environ[name])
        for name in _OPERATOR_SETTINGS
    ):
        return False
    libc = _libc()
    if libc is None:
        return False
    if not libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
        return False
    return trim_threshold <= 0 or bool(libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))


def _malloc_trim() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class MemoryTrimmer:
    """Decides after each committed batch whether to hand free heap pages back to the OS."""

    def __init__(
        self,
        trim: Callable[[], None] = _malloc_trim,
        clock: Callable[[], float] = time.monotonic,
        after_batch_bytes: int = TRIM_AFTER_BATCH_BYTES,
        interval_s: float = TRIM_INTERVAL_S,
    ) -> None:
        self._trim = trim
        self._clock = clock
        self.after_batch_bytes = after_batch_bytes
        self.interval_s = interval_s
        self._last = clock()
        self.trims = 0

    def batch_done(self, input_bytes: int) -> bool:
        """Call after a batch was committed; True if it trimmed."""
        now = self._clock()
        if input_bytes < self.after_batch_bytes and now - self._last < self.interval_s:
            return False
        try:
            self._trim()
        except Exception:  # memory hygiene must never stop the loop
            log.exception("malloc_trim failed")
        self._last = self._clock()
        self.trims += 1
        return True
