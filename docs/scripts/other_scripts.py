"""Does Chaff read a page in another script as it reads the English one? (docs/measurements.md,
"Other scripts", 2026-12-04.) There is no labelled page in another script under ../shared, so
this maps the letters of English pages and of their gold to another script and scores Chaff on
both, beside the same pages with their letters shuffled within Latin (rot13: the English words
are gone, the script stays), which tells what the rules' English words were worth:

    cyr  a..z -> а..ш, case kept (a script of two-byte cased letters)
    cjk  each word -> one or two CJK ideographs by a hash of it, no space between them,
         . , ! ? -> 。，！？ (a script without spaces, about 1.7 characters a word)
    rot  rot13

Run from a checkout, with the corpora of ../shared:

    .venv/bin/python docs/scripts/other_scripts.py googletrends-train html cyr [--limit 80]
"""

import argparse
import codecs
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import lxml.html
import numpy as np

from worker.core.classify import classify_page
from worker.learn.dataset import load_pages
from worker.learn.scoring import word_scores

_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщ"
_TO_CYRILLIC = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", _CYRILLIC + _CYRILLIC.upper()
)
_CJK_PUNCTUATION = str.maketrans({".": "。", ",": "，", "!": "！", "?": "？"})


def _cjk_word(match: re.Match[str]) -> str:
    word = match.group(0)
    digest = zlib.crc32(word.lower().encode())
    return "".join(chr(0x4E00 + (digest >> (8 * i)) % 20000) for i in range(1 if len(word) <= 3 else 2))


def _cjk(text: str) -> str:
    text = re.sub(r"[A-Za-z]+", _cjk_word, text).translate(_CJK_PUNCTUATION)
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)


MAPPINGS = {
    "cyr": lambda text: text.translate(_TO_CYRILLIC),
    "cjk": _cjk,
    "rot": lambda text: codecs.encode(text, "rot13"),
}


def mapped_html(body: str, mapping: Callable[[str], str]) -> str:
    """The page with the text of its elements (not of scripts and styles) mapped."""
    document = lxml.html.document_fromstring(body)
    for element in document.iter():
        if isinstance(element.tag, str) and element.tag not in ("script", "style"):
            element.text = mapping(element.text) if element.text else element.text
        element.tail = mapping(element.tail) if element.tail else element.tail
    return lxml.html.tostring(document, encoding="unicode")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("mode", choices=["html", "text"])
    parser.add_argument("script", choices=sorted(MAPPINGS))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    mapping = MAPPINGS[args.script]
    content_type = "text/html" if args.mode == "html" else "text/plain"
    scores = []
    for page in load_pages(args.data_root / args.corpus, args.mode, args.limit):
        body = page.body(args.mode)
        mapped = mapped_html(body, mapping) if args.mode == "html" else mapping(body)
        row = []
        for page_body, gold in ((body, page.main_content), (mapped, mapping(page.main_content))):
            verdict = classify_page(page_body, content_type)
            kept = "\n".join(segment.text for segment in verdict.article_segments)
            row.append(word_scores(kept, gold)[2])
        scores.append(row)
    english, other = np.mean(scores, axis=0)
    print(f"{args.corpus} {args.mode} {len(scores)} pages: English {english:.4f}, {args.script} {other:.4f}")


if __name__ == "__main__":
    main()
