"""Copies of wcxb-dev's article pages with a teaser grid under the article, for training
(docs/measurements.md, "Teaser grids put under the article", 2026-12-04).

Each article page is copied with the probability `--share`, a grid of the "train" half of
injected_grids.py's listing sites (never the page's own site) right after its article, its
gold unchanged (the grid is junk there). The copies go to OUT in the WCXB layout (html/,
ground-truth/; ids "g" + the page's), to be pooled with wcxb-dev:

    .venv/bin/python docs/scripts/grid_augment.py /tmp/grids --share 0.3
    .venv/bin/chaff train --mode html --out /tmp/model ../shared/data/wcxb-dev /tmp/grids
    .venv/bin/python docs/scripts/injected_grids.py dragnet-train --model /tmp/model/html.json

Deterministic: the same corpus and share give the same pages.
"""

import argparse
import gzip
import random
import shutil
from pathlib import Path

from injected_grids import grids, with_grid

from worker.learn.dataset import load_pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a folder to write (replaced)")
    parser.add_argument("--share", type=float, default=0.3, help="of the article pages")
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    sources, chooser = grids(args.data_root, "train"), random.Random(11)
    shutil.rmtree(args.out, ignore_errors=True)
    (args.out / "html").mkdir(parents=True)
    (args.out / "ground-truth").mkdir()
    truth = args.data_root / "wcxb-dev" / "ground-truth"
    made = 0
    for page in load_pages(args.data_root / "wcxb-dev", "html"):
        if page.page_type != "article" or chooser.random() > args.share:
            continue
        grid = chooser.choice([html for site, html in sources if site != page.site])
        injected = with_grid(page, grid)
        if injected is None:
            continue
        copy = f"g{page.page_id}"
        (args.out / "html" / f"{copy}.html.gz").write_bytes(gzip.compress(injected.encode()))
        shutil.copyfile(truth / f"{page.page_id}.json", args.out / "ground-truth" / f"{copy}.json")
        made += 1
    print(f"{made} article pages copied with a grid to {args.out}")


if __name__ == "__main__":
    main()
