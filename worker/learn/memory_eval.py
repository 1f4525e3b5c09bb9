"""`chaff eval --site-memory`: word-F1 with site memory and without it, side by side.

Only the pages of multi-page sites can gain: each of them is scored after its site's
other pages were seen (remembered in page-id order, the last `window` of them counting),
so a site of n pages gives every page a memory of n - 1 pages. Pages of single-page
sites are scored too, to show that memory leaves them unchanged (it must: a site seen for
the first time gets the per-page verdict).

The extraction is the shipped (or given) model's, or with `cv` the out-of-fold keeps of
models that never saw the page's site; memory then applies the same rule the worker
applies (site_rule.memory_rejections) to those keeps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from worker.core import site_memory
from worker.core.classify import classify_page
from worker.core.segment_model import SegmentModel
from worker.core.site_memory import Fingerprints, MemorySettings, SiteProfile
from worker.core.site_rule import SiteLookup, memory_rejections
from worker.learn.dataset import LabelledPage, Mode
from worker.learn.scoring import word_scores
from worker.learn.train import CONTENT_TYPES, TrainingSettings, prepare_with_progress

# Per page id: its segments' texts, their feature table and which of them were kept.
Keeps = dict[str, tuple[list[str], npt.NDArray[np.float32], npt.NDArray[np.bool_]]]


@dataclass(frozen=True)
class MemoryFigures:
    pages: int
    f1_off: float
    f1_on: float
    changed: int  # pages whose extraction memory changed

    @property
    def gain(self) -> float:
        return self.f1_on - self.f1_off


@dataclass(frozen=True)
class MemoryResult:
    mode: Mode
    multi: MemoryFigures  # pages of sites with two pages or more
    single: MemoryFigures  # pages of one-page sites
    sites: int  # multi-page sites

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "multi_page_sites": self.sites,
            "multi": asdict(self.multi) | {"gain": self.multi.gain},
            "single": asdict(self.single) | {"gain": self.single.gain},
        }


def sites_of(pages: Sequence[LabelledPage]) -> dict[str, list[LabelledPage]]:
    by_site: dict[str, list[LabelledPage]] = defaultdict(list)
    for page in pages:
        by_site[page.site].append(page)
    return by_site


def profile_without(
    site_pages: Sequence[LabelledPage],
    page: LabelledPage,
    prints: dict[str, Fingerprints],
    settings: MemorySettings,
) -> SiteProfile | None:
    """The site's profile after every page of the site but `page`, in page-id order."""
    profile: SiteProfile | None = None
    for other in site_pages:
        if other.page_id != page.page_id:
            profile = site_memory.remember(
                profile or SiteProfile.empty(settings.window),
                prints[other.page_id],
                _url(other),
                settings,
            )
    return profile


def evaluate_memory(
    pages: Sequence[LabelledPage],
    mode: Mode,
    settings: MemorySettings,
    model: SegmentModel | None = None,
    cross_validated: Keeps | None = None,
    on_page: Callable[[], None] = lambda: None,
) -> MemoryResult:
    """Word-F1 with memory off and on, on multi-page and on single-page sites."""
    content_type = CONTENT_TYPES[mode]
    by_site = sites_of(pages)
    prints: dict[str, Fingerprints] = {}
    off: dict[str, str] = {}
    if cross_validated is not None:
        kept = cross_validated
        for page in pages:
            texts, _, keep = kept[page.page_id]
            prints[page.page_id] = site_memory.fingerprints(texts)
            off[page.page_id] = _joined(texts, keep)
            on_page()
    else:
        for page in pages:
            lookup = SiteLookup(None, _url(page), settings)
            off[page.page_id] = classify_page(
                page.body(mode), content_type, model, lookup.rejections
            ).article_text
            prints[page.page_id] = lookup.fingerprints
            on_page()
    on: dict[str, str] = {}
    for site_pages in by_site.values():
        for page in site_pages:
            profile = profile_without(site_pages, page, prints, settings)
            if profile is None:
                on[page.page_id] = off[page.page_id]
            elif cross_validated is not None:
                texts, features, keep = kept[page.page_id]
                counts, seen = site_memory.seen_on(profile, prints[page.page_id], _url(page))
                late = memory_rejections(features, keep, counts, seen, settings)
                keep = keep.copy()
                keep[list(late)] = False
                on[page.page_id] = _joined(texts, keep)
            else:
                lookup = SiteLookup(profile, _url(page), settings)
                verdict = classify_page(page.body(mode), content_type, model, lookup.rejections)
                on[page.page_id] = verdict.article_text
            on_page()
    multi = [p for p in pages if len(by_site[p.site]) > 1]
    single = [p for p in pages if len(by_site[p.site]) == 1]
    return MemoryResult(
        mode,
        _figures(multi, off, on),
        _figures(single, off, on),
        sum(1 for s in by_site.values() if len(s) > 1),
    )


def cross_validated_keeps(pages: Sequence[LabelledPage], mode: Mode, folds: int) -> Keeps:
    """Per page, what models that never saw its site keep (train.cross_validated_extractions)."""
    from worker.learn.page_stage import cross_validated_routed_keeps

    prepared = prepare_with_progress(pages, mode)
    keeps = cross_validated_routed_keeps(
        prepared, TrainingSettings(folds=folds), CONTENT_TYPES[mode]
    )
    return {
        page.page.page_id: (page.texts, page.features, keep)
        for page, keep in zip(prepared, keeps, strict=True)
    }


def _figures(
    pages: Sequence[LabelledPage], off: dict[str, str], on: dict[str, str]
) -> MemoryFigures:
    if not pages:
        return MemoryFigures(0, 0.0, 0.0, 0)
    f1_off = [word_scores(off[p.page_id], p.main_content)[2] for p in pages]
    f1_on = [word_scores(on[p.page_id], p.main_content)[2] for p in pages]
    changed = sum(off[p.page_id] != on[p.page_id] for p in pages)
    return MemoryFigures(len(pages), float(np.mean(f1_off)), float(np.mean(f1_on)), changed)


def _joined(texts: Sequence[str], keep: npt.NDArray[np.bool_]) -> str:
    return "\n\n".join(t for t, k in zip(texts, keep.tolist(), strict=True) if k)


def _url(page: LabelledPage) -> int:
    # The labelled pages are distinct pages; their id stands for their address.
    return site_memory.url_fingerprint(f"page://{page.site}/{page.page_id}")


def report(results: Sequence[MemoryResult], title: str, settings: MemorySettings) -> str:
    lines = [
        title,
        f"site memory: last {settings.window} pages, {settings.max_fingerprints} fingerprints"
        f" per site, rejects kept text on >= {settings.min_share:.0%} of them",
        "",
        f"{'mode':<6} {'pages of':<22} {'pages':>6} {'F1 off':>7} {'F1 on':>7} {'gain':>7}"
        f" {'changed':>8}",
    ]
    for result in results:
        for name, figures in (
            (f"{result.sites} multi-page sites", result.multi),
            ("single-page sites", result.single),
        ):
            lines.append(
                f"{result.mode:<6} {name:<22} {figures.pages:>6} {figures.f1_off:>7.3f} "
                f"{figures.f1_on:>7.3f} {figures.gain:>+7.3f} {figures.changed:>8}"
            )
    return "\n".join(lines)
