"""`chaff broker start|stop|status|fetch`: a local Kafka for development, from this directory.

A background broker is remembered in .chaff/broker.json (pid, address, data dir) in the
current directory, so `stop` and `status` find it again; its data lives in .chaff/broker/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from worker.broker.broker_config import DATA_STATE_FILE
from worker.broker.jars import (
    LOCK_PATH,
    BrokerSetupError,
    JarLock,
    ensure_jars,
    update_lock,
)
from worker.broker.launcher import LocalKafka
from worker.broker.processes import describe_cluster, terminate

STATE_DIR = Path(".chaff")
STATE_FILE = STATE_DIR / "broker.json"
DEFAULT_DATA_DIR = STATE_DIR / "broker"
DEFAULT_PORT = 9092  # what CHAFF_BOOTSTRAP_SERVERS defaults to, so `chaff run` just works


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    broker = subparsers.add_parser(
        "broker",
        help="run a local single-node Kafka for development (no Docker)",
        description=(
            "A local single-node Kafka (KRaft mode, Kafka "
            f"{_locked_version()}) on 127.0.0.1, for development and tests. It runs from "
            "pinned jars downloaded once over HTTPS from Maven Central (or "
            "$CHAFF_MAVEN_REPOSITORY) into ~/.cache/chaff (or $CHAFF_KAFKA_HOME) and checked "
            "against worker/broker/kafka-jars.lock; no Maven needed. "
            "Needs Java 17+."
        ),
    )
    actions = broker.add_subparsers(dest="broker_command", metavar="ACTION", required=True)

    start = actions.add_parser(
        "start",
        help="start the broker (in the background unless --foreground)",
        description=(
            "Start the broker and wait until it answers. In the background (the default) it "
            f"keeps running after this command; its pid and address go to {STATE_FILE} so "
            "`chaff broker stop` and `chaff broker status` find it. Data and the broker log "
            f"stay in the data dir, so a restart keeps topics and messages. Starting an "
            "already-running broker just prints its address."
        ),
    )
    start.add_argument(
        "--port",
        type=int,
        help=(
            f"broker port on 127.0.0.1 (default: {DEFAULT_PORT} for a new data dir, "
            "the port it had before for an existing one)"
        ),
    )
    start.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"storage, config and server.log of the broker (default: {DEFAULT_DATA_DIR})",
    )
    start.add_argument(
        "--foreground",
        action="store_true",
        help="stay attached; Ctrl-C (or SIGTERM) stops the broker",
    )
    start.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the broker to answer before giving up (default: 120)",
    )
    start.set_defaults(handler=_start)

    stop = actions.add_parser(
        "stop",
        help="stop the background broker started from this directory",
        description=(
            f"Stop the broker recorded in {STATE_FILE}: SIGTERM, then SIGKILL if it has not "
            "exited after --timeout seconds. Its data stays unless --purge."
        ),
    )
    stop.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before SIGKILL (default: 30)"
    )
    stop.add_argument(
        "--purge", action="store_true", help="also delete the data dir (all topics and messages)"
    )
    stop.set_defaults(handler=_stop)

    status = actions.add_parser(
        "status",
        help="is the broker from this directory running and answering?",
        description=(
            f"Report the broker recorded in {STATE_FILE}. Exit status 0 if it is running "
            "and answers admin requests, 1 otherwise."
        ),
    )
    status.add_argument(
        "--bootstrap",
        action="store_true",
        help="print only the bootstrap address (for scripts: "
        "CHAFF_BOOTSTRAP_SERVERS=$(chaff broker status --bootstrap))",
    )
    status.set_defaults(handler=_status)

    fetch = actions.add_parser(
        "fetch",
        help="download and verify the Kafka jars only (e.g. in a CI set-up step)",
        description=(
            "Download the pinned Kafka jars from Maven Central with `mvn` (first time only) "
            "and check every jar's sha256 against worker/broker/kafka-jars.lock."
        ),
    )
    fetch.add_argument(
        "--update-lock",
        action="store_true",
        help=(
            "maintainers: download the jar set worker/broker/pom.xml names now and rewrite "
            "the lock file from it (after changing kafka.version in the pom)"
        ),
    )
    fetch.set_defaults(handler=_fetch)


def _start(args: argparse.Namespace) -> int:
    running = _running_broker()
    if running is not None:
        print(
            f"A broker is already running at {running['bootstrap_servers']} (pid {running['pid']})."
        )
        print("Stop it with: chaff broker stop")
        return 0
    data_dir: Path = args.data_dir.resolve()
    port = args.port
    if port is None and not (data_dir / DATA_STATE_FILE).exists():
        port = DEFAULT_PORT
    broker = LocalKafka(
        data_dir,
        port=port,
        startup_timeout_s=args.timeout,
        die_with_parent=args.foreground,
    )
    try:
        broker.start()
    except BrokerSetupError as error:
        print(f"chaff broker start: {error}", file=sys.stderr)
        return 1
    state = {
        "pid": broker.pid,
        "bootstrap_servers": broker.bootstrap_servers,
        "port": broker.port,
        "controller_port": broker.controller_port,
        "data_dir": str(broker.data_dir),
        "log": str(broker.log_path),
        "kafka_version": _locked_version(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "foreground": args.foreground,
    }
    STATE_DIR.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    print(
        f"Kafka {_locked_version()} is running at {broker.bootstrap_servers} "
        f"(pid {broker.pid}, ready in {broker.last_start_seconds or 0:.1f} s)"
    )
    print(f"  data: {broker.data_dir}\n  log:  {broker.log_path}")
    print(f"  use it: export CHAFF_BOOTSTRAP_SERVERS={broker.bootstrap_servers}")
    if not args.foreground:
        broker.detach()
        print("  stop it: chaff broker stop")
        return 0
    print("  stop it: Ctrl-C", flush=True)
    return _serve_foreground(broker)


def _serve_foreground(broker: LocalKafka) -> int:
    """Wait for Ctrl-C/SIGTERM (then stop the broker) or for the broker to die by itself."""
    stop_requested = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stop_requested and broker.is_running():
            time.sleep(0.5)
    except KeyboardInterrupt:
        stop_requested = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        died = not broker.is_running()
        broker.stop()
        STATE_FILE.unlink(missing_ok=True)
    if died and not stop_requested:
        print(f"the broker exited unexpectedly; log tail:\n{broker.log_tail()}", file=sys.stderr)
        return 1
    print("broker stopped")
    return 0


def _stop(args: argparse.Namespace) -> int:
    state = _read_state()
    if state is None:
        print(f"no broker was started from this directory (no {STATE_FILE})")
        return 0
    if _is_our_broker(state):
        started = time.monotonic()
        killed = terminate(int(state["pid"]), timeout_s=args.timeout)
        how = "killed (SIGKILL) after not stopping in time" if killed else "stopped"
        print(f"broker at {state['bootstrap_servers']} {how} in {time.monotonic() - started:.1f} s")
    else:
        print(f"the broker recorded in {STATE_FILE} (pid {state['pid']}) was not running")
    STATE_FILE.unlink(missing_ok=True)
    if args.purge:
        shutil.rmtree(state["data_dir"], ignore_errors=True)
        print(f"deleted {state['data_dir']}")
    return 0


def _status(args: argparse.Namespace) -> int:
    state = _read_state()
    if state is None or not _is_our_broker(state):
        if not args.bootstrap:
            stale = "" if state is None else f" (stale {STATE_FILE}: pid {state['pid']} is gone)"
            print(f"no broker running from this directory{stale}; start one: chaff broker start")
        return 1
    cluster = describe_cluster(state["bootstrap_servers"], timeout_s=5.0)
    if args.bootstrap:
        if cluster is None:
            return 1
        print(state["bootstrap_servers"])
        return 0
    answering = "answering" if cluster is not None else "NOT answering (starting or stuck?)"
    print(
        f"Kafka {state['kafka_version']} at {state['bootstrap_servers']}: "
        f"pid {state['pid']}, {answering}"
    )
    print(f"  since {state['started_at']}\n  data: {state['data_dir']}\n  log:  {state['log']}")
    return 0 if cluster is not None else 1


def _fetch(args: argparse.Namespace) -> int:
    try:
        if args.update_lock:
            lock = update_lock()
            print(f"rewrote {LOCK_PATH} for Kafka {lock.kafka_version} ({len(lock.jars)} jars)")
            return 0
        jar_dir = ensure_jars()
    except BrokerSetupError as error:
        print(f"chaff broker fetch: {error}", file=sys.stderr)
        return 1
    jars = list(jar_dir.glob("*.jar"))
    size_mb = sum(jar.stat().st_size for jar in jars) / 1e6
    print(f"Kafka {_locked_version()}: {len(jars)} jars ({size_mb:.1f} MB) verified in {jar_dir}")
    return 0


def _read_state() -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(STATE_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        print(f"ignoring unreadable {STATE_FILE}", file=sys.stderr)
        return None
    return state


def _running_broker() -> dict[str, Any] | None:
    state = _read_state()
    return state if state is not None and _is_our_broker(state) else None


def _is_our_broker(state: dict[str, Any]) -> bool:
    """Is the recorded pid alive and still our Kafka JVM (pids get reused)?"""
    try:
        command_line = Path(f"/proc/{int(state['pid'])}/cmdline").read_bytes()
    except (OSError, ValueError, KeyError):
        return False
    return b"kafka.Kafka" in command_line and str(state["data_dir"]).encode() in command_line


def _locked_version() -> str:
    try:
        return JarLock.load(LOCK_PATH).kafka_version
    except BrokerSetupError:
        return "(unknown: lock file missing)"
