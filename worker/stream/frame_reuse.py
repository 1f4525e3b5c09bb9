"""kafka-python's large response frames reused instead of mapped afresh for each response.

kafka-python's network parser allocates a new buffer (`KafkaBytes`, a zero-filled
bytearray) for every response frame. A fetch response is up to `fetch_max_bytes` (8 MiB in
the worker), over the worker's 1 MiB mmap threshold (`worker.ops.memory`): glibc maps each
one afresh and unmaps it when it is freed, so every 4 KiB of every frame is a page fault, the
largest single source of the worker's page faults (perf, docs/measurements.md, issue 21).

`install` gives the parser a factory that keeps the last large frame of each thread and
hands it out again, resized without zero-filling, when nothing else refers to it any more:
no response object, no memoryview of its records, no batch (they all hold a reference to
the frame). A frame still referred to is left alone and a new one allocated. The parser
writes every byte of a frame before it decodes it, so no byte of the previous response is
ever read. Small frames (under REUSE_MIN_BYTES) are kafka-python's own. At most one idle
large frame per thread stays allocated. Once per process, and only for the kafka-python
versions it was written against.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)

# Frames at least this large are reused (smaller ones come from the heap anyway).
REUSE_MIN_BYTES = 1024 * 1024
# The versions whose parser this mirrors (kafka/protocol/parser.py).
KNOWN_VERSIONS = ("3.0.",)
_installed = False
_spare = threading.local()
_resize = ctypes.pythonapi.PyByteArray_Resize
_resize.argtypes = (ctypes.py_object, ctypes.c_ssize_t)
_resize.restype = ctypes.c_int


def _references_when_idle() -> int:
    """What `sys.getrefcount` says of a frame nothing else refers to, looked at as `_frame`
    looks at it (the slot, the local name, the call's argument: 3 on CPython 3.11; measured,
    not assumed, since interpreters count borrowed references differently)."""
    slot = threading.local()
    slot.frame = bytearray()
    spare = getattr(slot, "frame", None)
    return sys.getrefcount(spare)


_IDLE_REFERENCES = _references_when_idle()


def install() -> bool:
    """Patch kafka-python's parser (idempotent); whether frames are reused."""
    global _installed
    if _installed:
        return True
    import kafka
    from kafka.protocol import frame, parser

    if (
        not kafka.__version__.startswith(KNOWN_VERSIONS)
        or parser.KafkaBytes is not frame.KafkaBytes
    ):
        log.info("kafka-python %s: keeping its own response frames", kafka.__version__)
        return False
    parser.KafkaBytes = _frame
    _installed = True
    return True


def _frame(nbytes: int) -> Any:
    """A KafkaBytes of `nbytes`, position 0: this thread's idle spare, or a new one."""
    from kafka.protocol.frame import KafkaBytes

    if nbytes < REUSE_MIN_BYTES:
        return KafkaBytes(nbytes)
    spare = getattr(_spare, "frame", None)
    if spare is not None and sys.getrefcount(spare) == _IDLE_REFERENCES:
        # Nothing but this module refers to it: nothing can read it while it is refilled.
        # (The resize also refuses a buffer with views, BufferError, as a second guard.)
        _resize(spare, nbytes)
        spare.seek(0)
        return spare
    fresh = KafkaBytes(nbytes)
    _spare.frame = fresh
    return fresh
