"""Liveness and readiness, and the one HTTP port per process that serves them with /metrics.

Definitions (what orchestrators get, and what the README documents):

- alive (`/healthz` 200): the worker loop has shown a sign of life (any observer hook: a
  poll, a publish, a commit, a lag update) within `liveness_timeout_s` — by default 300 s,
  Kafka's own `max.poll.interval.ms`, past which the group has evicted the consumer anyway.
  During the first `liveness_timeout_s` after start the process counts as alive, so a slow
  start is not killed.
- ready (`/readyz` 200): alive, AND the group has assigned this process at least one
  partition, AND the producer is producing: no produce error is more recent than the last
  acknowledged publish (a worker that has had nothing to publish yet counts as producing),
  AND no partition is paused because a batch of it could not be decoded.

Both answer with a small JSON body saying why, so `curl` shows the reason for a 503.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)

DEFAULT_LIVENESS_TIMEOUT_S = 300.0


@dataclass
class HealthState:
    """What the loop last told us, timestamped on a monotonic clock. Updated by the observer."""

    liveness_timeout_s: float = DEFAULT_LIVENESS_TIMEOUT_S
    clock: Callable[[], float] = time.monotonic
    started_at: float = field(default=-1.0)
    last_activity_at: float | None = None
    last_publish_at: float | None = None
    last_produce_error_at: float | None = None
    last_produce_error: str | None = None
    assigned: frozenset[tuple[str, int]] = frozenset()
    # Partitions paused because a batch could not be decoded -> the error.
    undecodable: dict[tuple[str, int], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.started_at < 0:
            self.started_at = self.clock()

    def touch(self) -> None:
        self.last_activity_at = self.clock()

    def published(self) -> None:
        with self._lock:
            self.last_publish_at = self.last_activity_at = self.clock()

    def produce_failed(self, error: BaseException) -> None:
        with self._lock:
            self.last_produce_error_at = self.last_activity_at = self.clock()
            self.last_produce_error = f"{type(error).__name__}: {error}"

    def set_assigned(self, partitions: list[tuple[str, int]]) -> None:
        self.assigned = frozenset(partitions)
        self.touch()

    def set_undecodable(self, topic: str, partition: int, error: str | None) -> None:
        with self._lock:
            if error is None:
                self.undecodable.pop((topic, partition), None)
            else:
                self.undecodable[(topic, partition)] = error
        self.touch()

    def liveness(self) -> tuple[bool, dict[str, Any]]:
        now = self.clock()
        reference = self.last_activity_at if self.last_activity_at is not None else self.started_at
        idle = now - reference
        alive = idle <= self.liveness_timeout_s
        return alive, {
            "alive": alive,
            "seconds_since_loop_activity": round(idle, 3),
            "liveness_timeout_seconds": self.liveness_timeout_s,
        }

    def producing(self) -> bool:
        with self._lock:
            if self.last_produce_error_at is None:
                return True
            return self.last_publish_at is not None and (
                self.last_publish_at > self.last_produce_error_at
            )

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        alive, detail = self.liveness()
        producing = self.producing()
        assigned = sorted(self.assigned)
        with self._lock:
            undecodable = dict(self.undecodable)
        ready = alive and producing and bool(assigned) and not undecodable
        reasons = []
        if not alive:
            reasons.append("worker loop shows no activity")
        if not assigned:
            reasons.append("no partitions assigned")
        if not producing:
            reasons.append(f"last produce failed: {self.last_produce_error}")
        for (topic, partition), error in sorted(undecodable.items()):
            reasons.append(f"cannot decode a batch of {topic}[{partition}]: {error}")
        return ready, {
            **detail,
            "ready": ready,
            "assigned_partitions": [f"{topic}[{partition}]" for topic, partition in assigned],
            "producing": producing,
            "not_ready_because": reasons,
        }


class OpsServer:
    """A daemon-thread HTTP server: /metrics (Prometheus text format), /healthz, /readyz."""

    def __init__(
        self, registry: CollectorRegistry, health: HealthState, host: str, port: int
    ) -> None:
        handler = _make_handler(registry, health)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"chaff-ops-http-{port}", daemon=True
        )

    @property
    def port(self) -> int:
        """The bound port (useful when started with port 0: the OS picks one)."""
        return int(self._server.server_address[1])

    def start(self) -> OpsServer:
        self._thread.start()
        log.info("ops endpoint listening", extra={"port": self.port})
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits forever on a loop that never ran
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


def _make_handler(registry: CollectorRegistry, health: HealthState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            elif path == "/healthz":
                self._send_status(*health.liveness())
            elif path == "/readyz":
                self._send_status(*health.readiness())
            else:
                self._send(404, "text/plain; charset=utf-8", b"try /metrics, /healthz, /readyz\n")

        def _send_status(self, ok: bool, detail: dict[str, Any]) -> None:
            body = orjson.dumps(detail, option=orjson.OPT_APPEND_NEWLINE)
            self._send(200 if ok else 503, "application/json", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # Probes hit these every few seconds; access lines would drown the worker's logs.
            log.debug("ops http: " + format, *args)

    return Handler
