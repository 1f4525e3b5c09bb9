"""How often the article record's `language` is right, on pages whose language is known.

    python -m worker.learn.language_eval FOLDER... [--wcxb DIR] [--show-wrong]

Each FOLDER holds HTML pages of one language, named by its code or locale (`de`, `pt-BR`,
`zh-TW`: the language is the part before the "-"). `--wcxb` adds the pages of a folder in
the WCXB layout whose `<html lang>` names a language. Every page is classified as the worker
classifies it and its article's `language` compared with that label; pages without an
article are left out. A page whose declared language is not the language of its article
(a translation that left whole sections in English, say) is wrong by this count: read the
list `--show-wrong` prints, as docs/measurements.md did, before taking the figure for the
detector's.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from worker.core.classify import classify_page

_ALIASES = {"no": "nb"}  # Norwegian: the handbook says nb-NO, CLD2 says "no" (mapped to nb)


def labelled_pages(folders: list[Path], wcxb: Path | None) -> Iterator[tuple[str, str, str]]:
    """(name, language code, HTML) of every page."""
    for folder in folders:
        code = _ALIASES.get(code := folder.name.split("-")[0].lower(), code)
        for path in sorted(folder.glob("*.htm*")):
            yield f"{folder.name}/{path.name}", code, path.read_text("utf-8", "replace")
    if wcxb is not None:
        for path in sorted((wcxb / "html").glob("*.html.gz")):
            html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            root = LexborHTMLParser(html[:20_000]).css_first("html")
            declared = (root.attributes.get("lang") or "") if root is not None else ""
            code = declared.strip().lower().replace("_", "-").split("-")[0]
            if len(code) == 2:
                yield f"wcxb/{path.name}", _ALIASES.get(code, code), html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.learn.language_eval")
    parser.add_argument("folders", nargs="*", type=Path, help="one folder of pages per language")
    parser.add_argument("--wcxb", type=Path, help="also the pages of a WCXB-layout folder")
    parser.add_argument("--show-wrong", action="store_true", help="list every page it got wrong")
    args = parser.parse_args(argv)
    right, total, seconds = Counter[str](), Counter[str](), 0.0
    wrong: list[tuple[str, str, str | None]] = []
    for name, code, html in labelled_pages(args.folders, args.wcxb):
        started = time.perf_counter()
        verdict = classify_page(html, "text/html")
        seconds += time.perf_counter() - started
        if verdict.metadata is None:
            continue
        total[code] += 1
        if verdict.metadata.language == code:
            right[code] += 1
        else:
            wrong.append((name, code, verdict.metadata.language))
    if not total:
        print("no pages with an article", file=sys.stderr)
        return 2
    for code in sorted(total, key=lambda c: (-total[c], c)):
        print(f"{code:<4} {right[code]:>5} / {total[code]:<5} {right[code] / total[code]:.3f}")
    pages = sum(total.values())
    print(f"all  {sum(right.values()):>5} / {pages:<5} {sum(right.values()) / pages:.3f}")
    print(f"{seconds / pages * 1000:.2f} ms a page (the whole classification)")
    if args.show_wrong:
        for name, code, found in wrong:
            print(f"wrong: {name} labelled {code}, found {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
