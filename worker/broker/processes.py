"""The processes and ports around a local broker: finding Java, free ports, probing a
cluster, and stopping a process for sure. Shared by the plain and the secured launcher."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from worker.broker.jars import BrokerSetupError

HOST = "127.0.0.1"
MIN_JAVA_MAJOR = 17  # Kafka 4.x brokers need Java 17+


def describe_cluster(bootstrap_servers: str, timeout_s: float = 5.0) -> dict[str, Any] | None:
    """The cluster description if a live, unfenced broker answers there, else None."""
    # Imported late so that `chaff --help` stays fast.
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaConfigurationError, KafkaError

    timeout_ms = int(timeout_s * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="chaff-broker-probe",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
    except KafkaConfigurationError:
        raise  # our bug, not "not ready yet"
    except (KafkaError, OSError):
        return None
    try:
        cluster: dict[str, Any] = admin.describe_cluster()
        brokers = cluster.get("brokers") or []
        if any(not broker.get("is_fenced", False) for broker in brokers):
            admin.list_topics()
            return cluster
        return None
    except (KafkaError, OSError):
        return None
    finally:
        admin.close()


def terminate(
    pid: int, *, timeout_s: float = 30.0, child: subprocess.Popen[bytes] | None = None
) -> bool:
    """SIGTERM `pid`, wait up to `timeout_s`, then SIGKILL. True if it had to be killed."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        _reap(child)
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid, child):
            return False
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while _alive(pid, child):
        time.sleep(0.05)
    return True


def _alive(pid: int, child: subprocess.Popen[bytes] | None) -> bool:
    if child is not None:
        return child.poll() is None  # also reaps it, so no zombie lingers
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still "exists"; it is dead for our purposes.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return status != "Z"


def _reap(child: subprocess.Popen[bytes] | None) -> None:
    if child is not None:
        child.wait()


def find_java() -> str:
    """The java binary ($JAVA_HOME first), checked to be version 17 or later."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise BrokerSetupError(
            "no `java` found (JAVA_HOME or PATH); the local Kafka broker needs Java "
            f"{MIN_JAVA_MAJOR}+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)"
        )
    output = subprocess.run(
        [java, "-version"], capture_output=True, text=True, timeout=30, check=False
    ).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    major = int(match.group(1)) if match else 0
    if major == 1 and match and match.group(2):  # "1.8.0_x" style
        major = int(match.group(2))
    if major < MIN_JAVA_MAJOR:
        raise BrokerSetupError(
            f"{java} is Java {major or '(unknown version)'}; Kafka 4 needs Java {MIN_JAVA_MAJOR}+"
        )
    return java


def free_port(avoid: set[int] | None = None) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            port = int(probe.getsockname()[1])
        if port not in (avoid or set()):
            return port


def port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((HOST, port)) == 0


def die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM it when its parent dies."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)
