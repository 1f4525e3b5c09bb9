"""Operations: Prometheus metrics, health endpoints, structured logging, progress.

The worker loop needs one call::

    observer = worker.ops.install(settings, process_index)   # a LoopObserver
    ...                                                     # run the loop with it
    observer.close()                                        # stops the HTTP endpoint

`install` and `InstalledObserver` live in worker.ops.installed and are loaded on first use:
every command's parser imports worker.ops.logs, and `chaff --help` must not import
prometheus_client, kafka and numpy with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from worker.ops.installed import InstalledObserver, install, shipped_model_version

__all__ = ["InstalledObserver", "install", "shipped_model_version"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from worker.ops import installed

        return getattr(installed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
