"""How much could site memory add at most? Ceilings for issue 18's accuracy target.

Site memory knows one thing a page alone does not: which of its texts were also on the
site's other pages. So no use of it can do better than an oracle that rejects exactly the
kept segments that are not article text *and* were on another page of the site. This
script scores that oracle (and, for scale, oracles that use the gold alone) on the pages
of multi-page sites, against the extraction with memory off:

    off           what the per-page classifier keeps
    repeat junk   off, less every kept junk segment whose text is on another page of the site
    repeat other  off, less every kept segment that is not gold and is on another page
    all junk      off, less every kept junk segment, repeated or not (no memory needed)
    all other     off, less every kept segment that is not gold

A segment is gold when 90% or more of its words are in the gold's words, junk under 40%,
mixed in between ("other" = junk or mixed). "Another page" is any other page of the site
(the worker counts the last 8; sites here have at most 12 pages), text matched exactly:
normalised matching added at most 0.0003 (docs/measurements.md, 2026-12-03).

The extraction is the shipped model's on a corpus it was not fitted on (dragnet-train), and
the out-of-fold keeps of 5-fold CV by site on wcxb-dev, as `chaff eval --site-memory`
scores them (~4 minutes a mode there: it trains five models). Run from a checkout:

    .venv/bin/python docs/scripts/memory_ceilings.py dragnet-train wcxb-dev --mode both
"""

import re
from argparse import ArgumentParser, RawDescriptionHelpFormatter
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from worker.core.classify import classify_page
from worker.learn.dataset import LabelledPage, Mode, load_pages
from worker.learn.memory_eval import cross_validated_keeps, sites_of
from worker.learn.scoring import word_scores
from worker.learn.train import CONTENT_TYPES

WORD = re.compile(r"\w+")
GOLD_SHARE, JUNK_SHARE = 0.9, 0.4
Extraction = dict[str, tuple[list[str], list[bool]]]  # page id -> segment texts, kept


def extraction(pages: Sequence[LabelledPage], mode: Mode, corpus: str) -> Extraction:
    if corpus == "wcxb-dev":  # the shipped models were fitted on it: out-of-fold keeps
        folds = cross_validated_keeps(pages, mode, 5)
        return {pid: (texts, keep.tolist()) for pid, (texts, _, keep) in folds.items()}
    found: Extraction = {}
    for page in pages:
        verdict = classify_page(page.body(mode), CONTENT_TYPES[mode])
        found[page.page_id] = (
            [s.text for s in verdict.segments],
            [s.label == "article" for s in verdict.segments],
        )
    return found


def label(text: str, gold_words: set[str]) -> str:
    words = WORD.findall(text.lower())
    share = sum(w in gold_words for w in words) / max(1, len(words))
    return "gold" if words and share >= GOLD_SHARE else "junk" if share < JUNK_SHARE else "mixed"


def ceilings(pages: Sequence[LabelledPage], found: Extraction) -> dict[str, float]:
    scores: dict[str, list[float]] = defaultdict(list)
    for site_pages in sites_of(pages).values():
        if len(site_pages) < 2:
            continue
        seen = {p.page_id: set(found[p.page_id][0]) for p in site_pages}
        for page in site_pages:
            texts, kept = found[page.page_id]
            gold_words = set(WORD.findall(page.main_content.lower()))
            labels = [label(t, gold_words) for t in texts]
            repeated = [
                any(t in seen[o.page_id] for o in site_pages if o.page_id != page.page_id)
                for t in texts
            ]
            other = [lab != "gold" for lab in labels]
            junk = [lab == "junk" for lab in labels]
            oracles = {  # name -> which segments the oracle rejects
                "off": [False] * len(texts),
                "repeat junk": [j and r for j, r in zip(junk, repeated, strict=True)],
                "repeat other": [o and r for o, r in zip(other, repeated, strict=True)],
                "all junk": junk,
                "all other": other,
            }
            for name, rejected in oracles.items():
                text = "\n\n".join(
                    t for t, k, r in zip(texts, kept, rejected, strict=True) if k and not r
                )
                scores[name].append(word_scores(text, page.main_content)[2])
    return {name: float(np.mean(values)) for name, values in scores.items()}


def main() -> None:
    parser = ArgumentParser(description=__doc__, formatter_class=RawDescriptionHelpFormatter)
    parser.add_argument("corpora", nargs="+", help="corpus folders under --data-root")
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--mode", choices=("html", "text", "both"), default="both")
    args = parser.parse_args()
    modes: list[Mode] = ["html", "text"] if args.mode == "both" else [args.mode]
    print(f"{'corpus':<15} {'mode':<5} " + " ".join(f"{n:>13}" for n in ("off", "repeat junk",
          "repeat other", "all junk", "all other")))  # fmt: skip
    for corpus in args.corpora:
        for mode in modes:
            pages = load_pages(args.data_root / corpus, mode)
            figures = ceilings(pages, extraction(pages, mode, corpus))
            off = figures["off"]
            cells = [f"{off:>13.4f}"] + [
                f"{value:>7.4f} {value - off:+.3f}"[-13:].rjust(13)
                for name, value in figures.items()
                if name != "off"
            ]
            print(f"{corpus:<15} {mode:<5} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
