"""Run `chaff run` as a real subprocess for ops tests, and read what it serves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            url = f"http://127.0.0.1:{self.port}{path}"
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), bytes(error.read())

    def samples(self) -> dict[str, float]:
        """Sample name (with labels) -> value, e.g. 'chaff_segments_total{label="junk"}'."""
        status, body = self.get("/metrics")
        assert status == 200
        result = {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                result[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return result

    def wait_until(self, what: str, check: object, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited ({self.process.returncode}):\n{self.log()}")
            try:
                if callable(check) and check():
                    return
            except (OSError, AssertionError):
                pass  # endpoint not up yet
            time.sleep(0.2)
        raise AssertionError(f"worker: not {what} after {timeout_s} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]


@contextmanager
def running_worker(
    bootstrap: str, env: Mapping[str, str], tmp_path: Path, args: tuple[str, ...] = ()
) -> Iterator[WorkerProcess]:
    port = free_port()
    log_path = tmp_path / "worker.log"
    full_env = {
        **os.environ,
        "CHAFF_BOOTSTRAP_SERVERS": bootstrap,
        "CHAFF_METRICS_PORT": str(port),
        "CHAFF_PROCESSES": "1",
        **env,
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "worker", "run", *args],
            cwd=REPO,
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        worker = WorkerProcess(process, port, log_path)
        try:
            yield worker
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
