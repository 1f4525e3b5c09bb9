"""`chaff dedup-eval`: precision and recall of the verdicts on gold articles and their copies.

The set: every gold article text of the corpora (shuffled, seeded), then one synthetic
near-copy of each kind (synthetic.MAKERS) per article, later in the stream, under new
page ids. Every text goes through the job's matching (engine.LocalDedup) in stream order.

Truth is the exact Jaccard similarity of the 5-word shingle sets (what MinHash estimates):
an article is a near-duplicate when some earlier text reaches the threshold. A "duplicate"
verdict is a true positive when the article is one; its named page is checked too ("pair
precision": the named page's exact Jaccard reaches the threshold). The figures by copy kind
say how many copies of each kind are near-duplicates by that definition, and how many the
job found: a trimmed copy of a short article can fall below 0.8 and is then rightly unique.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from worker.core.minhash import LshParams, shingle_hashes
from worker.dedup.engine import LocalDedup
from worker.dedup.matching import Article
from worker.dedup.synthetic import MAKERS


@dataclass(frozen=True, slots=True)
class Text:
    page_id: str
    text: str
    origin: str  # the page it was made from (itself for an original)
    kind: str  # "original" or a maker's name


def gold_texts(corpus: Path) -> list[tuple[str, str]]:
    """(corpus/id, gold main content) of every page with a non-empty gold text."""
    texts = []
    for path in sorted((corpus / "ground-truth").glob("*.json")):
        document = orjson.loads(path.read_bytes())
        text = (document.get("ground_truth") or {}).get("main_content") or ""
        if text.strip():
            texts.append((f"{corpus.name}/{path.stem}", text))
    return texts


def build_stream(originals: list[tuple[str, str]], copies: int, seed: int) -> list[Text]:
    rng = random.Random(seed)
    shuffled = list(originals)
    rng.shuffle(shuffled)
    stream = [Text(page_id, text, page_id, "original") for page_id, text in shuffled]
    made = [
        Text(f"{page_id}~{kind}{n}", maker(text, rng), page_id, kind)
        for n in range(copies)
        for page_id, text in shuffled
        for kind, maker in MAKERS.items()
    ]
    rng.shuffle(made)
    return stream + made


def exact_truth(
    stream: list[Text], threshold: float
) -> tuple[list[bool], list[dict[int, float]], list[np.ndarray]]:
    """Per text: whether an earlier text reaches `threshold`, and the exact Jaccard of every
    earlier text that shares a shingle with it (an inverted index of shingle hashes)."""
    shingles = [shingle_hashes(t.text) for t in stream]
    postings: dict[int, list[int]] = {}
    is_duplicate: list[bool] = []
    similar: list[dict[int, float]] = []
    for index, own in enumerate(shingles):
        shared: Counter[int] = Counter()
        for value in own.tolist():
            earlier = postings.setdefault(value, [])
            shared.update(earlier)
            earlier.append(index)
        jaccards = {
            other: count / (len(own) + len(shingles[other]) - count)
            for other, count in shared.items()
        }
        similar.append(jaccards)
        is_duplicate.append(any(j >= threshold for j in jaccards.values()))
    return is_duplicate, similar, shingles


def evaluate(stream: list[Text], threshold: float, params: LshParams) -> dict[str, Any]:
    is_duplicate, similar, _ = exact_truth(stream, threshold)
    engine = LocalDedup(params=params, threshold=threshold)
    index_of = {t.page_id: n for n, t in enumerate(stream)}
    counts = Counter[str]()
    by_kind: dict[str, Counter[str]] = {}
    for n, item in enumerate(stream):
        article = Article(item.page_id, 1_000_000 + n, item.text, None, None, {})
        verdict = engine.add(article)
        predicted = verdict["verdict"] == "duplicate"
        truth = is_duplicate[n]
        counts["tp" if predicted and truth else "fp" if predicted else "fn" if truth else "tn"] += 1
        if predicted:
            named = index_of[verdict["duplicate_of"]]
            counts["pairs_right" if similar[n].get(named, 0.0) >= threshold else "pairs_wrong"] += 1
        kind = by_kind.setdefault(item.kind, Counter())
        kind["texts"] += 1
        kind["near_duplicates"] += truth
        kind["found"] += predicted and truth
        kind["flagged"] += predicted
        if item.kind != "original":
            origin_j = similar[n].get(index_of[item.origin], 0.0)
            kind["copy_at_threshold"] += origin_j >= threshold
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return {
        "texts": len(stream),
        "threshold": threshold,
        "num_perm": params.num_perm,
        "bands": params.bands,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "pair_precision": counts["pairs_right"]
        / max(1, counts["pairs_right"] + counts["pairs_wrong"]),
        "confusion": {name: counts[name] for name in ("tp", "fp", "fn", "tn")},
        "by_kind": {kind: dict(c) for kind, c in sorted(by_kind.items())},
    }


def evaluate_command(args: argparse.Namespace, default_corpora: Path) -> int:
    corpora = (
        args.corpora
        or sorted(p for p in default_corpora.iterdir() if (p / "ground-truth").is_dir())
        if default_corpora.is_dir()
        else args.corpora
    )
    if not corpora:
        print(f"chaff dedup-eval: no corpora given and none in {default_corpora}", file=sys.stderr)
        return 2
    originals: list[tuple[str, str]] = []
    for corpus in corpora:
        if not (corpus / "ground-truth").is_dir():
            print(f"chaff dedup-eval: {corpus} has no ground-truth/ folder", file=sys.stderr)
            return 2
        originals += gold_texts(corpus)
    params = LshParams(bands=args.bands)
    stream = build_stream(originals, args.copies, args.seed)
    result = evaluate(stream, args.threshold, params)
    result["corpora"] = [str(c) for c in corpora]
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    if args.json:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 0
