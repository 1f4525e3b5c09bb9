"""`chaff eval`: word-F1 on a labelled corpus, by cross-validation or with the shipped
model, across every corpus (`--all-corpora`), with site memory and without it
(`--site-memory`), and the article metadata against the gold (`--metadata`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from worker.learn.command_args import (
    DEFAULT_DATASET,
    EXIT_BAD_INPUT,
    labelled_pages,
)
from worker.ops.progress import Progress

if TYPE_CHECKING:
    from worker.learn.dataset import Mode


def register_eval(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="word-F1 of the classifier (and other extractors) on a labelled folder",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Score extractions against the ground truth of a folder in the WCXB layout: word-F1,\n"
            "precision and recall (mean over pages), per page type, the share of must-have\n"
            "snippets found and of must-not snippets leaked, and pages per second. --compare\n"
            "runs other extractors on the same pages in the same run.\n"
            "\n"
            "--all-corpora scores every corpus under --data-root instead (each subfolder with\n"
            "a ground-truth/ folder, e.g. wcxb-dev, dragnet-train, cleaneval,\n"
            "googletrends-train) and prints one table per mode, a row per corpus:\n"
            "  - a corpus the model was fitted on (its fitted_on; models that do not record\n"
            "    it count as fitted on wcxb-dev) is scored by K-fold cross-validation\n"
            "    grouped by site (--cv, default 5), so no page meets a model that saw its site;\n"
            "  - every other corpus is scored by the shipped model (or --model's);\n"
            "  - beside Chaff, on the same pages: trafilatura and keep-all for HTML, the C4\n"
            "    line filter and keep-all for text dumps, and Chaff minus trafilatura (HTML)\n"
            "    or minus C4 (text);\n"
            "  - a last row with the unweighted mean over corpora, and, for corpora with\n"
            "    several page types (wcxb-dev), the figures on their article pages alone.\n"
            "--mode defaults to both, --limit takes the first N pages of each corpus, and\n"
            "--json writes every figure (per corpus and system, overall and per page type).\n"
            "\n"
            "--metadata scores the article records' title, authors and publication date\n"
            "against the corpus's gold instead (wcxb-dev has them), beside trafilatura's\n"
            "metadata (with_metadata) on the same pages, HTML; text dumps: Chaff alone.\n"
            "\n"
            "  chaff eval --all-corpora --limit 40 --mode html\n"
            "  chaff eval --all-corpora --json corpora.json      # the full run: both modes\n"
            "  chaff eval --metadata --json metadata.json        # wcxb-dev, HTML"
        ),
    )
    parser.add_argument(
        "dataset",
        nargs="?",
        type=Path,
        help=f"a folder in the WCXB layout (default: {DEFAULT_DATASET})",
    )
    parser.add_argument(
        "--all-corpora",
        action="store_true",
        help="score every corpus under --data-root, one table row each (see above)",
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        help=f"with --all-corpora: the folder of the corpora (default: {DEFAULT_DATASET.parent})",
    )
    parser.add_argument(
        "--mode",
        choices=["html", "text", "both"],
        help="html or text (default: html); with --all-corpora also both (the default there)",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        choices=["trafilatura", "keep-all", "c4"],
        help="also run this extractor (repeatable; --all-corpora runs its own set)",
    )
    cv_help = "score Chaff by K-fold cross-validation grouped by site (trains K models)"
    cv_help += "; with --all-corpora, on the corpora the model was fitted on (default: 5)"
    parser.add_argument("--cv", type=int, metavar="K", help=cv_help)
    parser.add_argument("--model", type=Path, help="a model file from `chaff train`")
    parser.add_argument("--limit", type=int, help="only the first N pages (of each corpus)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--site-memory",
        action="store_true",
        help=(
            "word-F1 with site memory and without it, on the pages of multi-page sites (each "
            "scored after its site's other pages were seen) and on single-page sites; --mode "
            "defaults to both; with --cv K the extractions are out-of-fold"
        ),
    )
    parser.add_argument(
        "--metadata",
        action="store_true",
        help="score title, authors and publication date against the gold (see above)",
    )
    parser.set_defaults(handler=_eval)


def _eval(args: argparse.Namespace) -> int:
    from worker.core.segment_model import SegmentModel
    from worker.learn.evaluate import evaluate, report

    if args.cv is not None and args.cv < 2:
        print("chaff eval: --cv needs at least 2 folds", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.metadata:
        from worker.learn.metadata_eval import metadata_command

        return metadata_command(args)
    if args.all_corpora:
        return _eval_all_corpora(args)
    if args.site_memory:
        return _eval_site_memory(args)
    for flag, value in (("--data-root", args.data_root), ("--mode both", args.mode == "both")):
        if value:
            print(f"chaff eval: {flag} goes with --all-corpora", file=sys.stderr)
            return EXIT_BAD_INPUT
    mode: Mode = args.mode or "html"
    dataset = args.dataset or DEFAULT_DATASET
    if mode == "text" and "trafilatura" in args.compare:
        print("chaff eval: trafilatura extracts from HTML only (use --mode html)", file=sys.stderr)
        return EXIT_BAD_INPUT
    pages = labelled_pages("eval", dataset, mode, args.limit)
    if pages is None:
        return EXIT_BAD_INPUT
    model = SegmentModel.from_json(args.model.read_bytes()) if args.model else None
    cross_validated = None
    title = f"{len(pages)} pages of {dataset} ({mode})"
    if args.cv:
        from worker.learn.train import cross_validated_extractions

        cross_validated = cross_validated_extractions(pages, mode, args.cv)
        title += f", Chaff scored by {args.cv}-fold cross-validation grouped by site"
    with Progress("eval", total=len(pages), unit="pages") as progress:
        results = evaluate(pages, mode, args.compare, model, cross_validated, progress.advance)
    print(report(results, title))
    if args.json:
        figures = {
            r.name: {"overall": r.summary(), "by_page_type": r.by_page_type()} for r in results
        }
        args.json.write_bytes(orjson.dumps({"title": title, "systems": figures}))
    return 0


def _eval_site_memory(args: argparse.Namespace) -> int:
    from worker.core.segment_model import SegmentModel
    from worker.core.site_memory import MemorySettings
    from worker.learn.memory_eval import cross_validated_keeps, evaluate_memory, report
    from worker.learn.train import CONTENT_TYPES

    if args.compare or args.data_root:
        print("chaff eval: --site-memory compares Chaff with itself", file=sys.stderr)
        return EXIT_BAD_INPUT
    dataset = args.dataset or DEFAULT_DATASET
    modes: list[Mode] = ["html", "text"] if args.mode in (None, "both") else [args.mode]
    model = SegmentModel.from_json(args.model.read_bytes()) if args.model else None
    settings = MemorySettings()
    results = []
    for mode in modes:
        if model is not None and model.content_type != CONTENT_TYPES[mode]:
            print(f"chaff eval: the model is for {model.content_type}", file=sys.stderr)
            return EXIT_BAD_INPUT
        pages = labelled_pages("eval", dataset, mode, args.limit)
        if pages is None:
            return EXIT_BAD_INPUT
        keeps = None
        if args.cv:
            keeps = cross_validated_keeps(pages, mode, args.cv)
        with Progress(f"eval {mode}", total=2 * len(pages), unit="pages") as progress:
            results.append(evaluate_memory(pages, mode, settings, model, keeps, progress.advance))
    scored = f"{args.cv}-fold cross-validation by site" if args.cv else "the model as given"
    print(report(results, f"{dataset}, scored by {scored}", settings))
    if args.json:
        args.json.write_bytes(orjson.dumps([r.as_json() for r in results]))
    return 0


def _eval_all_corpora(args: argparse.Namespace) -> int:
    from worker.core.segment_model import SegmentModel
    from worker.learn.corpora import CorporaError, run

    conflicts = {
        f"the dataset {args.dataset} (use --data-root for the folder of corpora)": args.dataset,
        "--compare (it runs its own comparisons)": args.compare,
    }
    for conflict in (name for name, given in conflicts.items() if given):
        print(f"chaff eval: --all-corpora scores every corpus; drop {conflict}", file=sys.stderr)
        return EXIT_BAD_INPUT
    modes: list[Mode] = ["html", "text"] if args.mode in (None, "both") else [args.mode]
    model = SegmentModel.from_json(args.model.read_bytes()) if args.model else None
    try:
        run(
            args.data_root or DEFAULT_DATASET.parent,
            modes,
            args.cv or 5,
            args.limit,
            model,
            args.json,
        )
    except CorporaError as error:
        print(f"chaff eval: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
