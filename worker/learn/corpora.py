"""`chaff eval --all-corpora`: Chaff beside the other extractors on every labelled corpus.

Every subfolder of the data root that has a ground-truth/ folder is a corpus (in the WCXB
layout, see ../shared/data/README.md). A corpus the model was fitted on is scored by K-fold
cross-validation grouped by site, so no page is extracted by a model that saw its site;
every other corpus is scored by the model as shipped (it never saw any of its pages). The
comparison systems run on the same pages in the same run.

The corpora draw the line between content and boilerplate each in its own way: compare
systems within a row, not one corpus's figures with another's.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from worker.core.segment_model import SegmentModel, shipped_model
from worker.learn.dataset import DatasetError, LabelledPage, Mode, load_pages
from worker.learn.evaluate import CHAFF, SystemResult, evaluate
from worker.learn.train import CONTENT_TYPES, cross_validated_extractions, site_fold
from worker.ops.progress import Progress

# The shipped model files were written before models recorded what they were fitted on
# (SegmentModel.fitted_on); they were all trained on wcxb-dev (README, "The classifier").
# A model with an empty fitted_on is taken to have been fitted on these corpora.
FITTED_ON_WHEN_UNRECORDED: tuple[str, ...] = ("wcxb-dev",)

# Per mode, the systems run beside Chaff; the first is the one Chaff is measured against.
COMPARISONS: dict[Mode, tuple[str, ...]] = {
    "html": ("trafilatura", "keep-all"),
    "text": ("c4", "keep-all"),
}
# The page type the targets compare on (WCXB articles), reported apart where a corpus has
# other types too.
TARGET_PAGE_TYPE = "article"
SHIPPED = "shipped model"
GIVEN = "given model"


class CorporaError(ValueError):
    """The data root cannot be evaluated (missing, no corpus, a corpus without pages)."""


@dataclass(frozen=True)
class CorpusResult:
    corpus: str  # the folder's name
    mode: Mode
    pages: list[LabelledPage]
    scored_by: str  # "5-fold CV by site", "shipped model" or "given model"
    # Page id -> Chaff's out-of-fold extraction when the corpus was scored by CV, else None.
    cross_validated: dict[str, str] | None
    systems: list[SystemResult]  # Chaff first, then COMPARISONS[mode] in order

    def system(self, name: str) -> SystemResult:
        return next(s for s in self.systems if s.name == name)

    def f1(self, name: str) -> float:
        return self.system(name).summary()["f1"]


def find_corpora(data_root: Path) -> list[Path]:
    """The corpus folders under `data_root`, sorted by name."""
    if not data_root.is_dir():
        raise CorporaError(f"{data_root}: no such folder (give the data root with --data-root)")
    corpora = sorted(
        (p for p in data_root.iterdir() if (p / "ground-truth").is_dir()), key=lambda p: p.name
    )
    if not corpora:
        raise CorporaError(f"{data_root}: no corpus (no subfolder with a ground-truth/ folder)")
    return corpora


def fitted_on(model: SegmentModel) -> tuple[str, ...]:
    """The corpus names the model was fitted on, with the fallback for unrecorded ones."""
    return model.fitted_on or FITTED_ON_WHEN_UNRECORDED


def evaluate_corpora(
    data_root: Path,
    modes: Sequence[Mode],
    folds: int,
    limit: int | None = None,
    models: dict[Mode, SegmentModel] | None = None,
) -> dict[Mode, list[CorpusResult]]:
    """Per mode, one result per corpus. `models` overrides the shipped model of a mode."""
    if folds < 2:
        raise CorporaError("--cv needs at least 2 folds")
    corpora = find_corpora(data_root)
    results: dict[Mode, list[CorpusResult]] = {}
    for mode in modes:
        given = (models or {}).get(mode)
        model = given or shipped_model(CONTENT_TYPES[mode])
        results[mode] = [
            _evaluate_corpus(corpus, mode, model, given is not None, folds, limit)
            for corpus in corpora
        ]
    return results


def _evaluate_corpus(
    corpus: Path, mode: Mode, model: SegmentModel, given: bool, folds: int, limit: int | None
) -> CorpusResult:
    try:
        pages = load_pages(corpus, mode, limit)
    except DatasetError as error:
        raise CorporaError(str(error)) from error
    cross_validated = None
    scored_by = GIVEN if given else SHIPPED
    if corpus.name in fitted_on(model):
        _check_folds(corpus.name, pages, folds)
        print(
            f"{corpus.name}: the model was fitted on it; training {folds} models for "
            "cross-validation grouped by site",
            file=sys.stderr,
        )
        cross_validated = cross_validated_extractions(pages, mode, folds)
        scored_by = f"{folds}-fold CV by site"
    with Progress(f"eval {mode} {corpus.name}", total=len(pages), unit="pages") as progress:
        systems = evaluate(pages, mode, COMPARISONS[mode], model, cross_validated, progress.advance)
    return CorpusResult(corpus.name, mode, pages, scored_by, cross_validated, systems)


def _check_folds(corpus: str, pages: Sequence[LabelledPage], folds: int) -> None:
    """Every fold must leave some pages to train on."""
    used = {site_fold(page.site, folds) for page in pages}
    if len(used) < 2:
        raise CorporaError(
            f"{corpus}: its {len(pages)} pages fall in one of {folds} folds grouped by site "
            "(too few sites for cross-validation; raise --limit)"
        )


def mean_over_corpora(rows: Sequence[CorpusResult]) -> dict[str, dict[str, float]]:
    """Per system, the unweighted mean of the per-corpus F1, precision and recall."""
    names = [s.name for s in rows[0].systems] if rows else []
    return {
        name: {
            figure: float(np.mean([row.system(name).summary()[figure] for row in rows]))
            for figure in ("f1", "precision", "recall")
        }
        for name in names
    }


def report(mode: Mode, rows: Sequence[CorpusResult], source: str = "") -> str:
    """The table of one mode: a row per corpus, the mean over corpora, then article pages.
    `source` says where the pages came from (printed in the title)."""
    comparisons = COMPARISONS[mode]
    main = comparisons[0]
    delta = f"{CHAFF}-{main}"
    kind = "HTML pages" if mode == "html" else "text dumps"
    title = f"{kind}: word-F1 (mean over pages) of {CHAFF} beside {', '.join(comparisons)}"
    lines = [title, *([source] if source else []), ""]
    header = (
        f"{'corpus':<20} {'pages':>6}  {'chaff scored by':<18} {'F1':>6} {'prec':>6} "
        f"{'recall':>6}" + "".join(f" {name:>11}" for name in comparisons) + f" {delta:>17}"
    )
    lines += [header, "-" * len(header)]
    for row in rows:
        chaff = row.system(CHAFF).summary()
        lines.append(
            _row(
                row.corpus,
                f"{len(row.pages):>6}",
                row.scored_by,
                chaff,
                [row.f1(name) for name in comparisons],
                chaff["f1"] - row.f1(main),
            )
        )
    mean = mean_over_corpora(rows)
    lines += ["-" * len(header)]
    lines.append(
        _row(
            "mean over corpora",
            f"{sum(len(row.pages) for row in rows):>6}",
            f"{len(rows)} corpora",
            mean[CHAFF],
            [mean[name]["f1"] for name in comparisons],
            mean[CHAFF]["f1"] - mean[main]["f1"],
        )
    )
    lines += _target_page_type_lines(rows, main)
    lines += [
        "",
        "CV by site: the model was fitted on this corpus, so each page is scored by models",
        f"trained on the corpus's other sites; {SHIPPED}: it never saw the corpus. Each",
        "corpus draws the line between content and boilerplate its own way: compare systems",
        "within a row. The mean over corpora is unweighted.",
    ]
    return "\n".join(lines)


def _row(
    corpus: str,
    pages: str,
    scored_by: str,
    chaff: dict[str, float],
    comparisons: Sequence[float],
    delta: float,
) -> str:
    return (
        f"{corpus:<20} {pages}  {scored_by:<18} {chaff['f1']:>6.3f} {chaff['precision']:>6.3f} "
        f"{chaff['recall']:>6.3f}"
        + "".join(f" {f1:>11.3f}" for f1 in comparisons)
        + f" {_signed(delta):>17}"
    )


def _signed(difference: float) -> str:
    """+0.012, -0.004, and +0.000 rather than -0.000."""
    return f"{round(difference, 3) + 0.0:+.3f}"


def _target_page_type_lines(rows: Sequence[CorpusResult], main: str) -> list[str]:
    lines = []
    for row in rows:
        types = row.system(CHAFF).by_page_type()
        if TARGET_PAGE_TYPE not in types or set(types) == {TARGET_PAGE_TYPE}:
            continue
        chaff = types[TARGET_PAGE_TYPE]["f1"]
        other = row.system(main).by_page_type()[TARGET_PAGE_TYPE]["f1"]
        pages = int(types[TARGET_PAGE_TYPE]["pages"])
        lines.append(
            f"{row.corpus}, {TARGET_PAGE_TYPE} pages only ({pages} of {len(row.pages)}): "
            f"{CHAFF} {chaff:.3f}, {main} {other:.3f}, {CHAFF} - {main} {_signed(chaff - other)}"
        )
    return ["", *lines] if lines else []


def figures(
    results: dict[Mode, list[CorpusResult]], data_root: Path, folds: int, limit: int | None
) -> dict[str, Any]:
    """Everything `--json` writes: per mode, per corpus and system, overall and by page type."""
    return {
        "data_root": str(data_root),
        "folds": folds,
        "limit": limit,
        "fitted_on_when_unrecorded": list(FITTED_ON_WHEN_UNRECORDED),
        "modes": {
            mode: {
                "corpora": [
                    {
                        "corpus": row.corpus,
                        "pages": len(row.pages),
                        "scored_by": row.scored_by,
                        "cross_validated": row.cross_validated is not None,
                        "systems": {
                            s.name: {"overall": s.summary(), "by_page_type": s.by_page_type()}
                            for s in row.systems
                        },
                    }
                    for row in rows
                ],
                "mean_over_corpora": mean_over_corpora(rows),
            }
            for mode, rows in results.items()
        },
    }


def run(
    data_root: Path,
    modes: Sequence[Mode],
    folds: int,
    limit: int | None = None,
    model: SegmentModel | None = None,
    json_path: Path | None = None,
) -> dict[Mode, list[CorpusResult]]:
    """Evaluate, print every mode's table to stdout, and write the figures to `json_path`.

    `model` replaces the shipped model of its content type. Raises CorporaError."""
    models: dict[Mode, SegmentModel] = {}
    if model is not None:
        mode = next(m for m, ct in CONTENT_TYPES.items() if ct == model.content_type)
        if mode not in modes:
            raise CorporaError(f"--model is a {mode} model; the --mode given has no {mode}")
        models[mode] = model
    results = evaluate_corpora(data_root, modes, folds, limit, models)
    source = f"the first {limit} pages of each corpus" if limit else "every page of each corpus"
    source = f"({source} under {data_root})"
    print("\n\n".join(report(mode, rows, source) for mode, rows in results.items()))
    if json_path is not None:
        json_path.write_bytes(
            orjson.dumps(figures(results, data_root, folds, limit), option=orjson.OPT_INDENT_2)
        )
    return results
