"""What the article record's metadata and Markdown add to classify_page, per mode.

    python -m worker.learn.bench_article [DATASET] [--pages 150] [--rounds 11]

`chaff bench classify` times one build; two builds cannot share a process, and on a shared
machine runs of each, one after the other, differ by more than what is measured. So this
runs this build both ways in one process pinned to one core, round by round in turns:
as it is, and with the work issue 20 added taken out (the declared metadata read back to
page_meta.declared_kinds alone, article.article_parts skipped), which is what the build
before it did per page. It prints the CPU time per page of each and the median of the
per-round ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from worker.core import classify, html_segments
from worker.core.declared import DeclaredMetadata
from worker.core.page_meta import declared_kinds
from worker.learn.dataset import load_pages
from worker.learn.train import CONTENT_TYPES

DEFAULT_DATASET = Path(__file__).parents[2].parent / "shared" / "data" / "wcxb-dev"


# What the build before issue 20 did not do: the functions replaced, by module and name.
_REPLACED = ((html_segments, "read_declared"), (classify, "article_parts"))


def _use(functions: tuple[Callable[..., Any], ...]) -> None:
    for (module, name), function in zip(_REPLACED, functions, strict=True):
        setattr(module, name, function)


def _without_article(tree: Any) -> DeclaredMetadata:
    return DeclaredMetadata(kinds=declared_kinds(tree))


def _no_parts(segments: Any, kept: Any) -> tuple[None, None]:
    return None, None


def measure(dataset: Path, pages: int, rounds: int) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    builds: dict[str, tuple[Callable[..., Any], ...]] = {
        "with": tuple(getattr(module, name) for module, name in _REPLACED),
        "without": (_without_article, _no_parts),
    }
    figures: dict[str, Any] = {}
    try:
        for mode in ("text", "html"):
            content_type = CONTENT_TYPES[mode]
            bodies = [page.body(mode) for page in load_pages(dataset, mode, pages)]
            times: dict[str, list[float]] = {"with": [], "without": []}
            for round_number in range(rounds + 1):  # the first round warms both, untimed
                order = ["with", "without"] if round_number % 2 else ["without", "with"]
                for name in order:
                    _use(builds[name])
                    fresh = [
                        b.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
                        for b in bodies
                    ]
                    started = time.process_time()
                    for body in fresh:
                        classify.classify_page(body, content_type)
                    if round_number:
                        times[name].append((time.process_time() - started) / len(fresh))
            ratios = [w / o for w, o in zip(times["with"], times["without"], strict=True)]
            figures[mode] = {
                "with_us": statistics.median(times["with"]) * 1e6,
                "without_us": statistics.median(times["without"]) * 1e6,
                "added": statistics.median(ratios) - 1,
                "ratios": ratios,
            }
    finally:
        _use(builds["with"])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.learn.bench_article")
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--pages", type=int, default=150, help="pages per mode")
    parser.add_argument("--rounds", type=int, default=11, help="timed rounds of each build")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = measure(args.dataset, args.pages, args.rounds)
    for mode, row in figures.items():
        print(
            f"{mode:<5} with {row['with_us']:7.0f} us/page  without {row['without_us']:7.0f} "
            f"us/page  added {row['added']:+.1%} (median of {len(row['ratios'])} rounds)"
        )
    if args.json:
        args.json.write_bytes(orjson.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
