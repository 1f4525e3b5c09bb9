"""`chaff eval --metadata`: the article records' title, authors and publication date against
a corpus's gold (WCXB annotates all three), with trafilatura's metadata in the same run.

How a field counts as right, for every system alike:

- title: equal after normalising (Unicode NFKC, lower case, punctuation to spaces, spaces
  folded); scored on every page with a gold title;
- authors: the same set of names, the names split at commas, semicolons, "|", "&", "/" and
  "and", each normalised as a title ("same names"); and, looser, at least one name in common
  ("a name in common"); scored on the pages with a gold author;
- published: the date part equals the gold date (as far as the gold goes: "2003-11" asks
  for the month); scored on the pages with a gold date. Chaff's `published` is compared,
  never its `modified`: a page's last update is not when it was published.

"given" is the share of scored pages where the system gave the field at all, so that
precision (right / given) can be read off.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import orjson

from worker.core.classify import classify_page
from worker.learn.baselines import trafilatura_metadata
from worker.learn.dataset import LabelledPage, Mode
from worker.learn.train import CONTENT_TYPES
from worker.ops.progress import Progress

FIELDS = (
    "title",
    "authors (same names)",
    "authors (a name in common)",
    "published",
    "published, else modified",
)
_NAME_SPLIT = re.compile(r"\s*(?:[,;&|/]|\band\b)\s*", re.IGNORECASE)


def normalised(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def names(text: str | None) -> frozenset[str]:
    return frozenset(n for part in _NAME_SPLIT.split(text or "") if (n := normalised(part)))


def same_date(predicted: str | None, gold: str) -> bool:
    gold = gold.strip()[:10]
    return bool(predicted) and predicted is not None and predicted[: len(gold)] == gold


@dataclass
class FieldScore:
    scored: int = 0
    right: int = 0
    given: int = 0

    def add(self, right: bool, given: bool) -> None:
        self.scored += 1
        self.right += right
        self.given += given

    @property
    def accuracy(self) -> float:
        return self.right / self.scored if self.scored else 0.0

    @property
    def given_share(self) -> float:
        return self.given / self.scored if self.scored else 0.0


@dataclass
class MetadataResult:
    name: str
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    seconds: float = 0.0
    pages: int = 0

    def add(
        self,
        page: LabelledPage,
        title: str | None,
        author: str | None,
        published: str | None,
        modified: str | None = None,
    ) -> None:
        self.pages += 1
        if page.title:
            self.fields["title"].add(normalised(title) == normalised(page.title), bool(title))
        if page.author:
            gold, found = names(page.author), names(author)
            self.fields["authors (same names)"].add(found == gold, bool(found))
            self.fields["authors (a name in common)"].add(bool(found & gold), bool(found))
        if page.publish_date:
            self.fields["published"].add(same_date(published, page.publish_date), bool(published))
            either = published or modified
            self.fields["published, else modified"].add(
                same_date(either, page.publish_date), bool(either)
            )

    def as_json(self) -> dict[str, object]:
        return {
            "pages": self.pages,
            "seconds": self.seconds,
            **{
                name: {"scored": s.scored, "accuracy": s.accuracy, "given": s.given_share}
                for name, s in self.fields.items()
            },
        }


def evaluate_metadata(
    pages: Sequence[LabelledPage],
    mode: Mode,
    with_trafilatura: bool,
    on_page: Callable[[], None] = lambda: None,
) -> list[MetadataResult]:
    """Chaff's article metadata (the shipped model) and, for HTML, trafilatura's, page by page."""
    content_type = CONTENT_TYPES[mode]
    chaff = MetadataResult("chaff")
    results = [chaff]
    trafilatura = MetadataResult("trafilatura")
    if with_trafilatura and mode == "html":
        results.append(trafilatura)
    for page in pages:
        body = page.body(mode)
        started = time.perf_counter()
        metadata = classify_page(body, content_type).metadata
        chaff.seconds += time.perf_counter() - started
        if metadata is None:
            chaff.add(page, None, None, None)
        else:
            authors = "; ".join(metadata.authors) or None
            chaff.add(page, metadata.title, authors, metadata.published, metadata.modified)
        if len(results) > 1:
            started = time.perf_counter()
            title, author, date = trafilatura_metadata(body, page.url)
            trafilatura.seconds += time.perf_counter() - started
            trafilatura.add(page, title, author, date)
        on_page()
    return results


def metadata_report(results: Sequence[MetadataResult], title: str) -> str:
    lines = [title, "", "right (given) per field; see worker/learn/metadata_eval.py", ""]
    header = f"{'field':<28} {'pages':>6}" + "".join(f" {r.name:>19}" for r in results)
    lines += [header, "-" * len(header)]
    for name in FIELDS:
        scored = results[0].fields[name].scored
        row = f"{name:<28} {scored:>6}"
        for result in results:
            score = result.fields[name]
            row += f" {score.accuracy:>10.3f} ({score.given_share:>5.1%})"
        lines.append(row)
    lines.append(
        f"{'seconds per page':<28} {'':>6}"
        + "".join(f" {r.seconds / max(1, r.pages) * 1000:>16.2f} ms" for r in results)
    )
    lines += ["", "Chaff's time is the whole classification, metadata included."]
    return "\n".join(lines)


def metadata_command(args: argparse.Namespace) -> int:
    """`chaff eval --metadata`."""
    from worker.learn.command_args import DEFAULT_DATASET, EXIT_BAD_INPUT, labelled_pages

    for flag, given in (("--cv", args.cv), ("--model", args.model), ("--compare", args.compare)):
        if given:
            print(f"chaff eval: --metadata scores the shipped model; drop {flag}", file=sys.stderr)
            return EXIT_BAD_INPUT
    mode: Mode = "text" if args.mode == "text" else "html"
    if args.mode == "both" or args.data_root or args.all_corpora or args.site_memory:
        print("chaff eval: --metadata takes one dataset and --mode html or text", file=sys.stderr)
        return EXIT_BAD_INPUT
    dataset = args.dataset or DEFAULT_DATASET
    pages = labelled_pages("eval", dataset, mode, args.limit)
    if pages is None:
        return EXIT_BAD_INPUT
    if not any(p.title or p.author or p.publish_date for p in pages):
        print(f"chaff eval: {dataset} has no gold title, author or date", file=sys.stderr)
        return EXIT_BAD_INPUT
    with Progress("eval metadata", total=len(pages), unit="pages") as progress:
        results = evaluate_metadata(pages, mode, True, progress.advance)
    title = f"metadata of {len(pages)} pages of {dataset} ({mode})"
    print(metadata_report(results, title))
    if args.json:
        figures = {r.name: r.as_json() for r in results}
        args.json.write_bytes(orjson.dumps({"title": title, "systems": figures}))
    return 0
