"""`LocalKafka`: a single-node Kafka (KRaft, broker+controller in one JVM) on 127.0.0.1, no Docker.

It runs `java -cp 'jars/*' kafka.Kafka server.properties` from the pinned, verified jar set
(see jars.py). The data dir keeps the storage, the generated config, the broker's log and
the ports it was formatted with, so `stop()` + `start()` (or `kill()` + `start()`) bring the
same broker back at the same address with its data: the fault tests rely on that. What it
is configured with (server.properties' defaults, log4j2, the data dir's file names) is
broker_config.py's.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from worker.broker.broker_config import (
    BROKER_DEFAULTS,
    DATA_STATE_FILE,
    LOG4J2_PROPERTIES,
    LOG_FILE,
    NODE_ID,
    STORAGE_SUBDIR,
    new_cluster_id,
)
from worker.broker.jars import LOCK_PATH, STDERR, BrokerSetupError, JarLock, ensure_jars
from worker.broker.processes import (
    HOST,
    describe_cluster,
    die_with_parent,
    find_java,
    free_port,
    port_accepts,
    terminate,
)


class BrokerStartError(BrokerSetupError):
    """The broker did not come up; the message carries the reason and the tail of its log."""


class LocalKafka:
    """A local single-node KRaft Kafka. Use as a context manager, or start()/close().

    data_dir: kept across stop()/start(); a temporary one (removed by close()) when None.
    port / controller_port: picked free at the first start when None, then reused.
    die_with_parent: the JVM gets SIGTERM if this Python process dies (tests); the
    `chaff broker start` command turns it off so the broker outlives the command.
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        port: int | None = None,
        controller_port: int | None = None,
        heap: str = "768m",
        startup_timeout_s: float = 120.0,
        config_overrides: Mapping[str, str] | None = None,
        kafka_home: Path | None = None,
        die_with_parent: bool = True,
        progress: TextIO | None = STDERR,
    ) -> None:
        self._owns_data_dir = data_dir is None
        self._data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self._requested_port = port
        self._requested_controller_port = controller_port
        self._heap = heap
        self._startup_timeout_s = startup_timeout_s
        self._config_overrides = dict(config_overrides or {})
        self._kafka_home = kafka_home
        self.die_with_parent = die_with_parent
        self._progress = progress
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._controller_port: int | None = None
        self.last_start_seconds: float | None = None
        self.last_stop_seconds: float | None = None

    # -- what callers read -------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            raise BrokerSetupError("the broker has no data dir before its first start()")
        return self._data_dir

    @property
    def port(self) -> int:
        if self._port is None:
            raise BrokerSetupError("the broker has no port before its first start()")
        return self._port

    @property
    def controller_port(self) -> int:
        if self._controller_port is None:
            raise BrokerSetupError("the broker has no controller port before its first start()")
        return self._controller_port

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.is_running() and self._process else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> LocalKafka:
        """Start the broker and return once it answers admin requests (or raise)."""
        if self.is_running():
            return self
        started = time.monotonic()
        jar_dir = ensure_jars(home=self._kafka_home, progress=self._progress)
        java = find_java()
        if self._data_dir is None:
            self._data_dir = Path(tempfile.mkdtemp(prefix="chaff-kafka-"))
        self._data_dir.mkdir(parents=True, exist_ok=True)
        state = self._load_or_create_state()
        _require_free_port(self.port, "broker")
        _require_free_port(self.controller_port, "controller")
        config_path = self._write_config(state)
        if not (self._data_dir / STORAGE_SUBDIR / "meta.properties").exists():
            self._format_storage(java, jar_dir, config_path, state["cluster_id"])
        self._launch(java, jar_dir, config_path)
        self._wait_until_ready(deadline=started + self._startup_timeout_s)
        self.last_start_seconds = time.monotonic() - started
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Graceful shutdown (SIGTERM); SIGKILL if it is still running after `timeout_s`."""
        if self._process is None:
            return
        started = time.monotonic()
        terminate(self._process.pid, timeout_s=timeout_s, child=self._process)
        self._process = None
        self.last_stop_seconds = time.monotonic() - started

    def kill(self) -> None:
        """A hard crash (SIGKILL): no flush, no controlled shutdown. start() recovers."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._process = None

    def restart(self) -> LocalKafka:
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop the broker and remove the data dir if this object created it."""
        self.stop()
        if self._owns_data_dir and self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def detach(self) -> int:
        """Forget the running JVM without stopping it (it outlives us); returns its pid."""
        if self._process is None or self._process.poll() is not None:
            raise BrokerSetupError("there is no running broker to detach")
        pid = self._process.pid
        self._process.returncode = 0  # keeps Popen.__del__ from warning about a live child
        self._process = None
        return pid

    def __enter__(self) -> LocalKafka:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except (OSError, BrokerSetupError):
            return "(no broker log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- internals -------------------------------------------------------------------------

    def _load_or_create_state(self) -> dict[str, Any]:
        """Ports and cluster id for this data dir: the KRaft voter endpoint is baked into the
        formatted storage, so a restart must reuse the controller port it was formatted with."""
        state_path = self.data_dir / DATA_STATE_FILE
        formatted = (self.data_dir / STORAGE_SUBDIR / "meta.properties").exists()
        if state_path.exists():
            state: dict[str, Any] = json.loads(state_path.read_text(encoding="utf-8"))
        elif formatted:
            raise BrokerSetupError(
                f"{self.data_dir} holds Kafka storage but no {DATA_STATE_FILE}; it was not "
                "made by this launcher. Use an empty or new data dir."
            )
        else:
            state = {"cluster_id": new_cluster_id()}
        if (
            formatted
            and self._requested_controller_port is not None
            and self._requested_controller_port != state["controller_port"]
        ):
            raise BrokerSetupError(
                f"{self.data_dir} was formatted with controller port {state['controller_port']}; "
                f"it cannot be restarted on {self._requested_controller_port}"
            )
        port = self._port or self._requested_port or state.get("port") or free_port()
        controller_port = (
            state.get("controller_port")
            or self._controller_port
            or self._requested_controller_port
            or free_port(avoid={port})
        )
        state.update(
            port=port,
            controller_port=controller_port,
            kafka_version=JarLock.load(LOCK_PATH).kafka_version,
        )
        state_path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        self._port, self._controller_port = int(port), int(controller_port)
        return state

    def _write_config(self, state: Mapping[str, Any]) -> Path:
        broker = f"{HOST}:{self.port}"
        controller = f"{HOST}:{self.controller_port}"
        settings: dict[str, str] = {
            "process.roles": "broker,controller",
            "node.id": str(NODE_ID),
            "controller.quorum.bootstrap.servers": controller,
            "listeners": f"PLAINTEXT://{broker},CONTROLLER://{controller}",
            "advertised.listeners": f"PLAINTEXT://{broker},CONTROLLER://{controller}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir / STORAGE_SUBDIR),
            **BROKER_DEFAULTS,
            **self._config_overrides,
        }
        config_path = self.data_dir / "server.properties"
        config_path.write_text(
            f"# Written by chaff's LocalKafka, cluster {state['cluster_id']}; rewritten on start.\n"
            + "".join(f"{key}={value}\n" for key, value in settings.items()),
            encoding="utf-8",
        )
        (self.data_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES, encoding="utf-8")
        return config_path

    def _format_storage(self, java: str, jar_dir: Path, config_path: Path, cluster_id: str) -> None:
        command = [
            java,
            *self._jvm_options(),
            "-cp",
            str(jar_dir / "*"),
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "--cluster-id",
            cluster_id,
            "--config",
            str(config_path),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise BrokerStartError(
                f"formatting the Kafka storage in {self.data_dir} failed (exit "
                f"{result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}"
            )

    def _jvm_options(self) -> list[str]:
        return [
            f"-Xmx{self._heap}",
            "-Xms128m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            # Log4j2 would stop logging at the first shutdown hook; keep the last lines.
            "-Dlog4j2.shutdownHookEnabled=false",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
        ]

    def _launch(self, java: str, jar_dir: Path, config_path: Path) -> None:
        command = [
            java,
            *self._jvm_options(),
            "-cp",
            str(jar_dir / "*"),
            "kafka.Kafka",
            str(config_path),
        ]
        with self.log_path.open("ab") as log:
            banner = f"\n===== chaff: starting Kafka on {self.bootstrap_servers}, {time.ctime()}\n"
            log.write(banner.encode())
            log.flush()
            self._process = subprocess.Popen(
                command,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches us, and we stop the broker.
                start_new_session=True,
                preexec_fn=die_with_parent if self.die_with_parent else None,
            )

    def _wait_until_ready(self, *, deadline: float) -> None:
        while True:
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                self._process = None
                raise BrokerStartError(
                    f"the Kafka broker exited during start-up (exit {code}); "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            if port_accepts(self.port) and describe_cluster(self.bootstrap_servers, 5.0):
                return
            if time.monotonic() > deadline:
                self.kill()
                raise BrokerStartError(
                    f"the Kafka broker did not answer on {self.bootstrap_servers} within "
                    f"{self._startup_timeout_s:.0f} s; log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.25)


def _require_free_port(port: int, role: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same as the JVM does: a port in TIME_WAIT after our own restart is fine.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise BrokerStartError(
                f"the {role} port {HOST}:{port} is already in use ({error.strerror}); another "
                "broker may be running there (`chaff broker status`), or choose another port"
            ) from None
