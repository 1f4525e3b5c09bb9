"""/healthz, /readyz and /metrics over real HTTP, with the documented definitions."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from worker.config import Settings
from worker.ops import install
from worker.ops.health import HealthState, OpsServer
from worker.ops.metrics import OutputTopics, PrometheusObserver


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


@pytest.fixture
def served() -> Iterator[tuple[PrometheusObserver, FakeClock, int]]:
    clock = FakeClock()
    health = HealthState(liveness_timeout_s=60, clock=clock)
    observer = PrometheusObserver(OutputTopics("a", "r", "d"), "m-1", health=health)
    server = OpsServer(observer.registry, health, "127.0.0.1", 0).start()
    try:
        yield observer, clock, server.port
    finally:
        server.stop()


def test_not_ready_until_partitions_are_assigned(
    served: tuple[PrometheusObserver, FakeClock, int],
) -> None:
    observer, _, port = served
    status, body = get(port, "/readyz")
    assert status == 503
    assert orjson.loads(body)["not_ready_because"] == ["no partitions assigned"]
    observer.on_assigned([("raw", 0)])
    status, body = get(port, "/readyz")
    assert status == 200
    assert orjson.loads(body)["assigned_partitions"] == ["raw[0]"]


def test_a_failing_producer_is_not_ready_until_a_publish_succeeds(
    served: tuple[PrometheusObserver, FakeClock, int],
) -> None:
    observer, clock, port = served
    observer.on_assigned([("raw", 0)])
    clock.now += 1
    observer.on_error("produce", TimeoutError("no ack in 30 s"))
    status, body = get(port, "/readyz")
    assert status == 503
    assert "TimeoutError: no ack in 30 s" in orjson.loads(body)["not_ready_because"][0]
    clock.now += 1
    observer.on_published("a", 1, [0.1])
    assert get(port, "/readyz")[0] == 200


def test_liveness_expires_without_loop_activity(
    served: tuple[PrometheusObserver, FakeClock, int],
) -> None:
    observer, clock, port = served
    assert get(port, "/healthz")[0] == 200  # start-up grace
    clock.now += 61
    status, body = get(port, "/healthz")
    assert status == 503
    assert orjson.loads(body)["seconds_since_loop_activity"] == 61
    observer.on_records_consumed(0)  # an empty poll is a sign of life
    assert get(port, "/healthz")[0] == 200


def test_metrics_endpoint_serves_prometheus_text(
    served: tuple[PrometheusObserver, FakeClock, int],
) -> None:
    observer, _, port = served
    observer.on_records_consumed(2)
    observer.on_assigned([("raw", 0)])
    status, body = get(port, "/metrics")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    assert families["chaff_pages_consumed"].samples[0].value == 2
    assert families["chaff_ready"].samples[0].value == 1
    assert "process_resident_memory_bytes" in families
    assert get(port, "/nope")[0] == 404


def test_install_uses_port_plus_process_index_and_zero_disables() -> None:
    assert install(Settings(metrics_port=0)).server is None
    probe = OpsServer(
        PrometheusObserver(OutputTopics("a", "r", "d"), "x").registry, HealthState(), "127.0.0.1", 0
    )
    base = probe.port  # a free port, released before install binds base + 1
    probe.stop()
    observer = install(Settings(metrics_port=base - 1), process_index=1, host="127.0.0.1")
    try:
        assert observer.server is not None and observer.server.port == base
        assert get(base, "/healthz")[0] == 200
    finally:
        observer.close()


def _answers(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _outside_address() -> str:
    """An address of this host that is not loopback (the one a route to the world uses)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # UDP connect sends nothing; it only picks a route
        address = str(probe.getsockname()[0])
    assert not address.startswith("127."), "this test needs a non-loopback interface"
    return address


@pytest.mark.parametrize(("bind", "outside_answers"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_the_bind_address_is_a_setting(bind: str, outside_answers: bool) -> None:
    outside = _outside_address()
    settings = Settings.from_env({"CHAFF_METRICS_HOST": bind, "CHAFF_METRICS_PORT": "1"})
    probe = OpsServer(
        PrometheusObserver(OutputTopics("a", "r", "d"), "x").registry, HealthState(), bind, 0
    )
    port = probe.port
    probe.stop()
    observer = install(Settings(metrics_port=port, metrics_host=settings.metrics_host))
    try:
        assert _answers("127.0.0.1", port)
        assert _answers(outside, port) is outside_answers
    finally:
        observer.close()
