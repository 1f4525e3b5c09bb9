"""Real-broker fixtures for the whole suite.

`kafka_bootstrap` (session): "host:port" of a real Kafka, from the first of
  1. $KAFKA_BOOTSTRAP_SERVERS (an existing cluster; checked to answer),
  2. a testcontainers KafkaContainer in KRaft mode, if a Docker engine answers
     (image: $CHAFF_TEST_KAFKA_IMAGE, default below),
  3. worker.broker.LocalKafka: pinned Kafka jars, one local JVM, no Docker.
  A broker that cannot be had is an ERROR of the tests that need it, never a skip.
`local_broker` / `broker` (function): the LocalKafka object, for tests that stop, kill or
  restart the broker. With options 1-2 a second, private LocalKafka is started for these
  tests (started only if such a test runs): they keep running everywhere, and never stop a
  cluster they do not own. After each test the broker is running again, whatever the test
  did to it, so one crash test cannot take the rest of the suite down.
`topic_factory` (session): makes uniquely named topics (see kafka_helpers.TopicFactory);
  they are deleted at the end of the session.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from kafka_helpers import TopicFactory

from worker.broker.jars import ensure_jars
from worker.broker.launcher import LocalKafka
from worker.broker.processes import describe_cluster

BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
DOCKER_IMAGE_ENV = "CHAFF_TEST_KAFKA_IMAGE"
# Confluent Platform 8.1 ships Apache Kafka 4.1; testcontainers' KafkaContainer expects
# Confluent's image layout.
DEFAULT_DOCKER_IMAGE = "confluentinc/cp-kafka:8.1.0"
EXTERNAL_ANSWER_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class SessionBroker:
    bootstrap: str
    origin: str  # "external", "docker" or "local": shown in the test report header
    local: LocalKafka | None = None


@pytest.fixture(scope="session")
def _session_broker(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[SessionBroker]:
    external = os.environ.get(BOOTSTRAP_ENV, "").strip()
    if external:
        _require_answer(external, f"${BOOTSTRAP_ENV}={external}")
        yield SessionBroker(external, "external")
    elif _docker_engine_reachable():
        yield from _docker_broker()
    else:
        broker = LocalKafka(tmp_path_factory.mktemp("kafka"))
        try:
            with _uncaptured(pytestconfig):  # first-use jar download progress stays visible
                ensure_jars()
            broker.start()  # a failure here is the error every broker test reports
            yield SessionBroker(broker.bootstrap_servers, "local", broker)
        finally:
            broker.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(_session_broker: SessionBroker) -> str:
    """`host:port` of the real Kafka the suite runs against."""
    return _session_broker.bootstrap


@pytest.fixture(scope="session")
def _restartable_broker(
    _session_broker: SessionBroker,
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
) -> Iterator[LocalKafka]:
    if _session_broker.local is not None:
        yield _session_broker.local
        return
    private = LocalKafka(tmp_path_factory.mktemp("kafka-private"))
    try:
        with _uncaptured(pytestconfig):
            ensure_jars()
        private.start()
        yield private
    finally:
        private.close()


@pytest.fixture
def local_broker(_restartable_broker: LocalKafka) -> Iterator[LocalKafka]:
    """A LocalKafka this test may stop(), kill() and start() (same address, same data).

    Note: its bootstrap_servers is kafka_bootstrap only when the suite runs on the local
    launcher; always use `local_broker.bootstrap_servers` (and
    `topic_factory(..., bootstrap=local_broker.bootstrap_servers)`) in such tests.
    """
    yield _restartable_broker
    if not _restartable_broker.is_running():
        _restartable_broker.start()


@pytest.fixture
def broker(local_broker: LocalKafka) -> LocalKafka:
    """Alias of `local_broker`."""
    return local_broker


@pytest.fixture(scope="session")
def topic_factory(kafka_bootstrap: str) -> Iterator[TopicFactory]:
    factory = TopicFactory(kafka_bootstrap)
    yield factory
    factory.delete_created()


def pytest_report_header(config: pytest.Config) -> list[str]:
    external = os.environ.get(BOOTSTRAP_ENV, "").strip()
    if external:
        return [f"kafka: external cluster at {external} (${BOOTSTRAP_ENV})"]
    return ["kafka: Docker KafkaContainer if a Docker engine answers, else local LocalKafka"]


@contextmanager
def _uncaptured(config: pytest.Config) -> Iterator[None]:
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        yield
        return
    with capture.global_and_fixture_disabled():
        yield


def _require_answer(bootstrap: str, described_as: str) -> None:
    deadline = time.monotonic() + EXTERNAL_ANSWER_TIMEOUT_S
    while describe_cluster(bootstrap, timeout_s=5.0) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{described_as}: no Kafka broker answered there within "
                f"{EXTERNAL_ANSWER_TIMEOUT_S:.0f} s (unset {BOOTSTRAP_ENV} to use a local one)"
            )
        time.sleep(1.0)


def _docker_engine_reachable() -> bool:
    """True only if a Docker engine actually answers (an installed client is not enough)."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no socket, no permission, no daemon: all mean "no Docker"
        return False


def _docker_broker() -> Iterator[SessionBroker]:
    from testcontainers.community.kafka import KafkaContainer

    image = os.environ.get(DOCKER_IMAGE_ENV, DEFAULT_DOCKER_IMAGE)
    container = KafkaContainer(image).with_kraft()
    container.start(timeout=180)
    try:
        bootstrap = container.get_bootstrap_server()
        _require_answer(bootstrap, f"KafkaContainer({image})")
        yield SessionBroker(bootstrap, "docker")
    finally:
        container.stop()
