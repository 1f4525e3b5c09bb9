"""What the dataset commands share: the dataset argument, reading a corpus with a clear
error, and the exit code for input that cannot be read. Light to import (`chaff --help`
builds every parser)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from worker.learn.dataset import LabelledPage, Mode

EXIT_BAD_INPUT = 2
DEFAULT_DATASET = Path(__file__).parents[2].parent / "shared" / "data" / "wcxb-dev"
# What the benchmarks read where ../shared is absent (a fresh clone): the accuracy gate's pages.
REPO_FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "wcxb"
MODELS_DIR = Path(__file__).parents[1] / "core" / "models"


def dataset_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dataset",
        nargs="?",
        type=Path,
        default=DEFAULT_DATASET,
        help=f"a folder in the WCXB layout (default: {DEFAULT_DATASET})",
    )


def bench_dataset_argument(parser: argparse.ArgumentParser) -> None:
    """A benchmark's optional dataset; bench_dataset() resolves the default."""
    parser.add_argument(
        "dataset",
        nargs="?",
        type=Path,
        help="a folder in the WCXB layout (default: ../shared/data/wcxb-dev, else the repo's "
        "tests/fixtures/wcxb)",
    )


def baseline_python_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--baseline-python: another checkout's code run beside this one, alternating."""
    parser.add_argument(
        "--baseline-python",
        help=f"also run, alternating, {what} of another checkout: the python of its venv "
        "(e.g. ../main/.venv/bin/python)",
    )


def labelled_pages(
    command: str, dataset: Path, mode: Mode, limit: int | None
) -> list[LabelledPage] | None:
    """The dataset's pages, or None after saying on stderr why they cannot be read."""
    from worker.learn.dataset import DatasetError, load_pages

    try:
        return load_pages(dataset, mode, limit)
    except DatasetError as error:
        print(f"chaff {command}: {error}", file=sys.stderr)
        return None


def bench_dataset(chosen: Path | None) -> Path:
    """The folder a benchmark reads: the one given, else wcxb-dev under ../shared, else the
    repository's fixture pages."""
    if chosen is not None:
        return chosen
    return DEFAULT_DATASET if DEFAULT_DATASET.is_dir() else REPO_FIXTURE
