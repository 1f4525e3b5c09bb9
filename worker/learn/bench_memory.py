"""`chaff bench site-memory`: what site memory costs with many sites tracked.

Fills one store (site_store.SiteStore, under a cap too large to bind) with full profiles:
each with the window's N page URLs and M fingerprints, as a site reaches once its pages
have filled the window, and measures the memory it holds two ways: what Python allocated
for it (tracemalloc) and how much the process grew (RSS). Then times `seen_on` and
`remember` on full profiles.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from typing import Any

import numpy as np

from worker.core.site_memory import MemorySettings, SiteProfile, remember, seen_on
from worker.core.site_store import SiteStore


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def full_profile(rng: np.random.Generator, settings: MemorySettings) -> SiteProfile:
    fingerprints = np.unique(rng.integers(1, 2**32, settings.max_fingerprints, dtype=np.uint32))
    masks = rng.integers(1, 2**settings.window, len(fingerprints), dtype=np.uint16)
    urls = rng.integers(0, 2**32, settings.window, dtype=np.uint32)
    return SiteProfile(1000, settings.window, urls, fingerprints, masks)


def _filled(sites: int, settings: MemorySettings) -> SiteStore:
    rng = np.random.default_rng(20261203)
    store = SiteStore(max_bytes=2**62)
    for number in range(sites):
        store.put(f"site-{number}.example.com", full_profile(rng, settings).to_bytes())
    return store


def bench_site_memory(sites: int, settings: MemorySettings) -> dict[str, Any]:
    # RSS first, without tracemalloc (its own records would count), then the allocations.
    rss_before = _rss_mb()
    store = _filled(sites, settings)
    rss_after = _rss_mb()
    del store
    tracemalloc.start()
    store = _filled(sites, settings)
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rng = np.random.default_rng(1)
    profile = full_profile(rng, settings)
    page = rng.integers(1, 2**32, 200, dtype=np.uint32)
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        seen_on(SiteProfile.from_bytes(profile.to_bytes()), page, 7)
    lookup_us = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for _ in range(rounds):
        remember(profile, page, 7, settings).to_bytes()
    update_us = (time.perf_counter() - started) / rounds * 1e6
    return {
        "sites": sites,
        "window": settings.window,
        "max_fingerprints": settings.max_fingerprints,
        "counted_mb": store.bytes / 2**20,
        "traced_mb": traced / 2**20,
        "rss_growth_mb": rss_after - rss_before,
        "bytes_per_site": store.bytes / sites if sites else 0.0,
        "lookup_us_200_segments": lookup_us,
        "update_us_200_segments": update_us,
    }


def format_site_memory(figures: dict[str, Any]) -> str:
    return "\n".join(
        (
            f"{figures['sites']:,} sites, full profiles (last {figures['window']} pages, "
            f"{figures['max_fingerprints']} fingerprints each)",
            f"counted against the cap {figures['counted_mb']:8.1f} MB"
            f" ({figures['bytes_per_site']:.0f} bytes a site)",
            f"allocated (tracemalloc)  {figures['traced_mb']:8.1f} MB",
            f"process growth (RSS)     {figures['rss_growth_mb']:8.1f} MB",
            f"lookup, 200 segments     {figures['lookup_us_200_segments']:8.1f} µs",
            f"update, 200 segments     {figures['update_us_200_segments']:8.1f} µs",
        )
    )
