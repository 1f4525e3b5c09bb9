"""The one entry point: `chaff <command>`. Each command lives beside the code it drives.

A command module exposes `register(subparsers)`, which adds its parser(s) and sets
`handler=<function(args) -> int>` as the parser default. This file only wires them up.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from worker import __version__

# Order is the order `chaff --help` lists them in.
COMMAND_MODULES: tuple[str, ...] = (
    "worker.stream.commands",  # demo, run, topics, produce
    "worker.stream.replay",  # replay
    "worker.broker.commands",  # broker
    "worker.learn.commands",  # classify, train, eval, bench
    "worker.sitestats.commands",  # sitestats (faust per-site tables)
)


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
