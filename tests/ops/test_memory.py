"""worker.ops.memory: glibc's mmap and trim thresholds fixed at start-up, and when the loop
trims."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys

import pytest

from worker.config import Settings
from worker.ops.memory import (
    MMAP_THRESHOLD_BYTES,
    TRIM_THRESHOLD_BYTES,
    MemoryTrimmer,
    configure_allocator,
)

GLIBC = ctypes.util.find_library("c") is not None and hasattr(
    ctypes.CDLL(ctypes.util.find_library("c")), "mallinfo2"
)

# What each probe starts with: glibc's statistics (mallinfo2) and the allocator setting.
MALLINFO = """
import ctypes, sys
from worker.ops.memory import configure_allocator

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
"""

# Frees a 16 MiB block (glibc's dynamic threshold then rises to 16 MiB), then prints how much
# of a new 4 MiB block is mmap'd (mallinfo2.hblkhd): all of it, unless it came from the heap.
PROBE = (
    MALLINFO
    + """if sys.argv[1] == "configure":
    assert configure_allocator({})
big = bytearray(16 * 1024 * 1024)
del big
before = libc.mallinfo2().hblkhd
block = bytearray(4 * 1024 * 1024)
print(libc.mallinfo2().hblkhd - before)
"""
)


def run_probe(probe: str, argument: str) -> int:
    """The number a probe prints, run in a fresh interpreter with no malloc variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
    done = subprocess.run(
        [sys.executable, "-c", probe, argument], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def mmapped_bytes_of_a_4_mib_block(mode: str) -> int:
    return run_probe(PROBE, mode)


@pytest.mark.skipif(not GLIBC, reason="glibc malloc only")
def test_large_blocks_stay_mmapped_after_a_larger_one_was_freed() -> None:
    # The premise: by default glibc serves the 4 MiB block from the heap, where it stays
    # resident after it is freed.
    assert mmapped_bytes_of_a_4_mib_block("default") < 4 * 1024 * 1024
    assert MMAP_THRESHOLD_BYTES < 4 * 1024 * 1024
    assert mmapped_bytes_of_a_4_mib_block("configure") >= 4 * 1024 * 1024


# Frees 3 MiB of 64 KiB blocks at the top of the heap (under the mmap threshold), newest
# first, and prints how much free memory the heap's top keeps (mallinfo2.keepcost).
TOP_PROBE = (
    MALLINFO
    + """assert configure_allocator({}, trim_threshold=int(sys.argv[1]))
blocks = [bytearray(64 * 1024) for _ in range(48)]
while blocks:
    blocks.pop()
print(libc.mallinfo2().keepcost)
"""
)


def free_top_kept(trim_threshold: int) -> int:
    return run_probe(TOP_PROBE, str(trim_threshold))


@pytest.mark.skipif(not GLIBC, reason="glibc malloc only")
def test_the_heap_keeps_its_free_top_up_to_the_trim_threshold() -> None:
    # glibc's own (0): fixing the mmap threshold left the trim threshold at 128 KiB, and the
    # 3 MiB freed at the top went back to the kernel, to be faulted in again for the next page.
    assert free_top_kept(0) <= 256 * 1024
    assert TRIM_THRESHOLD_BYTES == Settings().malloc_trim_threshold > 3 * 1024 * 1024
    assert free_top_kept(TRIM_THRESHOLD_BYTES) >= 3 * 1024 * 1024
    # ... and no more than the threshold.
    assert free_top_kept(1024 * 1024) <= 1024 * 1024


@pytest.mark.parametrize(
    "environ",
    [
        {"MALLOC_MMAP_THRESHOLD_": "65536"},
        {"MALLOC_TRIM_THRESHOLD_": "0"},
        {"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=65536"},
    ],
)
def test_an_operator_setting_wins(environ: dict[str, str]) -> None:
    assert configure_allocator(environ) is False


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_trims_after_a_big_batch_or_once_the_interval_passed() -> None:
    clock, trims = Clock(), []
    trimmer = MemoryTrimmer(
        lambda: trims.append(clock.now), clock, after_batch_bytes=1000, interval_s=60
    )
    assert not trimmer.batch_done(999)
    clock.now += 59
    assert not trimmer.batch_done(10)
    assert trimmer.batch_done(1000)  # a big batch: at once
    clock.now += 30
    assert not trimmer.batch_done(10)
    clock.now += 30
    assert trimmer.batch_done(10)  # 60 s since the last trim
    assert not trimmer.batch_done(10)
    assert trims == [1059.0, 1119.0] and trimmer.trims == 2


def test_a_failing_trim_does_not_stop_the_loop() -> None:
    def broken() -> None:
        raise OSError("no malloc_trim")

    trimmer = MemoryTrimmer(broken, after_batch_bytes=0)
    assert trimmer.batch_done(1)
