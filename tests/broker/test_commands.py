"""`chaff broker start|status|stop|fetch` against a real background broker."""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from worker.broker import commands
from worker.broker.jars import JarLock
from worker.broker.processes import describe_cluster

pytestmark = pytest.mark.broker


def chaff_broker(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="chaff")
    commands.register(parser.add_subparsers())
    args = parser.parse_args(["broker", *argv])
    return int(args.handler(args))


@pytest.fixture
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    if (tmp_path / commands.STATE_FILE).exists():  # never leave a JVM behind a failed test
        chaff_broker("stop", "--timeout", "5")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_background_broker_start_status_stop(
    in_tmp_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    assert chaff_broker("start", "--port", str(port)) == 0
    started = capsys.readouterr().out
    assert f"running at 127.0.0.1:{port}" in started
    assert "chaff broker stop" in started
    state = json.loads((in_tmp_dir / ".chaff" / "broker.json").read_text())
    assert state["bootstrap_servers"] == f"127.0.0.1:{port}"
    assert Path(state["data_dir"]) == in_tmp_dir / ".chaff" / "broker"
    assert describe_cluster(f"127.0.0.1:{port}") is not None  # it outlived the command

    assert chaff_broker("status", "--bootstrap") == 0
    assert capsys.readouterr().out.strip() == f"127.0.0.1:{port}"
    assert chaff_broker("start") == 0
    assert "already running" in capsys.readouterr().out

    assert chaff_broker("stop") == 0
    assert "stopped" in capsys.readouterr().out
    assert not (in_tmp_dir / ".chaff" / "broker.json").exists()
    assert describe_cluster(f"127.0.0.1:{port}", timeout_s=1.0) is None
    assert chaff_broker("status") == 1
    assert "no broker running" in capsys.readouterr().out
    assert (in_tmp_dir / ".chaff" / "broker" / "server.log").exists()  # data kept


def test_stop_and_status_without_a_broker(
    in_tmp_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert chaff_broker("status") == 1
    assert chaff_broker("stop") == 0
    assert "no broker was started from this directory" in capsys.readouterr().out


def test_a_stale_state_file_is_not_mistaken_for_a_broker(
    in_tmp_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp_dir / ".chaff").mkdir()
    stale = {"pid": 1, "bootstrap_servers": "127.0.0.1:1", "data_dir": str(in_tmp_dir)}
    (in_tmp_dir / ".chaff" / "broker.json").write_text(json.dumps(stale))
    assert chaff_broker("status") == 1
    assert "stale" in capsys.readouterr().out
    assert chaff_broker("stop") == 0  # pid 1 is not our JVM: nothing is signalled
    assert "was not running" in capsys.readouterr().out


def test_fetch_verifies_the_cached_jars(capsys: pytest.CaptureFixture[str]) -> None:
    lock = JarLock.load()
    assert chaff_broker("fetch") == 0
    assert f"Kafka {lock.kafka_version}: {len(lock.jars)} jars" in capsys.readouterr().out
