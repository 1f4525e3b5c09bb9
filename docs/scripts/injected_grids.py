"""Does Chaff keep a teaser grid that sits right under the article? (docs/measurements.md,
"Teaser grids put under the article", 2026-12-04.)

The mission's failure, made on purpose: take the grid of a WCXB listing or collection page
(the deepest element holding 70% of its gold's words: its cards), put it right after the
element that holds 70% of another page's gold, and score Chaff on the page before and
after, against the page's own gold (the grid is junk there). Grids come from the listing
sites of one half of a hash of their site name (`--grids test`, the default) so that a
model fitted on pages with grids from the other half (`--grids train`) is measured on
grids it never saw. Run from a checkout, with ../shared:

    .venv/bin/python docs/scripts/injected_grids.py googletrends-train [--trafilatura]
"""

import argparse
import random
import zlib
from pathlib import Path

import lxml.html
import numpy as np

from worker.core.classify import classify_page
from worker.core.segment_model import SegmentModel
from worker.learn.baselines import trafilatura_extract
from worker.learn.dataset import LabelledPage, load_pages
from worker.learn.scoring import tokens, word_scores


def holder(
    document: lxml.html.HtmlElement, gold: list[str], share: float = 0.7
) -> lxml.html.HtmlElement | None:
    """The deepest element (the last in document order) whose text holds `share` of the
    gold's distinct words."""
    wanted, found = set(gold), None
    for element in document.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "head", "script", "style"):
            continue
        if len(wanted & set(tokens(element.text_content()))) >= share * len(wanted):
            found = element
    return found


def grids(data_root: Path, half: str) -> list[tuple[str, str]]:
    """(site, grid HTML) of the listing and collection pages of wcxb-dev in `half`."""
    found = []
    for page in load_pages(data_root / "wcxb-dev", "html"):
        in_half = "train" if zlib.crc32(page.site.encode()) % 2 == 0 else "test"
        if page.page_type not in ("listing", "collection") or in_half != half:
            continue
        gold = tokens(page.main_content)
        try:
            element = holder(lxml.html.document_fromstring(page.body("html")), gold)
        except ValueError:
            continue
        usable = element is not None and element.tag != "body" and len(gold) >= 40
        if usable and len(element.findall(".//a")) >= 5:
            found.append((page.site, lxml.html.tostring(element, encoding="unicode")))
    return found


def with_grid(page: LabelledPage, grid: str) -> str | None:
    """The page with `grid` right after its article, None where no element holds it."""
    try:
        document = lxml.html.document_fromstring(page.body("html"))
    except ValueError:
        return None
    element = holder(document, tokens(page.main_content))
    if element is None or element.tag == "body" or element.getparent() is None:
        return None
    element.addnext(lxml.html.fragment_fromstring(grid))
    return str(lxml.html.tostring(document, encoding="unicode"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--grids", choices=["train", "test"], default="test")
    parser.add_argument("--model", type=Path, help="an HTML model file (default: the shipped)")
    parser.add_argument("--trafilatura", action="store_true", help="score trafilatura too")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    model = SegmentModel.from_json(args.model.read_bytes()) if args.model else None
    sources, rows = grids(args.data_root, args.grids), []
    chooser = random.Random(5)
    for page in load_pages(args.data_root / args.corpus, "html", args.limit):
        injected = with_grid(page, chooser.choice(sources)[1])
        if injected is None:
            continue
        row = []
        for body in (page.body("html"), injected):
            verdict = classify_page(body, "text/html", model)
            kept = "\n".join(segment.text for segment in verdict.article_segments)
            row += word_scores(kept, page.main_content)[:3]
            if args.trafilatura:  # as `chaff eval` runs it
                row += word_scores(trafilatura_extract(body, "text/html"), page.main_content)[:3]
        rows.append(row)
    means = np.mean(rows, axis=0)
    systems = ["chaff", "trafilatura"] if args.trafilatura else ["chaff"]
    print(f"{args.corpus}: {len(rows)} pages, {len(sources)} grids ({args.grids})")
    for i, system in enumerate(systems):
        plain = means[3 * i : 3 * i + 3]
        grid = means[3 * (i + len(systems)) : 3 * (i + len(systems)) + 3]
        print(
            f"  {system:12} P/R/F1 {plain[0]:.3f} {plain[1]:.3f} {plain[2]:.4f}"
            f"  with a grid {grid[0]:.3f} {grid[1]:.3f} {grid[2]:.4f}"
        )


if __name__ == "__main__":
    main()
