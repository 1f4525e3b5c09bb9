"""Run `chaff run` as real processes and account for every input record by its outputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from kafka_helpers import consume_all

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_bd0859deabb9f25c.txt"


@dataclass(frozen=True)
class Topics:
    raw: str
    articles: str
    rejects: str
    dead_letter: str

    def env(self) -> dict[str, str]:
        return {
            "CHAFF_RAW_TOPIC": self.raw,
            "CHAFF_ARTICLES_TOPIC": self.articles,
            "CHAFF_REJECTS_TOPIC": self.rejects,
            "CHAFF_DEAD_LETTER_TOPIC": self.dead_letter,
            "CHAFF_GROUP_ID": f"group-{self.raw}",
        }


@dataclass
class Worker:
    """One `python -m worker run` subprocess, logging to a file."""

    bootstrap: str
    topics: Topics
    log_path: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        env = {
            **os.environ,
            **self.topics.env(),
            "CHAFF_BOOTSTRAP_SERVERS": self.bootstrap,
            "CHAFF_METRICS_PORT": "0",
            "CHAFF_INSTANCE_ID": self.log_path.stem,
            **self.extra_env,
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "worker", "run", *self.args],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def terminate(self, timeout_s: float = 40.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def wait_until_consuming(self, timeout_s: float = 60.0) -> None:
        """Until the worker logs that it consumes (its SIGTERM handler is in place by then): a
        worker sent SIGTERM while still importing dies of it, exit -15, not 0."""
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while " consuming " not in self.log_path.read_text(errors="replace"):
            assert self.process.poll() is None, f"worker exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"worker never consumed:\n{self.log()}"
            time.sleep(0.1)

    def assert_running(self) -> None:
        assert self.process is not None
        code = self.process.poll()
        assert code is None, f"worker exited with {code}:\n{self.log()}"

    def stop_quietly(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]


def text_page(number: int, fetch_time: str = "2026-11-24T10:00:00Z") -> bytes:
    """The seed page under a new URL: an article plus sixteen teaser headlines."""
    return orjson.dumps(
        {
            "url": f"https://news.example.test/story/{number}",
            "body": SEED.read_text(encoding="utf-8"),
            "content_type": "text/plain",
            "fetch_time": fetch_time,
        }
    )


def outcomes(
    bootstrap: str, topics: Topics, isolation_level: str = "read_uncommitted"
) -> dict[tuple[int, int], list[str]]:
    """(raw partition, raw offset) -> the page-level outcomes published for it: "article",
    "page_rejected" or "dead_letter:<kind>" (segment-level rejects are not outcomes)."""
    found: dict[tuple[int, int], list[str]] = {}

    def add(document: dict[str, object], outcome: str) -> None:
        source = document["source"]
        assert isinstance(source, dict)
        found.setdefault((source["partition"], source["offset"]), []).append(outcome)

    for record in consume_all(bootstrap, topics.articles, isolation_level=isolation_level):
        add(orjson.loads(record.value), "article")
    for record in consume_all(bootstrap, topics.rejects, isolation_level=isolation_level):
        document = orjson.loads(record.value)
        if document["page_rejected"]:
            add(document, "page_rejected")
    for record in consume_all(bootstrap, topics.dead_letter, isolation_level=isolation_level):
        document = orjson.loads(record.value)
        add(document, f"dead_letter:{document['error']['kind']}")
    return found


def wait_for_outcomes(
    bootstrap: str,
    topics: Topics,
    inputs: set[tuple[int, int]],
    workers: list[Worker],
    timeout_s: float = 120.0,
    isolation_level: str = "read_uncommitted",
) -> dict[tuple[int, int], list[str]]:
    """Poll until every input has an outcome; fail early if a worker died."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = outcomes(bootstrap, topics, isolation_level)
        missing = inputs - found.keys()
        if not missing:
            return found
        for worker in workers:
            worker.assert_running()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(missing)} of {len(inputs)} inputs without an outcome after {timeout_s} s, "
                f"e.g. {sorted(missing)[:5]}\n{workers[0].log() if workers else ''}"
            )
        time.sleep(0.5)


def duplicates(found: Mapping[tuple[int, int], list[str]]) -> Counter[str]:
    return Counter(outcome for results in found.values() for outcome in results[1:])
