"""The worker's Prometheus metrics and health endpoint: `worker.ops.install` (see the
package docstring). Its own module so that `import worker.ops.logs` or `worker.ops.progress`
(every command's parser) does not import prometheus_client, kafka and numpy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from worker.ops.health import HealthState, OpsServer
from worker.ops.metrics import OutputTopics, PrometheusObserver

if TYPE_CHECKING:
    from worker.config import Settings

__all__ = ["InstalledObserver", "install", "shipped_model_version"]


class InstalledObserver(PrometheusObserver):
    """A PrometheusObserver that owns its HTTP endpoint (None when metrics_port is 0)."""

    server: OpsServer | None = None

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def install(
    settings: Settings,
    process_index: int = 0,
    model_version: str | None = None,
    host: str | None = None,
) -> InstalledObserver:
    """Metrics + /healthz + /readyz for worker process `process_index`.

    Serves on settings.metrics_host (or `host`), port settings.metrics_port + process_index;
    metrics_port 0 disables the endpoint
    (the observer still counts, which keeps tests and `--metrics-port 0` runs cheap).
    """
    if model_version is None:
        model_version = shipped_model_version()
    topics = OutputTopics(
        settings.articles_topic, settings.rejects_topic, settings.dead_letter_topic
    )
    observer = InstalledObserver(topics, model_version, health=HealthState())
    if settings.metrics_port:
        port = settings.metrics_port + process_index
        bind = host if host is not None else settings.metrics_host
        observer.server = OpsServer(observer.registry, observer.health, bind, port).start()
    return observer


def shipped_model_version() -> str:
    """The classifier's version string: `model_version()` in the core (one version per
    shipped model, joined), or the older constant `MODEL_VERSION`."""
    from worker.core import classify

    version = getattr(classify, "model_version", None)
    if callable(version):
        return str(version())
    return str(getattr(classify, "MODEL_VERSION", "unknown"))
