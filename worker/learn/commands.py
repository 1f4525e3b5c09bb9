"""`chaff classify`, `chaff train`, `chaff eval`, `chaff bounds` and `chaff bench classify`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from worker.learn.command_args import (
    DEFAULT_DATASET,
    EXIT_BAD_INPUT,
    MODELS_DIR,
    dataset_argument,
    labelled_pages,
)
from worker.learn.eval_command import register_eval
from worker.ops.progress import Progress

if TYPE_CHECKING:
    from worker.learn.dataset import Mode


def register(subparsers: Any) -> None:
    _register_classify(subparsers)
    _register_train(subparsers)
    register_eval(subparsers)
    _register_bounds(subparsers)
    _register_bench(subparsers)


# --- chaff classify ----------------------------------------------------------------------
# The work is in worker.learn.classify_files (it imports the classifier).


def _register_classify(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="classify page files or JSONL raw records offline, one JSON line per page",
        description=(
            "Classify pages without Kafka. SOURCE is an HTML (.html, .htm, .html.gz) or "
            "text-dump file, a file of JSONL raw-page records (.jsonl, .ndjson: what `chaff "
            "produce` publishes), or - for standard input (JSONL records if it starts with "
            "'{', else one page). Writes one JSON object per page to stdout: source, line "
            "(1-based, for JSONL; else null), page_id, url, content_type, model_version, "
            "page_kind ('one item' or 'many items'; null for text dumps), article (the "
            "clean text), the article record's metadata (title, authors, published, "
            "modified, language, canonical_url, description, site_name: null or empty "
            "where the page gives none), article_markdown (HTML; null for text dumps) and "
            "segments (position, text, label, score, reasons). A page the "
            "worker would dead-letter is reported on stderr with its reason; the exit code "
            "is then 2."
        ),
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE")
    parser.add_argument(
        "--content-type",
        choices=["text/html", "text/plain"],
        help="override detection of page files (default: from the file name, then the content)",
    )
    parser.add_argument("--model", type=Path, help="a model file from `chaff train`")
    parser.add_argument(
        "--article-only", action="store_true", help="omit the segments from the output"
    )
    parser.add_argument(
        "--site-memory",
        choices=["on", "off"],
        default="off",
        help=(
            "on: pages pass through site memory in the order given (files in order, records "
            "in file order), so a site's earlier pages inform the verdict of its later ones "
            "and each line says how (site_memory: pages_seen, segments_seen, rejected); "
            "off (default): each page alone, as before"
        ),
    )
    parser.set_defaults(handler=_classify)


def _classify(args: argparse.Namespace) -> int:
    from worker.learn.classify_files import classify_command

    return classify_command(args)


# --- chaff train --------------------------------------------------------------------------


def _register_train(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train the segment models on labelled datasets",
        description=(
            "Fit the HTML and/or text-dump model on one or more folders in the WCXB layout "
            "(html/, text/, ground-truth/); the pages of every folder are pooled, each page "
            "keeping the page type its gold gives it. Deterministic: the same data in the same "
            "order gives the same model file. Writes worker/core/models/<mode>.json unless "
            "--out is given; the model's fitted_on names every folder, so `chaff eval "
            "--all-corpora` scores those corpora by cross-validation."
        ),
    )
    parser.add_argument(
        "datasets",
        nargs="*",
        type=Path,
        default=[DEFAULT_DATASET],
        metavar="dataset",
        help=f"folders in the WCXB layout, pooled (default: {DEFAULT_DATASET})",
    )
    parser.add_argument(
        "--mode",
        choices=["html", "text", "both"],
        default="both",
        help="which model (default: both)",
    )
    parser.add_argument("--out", type=Path, help="output folder (default: the shipped models)")
    parser.add_argument(
        "--limit", type=int, help="only the first N pages of each folder (quick experiments)"
    )
    parser.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    from worker.core.segment_model import MODEL_FILES
    from worker.learn.train import CONTENT_TYPES, TrainingSettings, prepare_with_progress, train

    datasets: list[Path] = args.datasets
    fitted_on = tuple(dataset.resolve().name for dataset in datasets)
    if len(set(fitted_on)) < len(fitted_on):
        # The model names its corpora by folder name; two of one name could not be told apart.
        print(f"chaff train: two dataset folders share a name: {fitted_on}", file=sys.stderr)
        return EXIT_BAD_INPUT
    modes: list[Mode] = ["html", "text"] if args.mode == "both" else [args.mode]
    out_dir: Path = args.out or MODELS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    for mode in modes:
        pages = []
        for dataset in datasets:
            folder_pages = labelled_pages("train", dataset, mode, args.limit)
            if folder_pages is None:
                return EXIT_BAD_INPUT
            pages.extend(folder_pages)
        prepared = prepare_with_progress(pages, mode)
        model = train(prepared, CONTENT_TYPES[mode], TrainingSettings(), mode, fitted_on=fitted_on)
        path = out_dir / MODEL_FILES[CONTENT_TYPES[mode]]
        path.write_bytes(model.to_json())
        print(f"{mode}: {model.version}, {model.decision}, fitted on {len(pages)} pages -> {path}")
    return 0


# --- chaff bounds -------------------------------------------------------------------------


def _register_bounds(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bounds",
        help="word-F1 that better models could reach on today's features (a research tool)",
        description=(
            "Score, by grouped cross-validation as `chaff eval --cv` does, the shipped local "
            "stage (boosted stumps) beside unbounded LightGBM trees, the same trees told each "
            "page's true type, and the label ceiling (the labelled segments kept exactly); "
            "overall and per page type. Trains 3 x K models (~10 min on the development set)."
        ),
    )
    dataset_argument(parser)
    parser.add_argument(
        "--mode", choices=["html", "text"], default="html", help="which model (default: html)"
    )
    parser.add_argument("--cv", type=int, default=5, metavar="K", help="folds (default: 5)")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.set_defaults(handler=_bounds)


def _bounds(args: argparse.Namespace) -> int:
    from worker.learn.bounds import TreeSettings, bounds, report
    from worker.learn.train import TrainingSettings, prepare_with_progress

    if args.cv < 2:
        print("chaff bounds: --cv needs at least 2 folds", file=sys.stderr)
        return EXIT_BAD_INPUT
    pages = labelled_pages("bounds", args.dataset, args.mode, args.limit)
    if pages is None:
        return EXIT_BAD_INPUT
    prepared = prepare_with_progress(pages, args.mode)
    with Progress("bounds", total=4, unit="rows") as progress:
        rows = bounds(prepared, TrainingSettings(folds=args.cv), TreeSettings(), progress.advance)
    title = f"{len(pages)} pages of {args.dataset} ({args.mode}), {args.cv}-fold CV grouped by site"
    print(report(rows, title))
    if args.json:
        args.json.write_bytes(orjson.dumps({"title": title, "rows": rows}))
    return 0


# --- chaff bench --------------------------------------------------------------------------


def _register_bench(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmarks: classifier speed and memory, end-to-end throughput",
        description="Speed and memory benchmarks; each writes its numbers as JSON.",
    )
    benches = parser.add_subparsers(dest="bench", metavar="BENCH", required=True)
    classify = benches.add_parser(
        "classify",
        help="pages per second and peak memory of the classifier, per mode, on one core",
        description=(
            "Classify the same pages with Chaff (and trafilatura for HTML) in one process pinned "
            "to one core: one untimed pass, then several rounds, each on new str objects (as a "
            "worker gets them); report median pages/s and CPU ms per page (the classifying "
            "thread's: steadier than pages/s on a shared machine), the ratios per round, and "
            "peak RSS."
        ),
    )
    dataset_argument(classify)
    classify.add_argument("--pages", type=int, default=300, help="pages per mode")
    classify.add_argument("--rounds", type=int, default=3, help="timed rounds (default: 3)")
    classify.add_argument(
        "--no-trafilatura", action="store_true", help="time Chaff alone (no ratio)"
    )
    classify.add_argument("--json", type=Path, help="also write the figures to this file")
    classify.set_defaults(handler=_bench_classify)
    memory = benches.add_parser(
        "site-memory",
        help="memory of site memory with many sites tracked, and its lookup/update time",
        description=(
            "Fill a site-memory store with full profiles (the last --window pages' URLs and "
            "--max-fingerprints fingerprints each) for --sites sites; report the bytes counted "
            "against the store's cap, what Python allocated, the process's RSS growth, and "
            "the time of one lookup and one update for a page of 200 segments."
        ),
    )
    memory.add_argument("--sites", type=int, default=100_000, help="sites (default: 100000)")
    memory.add_argument("--window", type=int, default=8, help="pages per site (default: 8)")
    memory.add_argument(
        "--max-fingerprints", type=int, default=256, help="fingerprints per site (default: 256)"
    )
    memory.add_argument("--json", type=Path, help="also write the figures to this file")
    memory.set_defaults(handler=_bench_site_memory)
    try:
        from worker.learn.bench_e2e import register_e2e
    except ModuleNotFoundError as error:
        if error.name != "worker.learn.bench_e2e":
            raise
    else:
        register_e2e(benches)
    from worker.learn.bench_stages import register_stages

    register_stages(benches)


def _bench_site_memory(args: argparse.Namespace) -> int:
    from worker.core.site_memory import MemorySettings
    from worker.learn.bench_memory import bench_site_memory, format_site_memory

    try:
        settings = MemorySettings(window=args.window, max_fingerprints=args.max_fingerprints)
    except ValueError as error:
        print(f"chaff bench site-memory: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    figures = bench_site_memory(args.sites, settings)
    print(format_site_memory(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0


def _bench_classify(args: argparse.Namespace) -> int:
    from worker.learn.bench import bench_classify, format_bench

    figures = bench_classify(args.dataset, args.pages, args.rounds, not args.no_trafilatura)
    print(format_bench(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0
