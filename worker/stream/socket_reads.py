"""Larger socket reads for kafka-python's connections.

kafka-python 3.0 reads a readable socket 4 KiB at a time (`KafkaTCPTransport._sock_recv`,
`recv(4096)` in a loop until the socket has nothing left), and joins the pieces. A raw
HTML page is ~270 kB, so ~70 reads, each a system call, a new bytes object and a release and
re-acquisition of the GIL on kafka-python's I/O thread; while the loop thread classifies,
every re-acquisition waits for it to hand the GIL over. Reading up to 256 KiB per call
does the same with a handful. Measured (docs/measurements.md, "Where a worker's CPU goes"):
a consumer alone spent 0.54 ms of CPU per WCXB record with 4 KiB reads, 0.42 ms with 1 MiB
reads.

`install` replaces the method on kafka-python's TCP and TLS transports with the same code
and a larger read, once per process, and only for the kafka-python versions it was
written against (the method is internal); another version keeps its own reads.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

log = logging.getLogger(__name__)

READ_BYTES = 256 * 1024
# The versions whose `_sock_recv` this mirrors (kafka/net/transport.py).
KNOWN_VERSIONS = ("3.0.",)
_installed = False


def install() -> bool:
    """Patch kafka-python's transports (idempotent); whether the larger reads are in use."""
    global _installed
    if _installed:
        return True
    import kafka
    from kafka.net import transport

    if not kafka.__version__.startswith(KNOWN_VERSIONS) or not all(
        callable(getattr(cls, "_sock_recv", None))
        for cls in (transport.KafkaTCPTransport, transport.KafkaSSLTransport)
    ):
        log.info("kafka-python %s: keeping its own socket reads", kafka.__version__)
        return False
    transport.KafkaTCPTransport._sock_recv = _sock_recv
    transport.KafkaSSLTransport._sock_recv = _sock_recv
    _installed = True
    return True


def _sock_recv(self: Any) -> tuple[bytes, BaseException | None]:
    """kafka-python's `_sock_recv` (both transports), reading READ_BYTES at a time: every
    byte the socket holds now, and the error that ended the reading, if any."""
    from kafka import errors

    if self._sock is None:  # closed by another thread meanwhile (seen while stopping)
        return b"", errors.KafkaConnectionError("connection closed during receive")
    received: list[bytes] = []
    error: BaseException | None = None
    while True:
        try:
            data = self._sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            break  # drained (a TLS socket: until the TLS layer holds nothing either)
        except BaseException as exception:
            log.exception("%s: Error receiving network data closing socket", self)
            error = errors.KafkaConnectionError(exception)
            break
        if not data:
            log.error("%s: socket disconnected", self)
            error = errors.KafkaConnectionError("socket disconnected")
            break
        received.append(data)
    if len(received) == 1:
        return received[0], error
    return b"".join(received), error
