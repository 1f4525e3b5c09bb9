"""Larger socket reads for kafka-python's connections.

kafka-python 3.0 reads a readable socket 4 KiB at a time (`KafkaTCPTransport._sock_recv`,
`recv(4096)` in a loop until the socket has nothing left), and joins the pieces. A raw
HTML page is ~270 kB, so ~70 reads, each a system call, a new bytes object and a release and
re-acquisition of the GIL on kafka-python's I/O thread; while the loop thread classifies,
every re-acquisition waits for it to hand the GIL over. Reading up to 256 KiB per call
does the same with a handful. Measured (docs/measurements.md, "Where a worker's CPU goes"):
a consumer alone spent 0.54 ms of CPU per WCXB record with 4 KiB reads, 0.42 ms with 1 MiB
reads.

On a plain TCP connection (PLAINTEXT, SASL_PLAINTEXT) the reads go further: while the
network parser is filling a frame (a fetch response of up to 8 MiB), the socket is read
straight into that frame's buffer (`recv_into`), all but its last byte; that byte and
whatever follows it take the parser's usual path, which completes and decodes the frame.
Without it every byte was received into a new bytes object, joined with the others of one
read (a copy), and copied again into the frame. TLS connections keep the joined reads.

`install` replaces the methods on kafka-python's transports with the same code and larger
reads, once per process, and only for the kafka-python versions it was written against
(the methods are internal); another version keeps its own reads.
"""

from __future__ import annotations

import logging
import ssl
import time
from typing import Any

log = logging.getLogger(__name__)

READ_BYTES = 256 * 1024
# Below this much room left in a frame, the socket is read the usual way.
DIRECT_MIN_BYTES = 64 * 1024
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
    if callable(getattr(transport.KafkaTCPTransport, "_read_from_sock", None)):
        # The TLS transport inherits the TCP one's: it keeps kafka-python's own.
        transport.KafkaSSLTransport._read_from_sock = transport.KafkaTCPTransport._read_from_sock
        transport.KafkaTCPTransport._read_from_sock = _read_from_sock
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


async def _read_from_sock(self: Any) -> None:
    """kafka-python's `KafkaTCPTransport._read_from_sock` (a task of its network loop),
    delivering each read to the connection as it comes, and reading into the frame in
    progress where there is one (see the module's docstring)."""
    from kafka import errors

    while self._read and not self._closed:
        await self._net.wait_read(self._sock)
        while self._read and not self._closed:
            received, data, error = _receive_once(self)
            if error is not None:
                self.abort(error=error)
                return
            if not received:
                break  # drained: wait for the socket again
            self.last_read = time.monotonic()
            protocol = self._protocol
            if protocol and protocol._sensors:
                protocol._sensors.bytes_received.record(received)
            if data is not None:
                try:
                    protocol.data_received(data)
                except errors.KafkaProtocolError as exception:
                    self.abort(error=exception)
                    return


def _receive_once(self: Any) -> tuple[int, bytes | None, BaseException | None]:
    """One read: (bytes received, the bytes if they still need parsing, the error)."""
    from kafka import errors

    sock = self._sock
    if sock is None:  # closed by another thread meanwhile
        return 0, None, errors.KafkaConnectionError("connection closed during receive")
    frame = _frame_in_progress(self._protocol)
    try:
        if frame is not None:
            start = frame.tell()
            with memoryview(frame) as whole, whole[start : len(frame) - 1] as room:
                received = sock.recv_into(room)
            if received:
                frame.seek(start + received)
                return received, None, None
            data = b""
        else:
            data = sock.recv(READ_BYTES)
    except (BlockingIOError, InterruptedError):
        return 0, None, None
    except BaseException as exception:
        log.exception("%s: Error receiving network data closing socket", self)
        return 0, None, errors.KafkaConnectionError(exception)
    if not data:
        log.error("%s: socket disconnected", self)
        return 0, None, errors.KafkaConnectionError("socket disconnected")
    return len(data), data, None


def _frame_in_progress(protocol: Any) -> Any:
    """The buffer of the frame kafka-python's parser is filling, if it has room for a
    direct read: DIRECT_MIN_BYTES or more besides the frame's last byte."""
    from kafka.protocol.frame import KafkaBytes

    parser = getattr(protocol, "parser", None)
    if parser is None or getattr(protocol, "closed", True):
        return None
    frame = getattr(parser, "_rbuffer", None)
    if not getattr(parser, "_receiving", False) or not isinstance(frame, KafkaBytes):
        return None
    if len(frame) - 1 - frame.tell() < DIRECT_MIN_BYTES:
        return None
    return frame
