"""`chaff bench classify`: classifier pages per second and peak memory, on one core.

Chaff and trafilatura classify the same pages in the same process, alternating rounds, so a
noisy shared machine slows both alike; the figures are medians over rounds and the ratio is
taken per round. Each round also reads the CPU time of the classifying thread: on a shared
machine the wall-clock rates move with the hour (2x between runs of the same code), CPU
milliseconds per page much less, so the CPU ratio to trafilatura is the steadier figure.
Each system first makes one untimed pass over the pages (its rate is reported as
first_pass_pages_per_second): imports, and what each caches per class/id string or reason,
fill as they do in a worker that has run for a while.
"""

from __future__ import annotations

import itertools
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from worker.core import html_walk
from worker.core.classify import classify_page
from worker.core.site_memory import MemorySettings
from worker.core.site_pass import classify_remembering
from worker.core.site_store import SiteStore
from worker.core.verdict import ContentType
from worker.learn.baselines import trafilatura_extract
from worker.learn.dataset import load_pages
from worker.learn.train import CONTENT_TYPES
from worker.ops.progress import Progress


def bench_classify(
    dataset: Path, pages_per_mode: int, rounds: int, with_trafilatura: bool
) -> dict[str, Any]:
    _pin_to_one_core()
    figures: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or "?"},
        # The Python walk stays in use when the compiled one cannot read this selectolax.
        "html_walk": "compiled" if html_walk.COMPILED_WALK else "python",
        "pages_per_mode": pages_per_mode,
        "rounds": rounds,
    }
    for mode in ("text", "html"):
        pages = load_pages(dataset, mode, pages_per_mode)
        bodies = [page.body(mode) for page in pages]
        systems: dict[str, Callable[[str, ContentType], object]] = {
            "chaff": classify_page,
            "chaff+memory": _with_site_memory([page.site for page in pages]),
        }
        if mode == "html" and with_trafilatura:
            systems["trafilatura"] = trafilatura_extract
        rates: dict[str, list[float]] = {name: [] for name in systems}
        cpu: dict[str, list[float]] = {name: [] for name in systems}
        first_pass = {
            name: _timed_pass(bodies, CONTENT_TYPES[mode], extract).pages_per_second
            for name, extract in systems.items()
        }
        with Progress(f"bench {mode}", total=rounds * len(systems), unit="rounds") as progress:
            for _ in range(rounds):
                for name, extract in systems.items():
                    timed = _timed_pass(bodies, CONTENT_TYPES[mode], extract)
                    rates[name].append(timed.pages_per_second)
                    cpu[name].append(timed.cpu_ms_per_page)
                    progress.advance()
        mode_figures: dict[str, Any] = {
            name: {
                "median_pages_per_second": statistics.median(r),
                "rounds": r,
                "median_cpu_ms_per_page": statistics.median(cpu[name]),
                "cpu_ms_per_page_rounds": cpu[name],
                "first_pass_pages_per_second": first_pass[name],
            }
            for name, r in rates.items()
        }
        memory_ratios = [m / c for m, c in zip(rates["chaff+memory"], rates["chaff"], strict=True)]
        mode_figures["site_memory_speed_ratio"] = statistics.median(memory_ratios)
        if "trafilatura" in rates:
            ratios = [c / t for c, t in zip(rates["chaff"], rates["trafilatura"], strict=True)]
            mode_figures["speedup_vs_trafilatura"] = statistics.median(ratios)
            cpu_ratios = [t / c for c, t in zip(cpu["chaff"], cpu["trafilatura"], strict=True)]
            mode_figures["cpu_speedup_vs_trafilatura"] = statistics.median(cpu_ratios)
        figures[mode] = mode_figures
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _with_site_memory(sites: list[str]) -> Callable[[str, ContentType], object]:
    """classify_page through site memory, the pages' sites taken in the order the rounds
    pass the bodies (the same every round): after the first pass, profiles are full, as
    in a worker that has run a while."""
    store = SiteStore()
    settings = MemorySettings()
    order = itertools.cycle(enumerate(sites))

    def classify(body: str, content_type: ContentType) -> object:
        number, site = next(order)
        url = f"https://{site}/page-{number}"
        return classify_remembering(store, settings, site, url, body, content_type)

    return classify


@dataclass(frozen=True, slots=True)
class TimedPass:
    pages_per_second: float  # wall clock
    cpu_ms_per_page: float  # CPU time of the classifying thread


def _timed_pass(
    bodies: list[str], content_type: ContentType, extract: Callable[[str, ContentType], object]
) -> TimedPass:
    # New str objects each round, as a worker gets them: a str caches its UTF-8 once asked
    # for it (PyUnicode_AsUTF8), and a round after the first would not pay for the encoding.
    fresh = [
        body.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for body in bodies
    ]
    started, cpu_started = time.perf_counter(), time.thread_time()
    for body in fresh:
        extract(body, content_type)
    cpu_seconds = time.thread_time() - cpu_started
    return TimedPass(
        len(fresh) / (time.perf_counter() - started), 1000.0 * cpu_seconds / len(fresh)
    )


def _pin_to_one_core() -> None:
    """The target is per core; pinning also keeps numpy/BLAS from using a second one."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def format_bench(figures: dict[str, Any]) -> str:
    lines = [f"{'mode':<6} {'system':<12} {'median pages/s':>15} {'CPU ms/page':>12}"]
    for mode in ("text", "html"):
        if mode not in figures:
            continue
        for name in ("chaff", "chaff+memory", "trafilatura"):
            if name in figures[mode]:
                rate = figures[mode][name]["median_pages_per_second"]
                cpu_ms = figures[mode][name]["median_cpu_ms_per_page"]
                lines.append(f"{mode:<6} {name:<12} {rate:>15.1f} {cpu_ms:>12.3f}")
        if "site_memory_speed_ratio" in figures[mode]:
            ratio = figures[mode]["site_memory_speed_ratio"]
            lines.append(f"{mode:<6} {'memory/off':<12} {ratio:>14.2f}x")
        if "speedup_vs_trafilatura" in figures[mode]:
            lines.append(
                f"{mode:<6} {'speedup':<12} {figures[mode]['speedup_vs_trafilatura']:>14.1f}x"
                f" {figures[mode]['cpu_speedup_vs_trafilatura']:>11.1f}x"
            )
    lines.append(
        f"peak RSS {figures['peak_rss_mb']:.0f} MB ({figures['rounds']} rounds, "
        f"{figures['pages_per_mode']} pages per mode, one core, {figures['html_walk']} HTML walk)"
    )
    return "\n".join(lines)
