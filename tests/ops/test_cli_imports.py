"""`chaff --help` and every `chaff COMMAND --help` import argparse-level code only.

Building the parsers must not import Kafka, numpy, the HTML parser, Prometheus, faust or the
worker loop: each of those is imported by the handler that needs it (worker/cli.py). Checked
by module name in a fresh interpreter, never by timing.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from worker.cli import module_doc

# Top-level packages whose import costs tens of milliseconds or more, and Chaff's own
# modules that import them.
HEAVY_PACKAGES = frozenset(
    {
        "kafka",
        "numpy",
        "selectolax",
        "prometheus_client",
        "faust",
        "mode",  # faust's runtime
        "lightgbm",
        "trafilatura",
        "psutil",
        "zstandard",
        "lz4",
        "snappy",
        "crc32c",
    }
)
HEAVY_WORKER_MODULES = (
    "worker.core",
    "worker.stream.loop",
    "worker.stream.records",
    "worker.stream.topics",
    "worker.stream.produce",
    "worker.ops.installed",
    "worker.ops.metrics",
    "worker.ops.health",
    "worker.learn.classify_files",
    "worker.inspect.run",
    "worker.stream.fetch",
    "worker.sitestats.app",
)

# Builds the parser, formats the help of every command and subcommand (as `chaff ... --help`
# does), then lists what was imported.
EVERY_HELP = """
import argparse, sys
from worker.cli import build_parser

def walk(parser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from walk(sub)

for parser in walk(build_parser()):
    parser.format_help()
print("\\n".join(sorted(sys.modules)))
"""


def heavy(modules: list[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if name.split(".")[0] in HEAVY_PACKAGES
        or any(name == m or name.startswith(m + ".") for m in HEAVY_WORKER_MODULES)
    )


def test_chaff_help_imports_no_heavy_module() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "worker", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "COMMAND" in result.stdout
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "worker.cli" in imported
    assert heavy(imported) == []


def test_every_command_help_imports_no_heavy_module() -> None:
    result = subprocess.run(
        [sys.executable, "-c", EVERY_HELP], capture_output=True, text=True, check=True, timeout=60
    )
    imported = result.stdout.split()
    assert "worker.learn.commands" in imported
    assert heavy(imported) == []


def test_the_check_sees_a_heavy_import() -> None:
    assert heavy(["worker.core.records", "kafka.admin", "numpy", "worker.cli", "orjson"]) == [
        "kafka.admin",
        "numpy",
        "worker.core.records",
    ]


@pytest.mark.parametrize(
    "name", ["worker.stream.loop", "worker.stream.topics", "worker.learn.bench_e2e"]
)
def test_module_doc_reads_the_docstring_without_importing(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = importlib.import_module(name).__doc__
    assert doc
    monkeypatch.delitem(sys.modules, name)
    assert module_doc(name) == doc
    assert name not in sys.modules
