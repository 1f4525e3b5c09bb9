"""The one entry point: `chaff <command>`. Each command lives beside the code it drives.

A command module exposes `register(subparsers)`, which adds its parser(s) and sets
`handler=<function(args) -> int>` as the parser default. This file only wires them up.

Building the parser must stay cheap (`chaff --help` in well under 0.3 s): a command module
imports argparse-level code only, and its handlers import the heavy rest (kafka, numpy,
selectolax, prometheus_client, faust, the worker loop, the classifier) when they run.
tests/ops/test_cli_imports.py checks that. A description taken from a heavy module's
docstring is read with `module_doc`, without importing the module.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from worker import __version__

# Order is the order `chaff --help` lists them in.
COMMAND_MODULES: tuple[str, ...] = (
    "worker.stream.commands",  # demo, run, topics, produce
    "worker.stream.replay",  # replay
    "worker.broker.commands",  # broker
    "worker.learn.commands",  # classify, train, eval, bench
    "worker.inspect.commands",  # inspect
    "worker.sitestats.commands",  # sitestats (faust per-site tables)
    "worker.dedup.commands",  # dedup, dedup-eval (faust MinHash LSH tables)
)


def module_doc(name: str) -> str | None:
    """The docstring of module `name` (as its `__doc__`), read from its source file
    without importing it."""
    module = sys.modules.get(name)
    if module is not None:
        return module.__doc__
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    source = Path(spec.origin).read_text(encoding="utf-8")
    return ast.get_docstring(ast.parse(source, spec.origin), clean=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chaff",
        description=(
            "Chaff: consume raw scraped pages from Kafka, keep the article, "
            "reject feed spam and boilerplate."
        ),
    )
    parser.add_argument("--version", action="version", version=f"chaff {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
