"""`chaff eval`: word-F1 of Chaff (and, side by side, other extractors) on a labelled folder.

Every system runs on the same pages in the same process, so the speed ratios hold even on a
busy machine. With `cv`, Chaff's figures come from grouped cross-validation: each page is
scored by a model that never saw its site; otherwise the shipped model is used.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from worker.core.classify import classify_page
from worker.core.segment_model import SegmentModel
from worker.learn.baselines import BASELINES, Extractor
from worker.learn.dataset import LabelledPage, Mode
from worker.learn.scoring import PageScore, score_page
from worker.learn.train import CONTENT_TYPES

CHAFF = "chaff"


@dataclass
class SystemResult:
    name: str
    scores: list[tuple[LabelledPage, PageScore]] = field(default_factory=list)
    seconds: float = 0.0  # extraction time only, summed over pages

    def add(self, page: LabelledPage, score: PageScore, seconds: float) -> None:
        self.scores.append((page, score))
        self.seconds += seconds

    def summary(self) -> dict[str, float]:
        return _summarise([score for _, score in self.scores]) | {
            "pages_per_second": len(self.scores) / self.seconds if self.seconds else 0.0
        }

    def by_page_type(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[PageScore]] = defaultdict(list)
        for page, score in self.scores:
            groups[page.page_type].append(score)
        return {page_type: _summarise(scores) for page_type, scores in sorted(groups.items())}


def _summarise(scores: Sequence[PageScore]) -> dict[str, float]:
    with_total = sum(s.with_total for s in scores)
    without_total = sum(s.without_total for s in scores)
    return {
        "pages": float(len(scores)),
        "f1": float(np.mean([s.f1 for s in scores])) if scores else 0.0,
        "precision": float(np.mean([s.precision for s in scores])) if scores else 0.0,
        "recall": float(np.mean([s.recall for s in scores])) if scores else 0.0,
        "with_found": sum(s.with_found for s in scores) / with_total if with_total else 0.0,
        "without_leaked": sum(s.without_found for s in scores) / without_total
        if without_total
        else 0.0,
    }


def evaluate(
    pages: Sequence[LabelledPage],
    mode: Mode,
    compare: Sequence[str] = (),
    model: SegmentModel | None = None,
    cross_validated: dict[str, str] | None = None,
    on_page: Callable[[], None] = lambda: None,
) -> list[SystemResult]:
    """Score Chaff and the `compare` systems on every page.

    `cross_validated` maps page id to Chaff's out-of-fold extraction; when given it replaces
    the shipped model's extraction in the scores (the timing still runs the shipped model).
    """
    content_type = CONTENT_TYPES[mode]
    extractors: dict[str, Extractor] = {
        CHAFF: lambda body, ct: classify_page(body, ct, model).article_text
    }
    extractors |= {name: BASELINES[name] for name in compare}
    results = {name: SystemResult(name) for name in extractors}
    for page in pages:
        body = page.body(mode)
        for name, extract in extractors.items():
            started = time.perf_counter()
            predicted = extract(body, content_type)
            elapsed = time.perf_counter() - started
            if name == CHAFF and cross_validated is not None:
                predicted = cross_validated[page.page_id]
            score = score_page(
                predicted, page.main_content, page.with_snippets, page.without_snippets
            )
            results[name].add(page, score, elapsed)
        on_page()
    return list(results.values())


def report(results: Sequence[SystemResult], title: str) -> str:
    """The tables `chaff eval` prints: overall, then word-F1 per page type."""
    lines = [title, ""]
    header = f"{'system':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'with':>6} {'without':>8}"
    header += f" {'pages/s':>9}"
    lines += [header, "-" * len(header)]
    for result in results:
        s = result.summary()
        lines.append(
            f"{result.name:<12} {s['f1']:>6.3f} {s['precision']:>6.3f} {s['recall']:>6.3f} "
            f"{s['with_found']:>6.1%} {s['without_leaked']:>8.1%} {s['pages_per_second']:>9.1f}"
        )
    page_types = sorted({t for r in results for t in r.by_page_type()})
    lines += ["", "word-F1 by page type (pages)", ""]
    lines.append(f"{'page type':<14}" + "".join(f"{r.name:>13}" for r in results))
    for page_type in page_types:
        row = f"{page_type:<14}"
        for result in results:
            group = result.by_page_type().get(page_type)
            row += f"{group['f1']:>7.3f} ({int(group['pages']):>3})" if group else f"{'-':>13}"
        lines.append(row)
    lines += [
        "",
        "with = share of must-have snippets found; without = share of must-not snippets leaked",
    ]
    return "\n".join(lines)
