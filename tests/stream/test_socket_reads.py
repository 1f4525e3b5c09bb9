"""worker.stream.socket_reads: kafka-python's transports read sockets in large pieces, and
still return every byte and report a closed connection."""

from __future__ import annotations

import os
import select
import socket
import threading
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaConnectionError
from kafka.net.transport import KafkaSSLTransport, KafkaTCPTransport
from kafka_helpers import TopicFactory, consume_all

from worker.stream import socket_reads


class CountingSocket:
    """Forwards recv to a real socket and counts the calls."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.calls = 0

    def recv(self, size: int) -> bytes:
        self.calls += 1
        return self.sock.recv(size)


class Transport:
    """What `_sock_recv` needs of a kafka-python transport."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock


def test_reads_every_byte_in_large_pieces_then_reports_the_close() -> None:
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    payload = os.urandom(3 * 1024 * 1024)

    def send_and_close() -> None:
        writer.sendall(payload)
        writer.close()

    sender = threading.Thread(target=send_and_close)
    sender.start()
    counting = CountingSocket(reader)
    transport = Transport(counting)
    received = bytearray()
    error = None
    while error is None:
        select.select([reader], [], [], 5)
        data, error = socket_reads._sock_recv(transport)
        received += data
    sender.join()
    reader.close()
    assert bytes(received) == payload
    assert isinstance(error, KafkaConnectionError) and "disconnected" in str(error)
    # kafka-python's own reads take 4 KiB: 768 calls at least for 3 MiB.
    assert counting.calls < len(payload) // 4096 // 4


def test_a_connection_closed_meanwhile_is_an_error_not_a_traceback() -> None:
    data, error = socket_reads._sock_recv(Transport(None))
    assert data == b""
    assert isinstance(error, KafkaConnectionError) and "closed" in str(error)


def test_installed_on_both_transports_and_a_large_record_comes_through_whole(
    kafka_bootstrap: str, topic_factory: TopicFactory
) -> None:
    assert socket_reads.install()
    assert KafkaTCPTransport._sock_recv is socket_reads._sock_recv
    assert KafkaSSLTransport._sock_recv is socket_reads._sock_recv
    topic = topic_factory("socket-reads", config={"max.message.bytes": str(4 * 1024 * 1024)})
    values = [os.urandom(1_500_000), os.urandom(10), os.urandom(300_000)]
    assert round_trip(kafka_bootstrap, topic, values, 4 * 1024 * 1024) == values


def test_frames_are_read_straight_into_the_parser_buffer_and_come_through_whole(
    kafka_bootstrap: str, topic_factory: TopicFactory, monkeypatch: Any
) -> None:
    assert socket_reads.install()
    assert KafkaTCPTransport._read_from_sock is socket_reads._read_from_sock
    assert KafkaSSLTransport._read_from_sock is not socket_reads._read_from_sock
    direct: list[int] = []
    frame_in_progress = socket_reads._frame_in_progress

    def counted(protocol: Any) -> Any:
        frame = frame_in_progress(protocol)
        if frame is not None:
            direct.append(len(frame))
        return frame

    monkeypatch.setattr(socket_reads, "_frame_in_progress", counted)
    topic = topic_factory("direct-reads", config={"max.message.bytes": str(8 * 1024 * 1024)})
    # Values of every size around the direct reads' bounds, in several fetch responses.
    values = [os.urandom(size) for size in (3_000_000, 1, 65_536, 65_537, 700_000, 0) * 3]
    assert round_trip(kafka_bootstrap, topic, values, 8 * 1024 * 1024) == values
    assert direct and max(direct) > 3_000_000  # the large fetch responses went direct


def round_trip(bootstrap: str, topic: str, values: list[bytes], max_bytes: int) -> list[bytes]:
    """The values as a consumer reads them back after one producer sent them in order."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=max_bytes)
    for value in values:
        producer.send(topic, value, key=b"k")
    producer.flush()
    producer.close()
    return [record.value for record in consume_all(bootstrap, topic)]
