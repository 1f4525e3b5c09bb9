"""`chaff run --processes N`: N worker processes on this host, all in the same group.

Each child is a full `chaff run --process-index i` with the parent's settings; the group
spreads the partitions over them as over workers on other hosts. The parent forwards
SIGTERM/SIGINT, restarts a child that dies unexpectedly (its partitions are rebalanced to
the others meanwhile, and resume from committed offsets), and exits with the worst exit
code of the children once they have all stopped.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from worker.config import Settings

log = logging.getLogger(__name__)

RESTART_DELAY_S = 1.0
POLL_INTERVAL_S = 0.2


def child_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for spec in dataclasses.fields(Settings):
        value = getattr(settings, spec.name)
        env[spec.metadata["env"]] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def supervise(settings: Settings) -> int:
    env = child_environment(settings)
    stopping = False

    def spawn(index: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "worker", "run", "--process-index", str(index)]
        return subprocess.Popen(command, env=env)

    children = {index: spawn(index) for index in range(settings.processes)}
    log.info("started %d worker processes: %s", len(children), [c.pid for c in children.values()])

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    exit_codes: dict[int, int] = {}
    while len(exit_codes) < len(children):
        time.sleep(POLL_INTERVAL_S)
        for index, child in list(children.items()):
            code = child.poll()
            if code is None or index in exit_codes:
                continue
            if stopping:
                exit_codes[index] = code
            else:
                log.warning("worker process %d exited with %d; restarting it", index, code)
                time.sleep(RESTART_DELAY_S)
                children[index] = spawn(index)
    worst = max(exit_codes.values(), key=abs)
    log.info("all worker processes stopped (exit codes %s)", sorted(exit_codes.items()))
    return worst
