"""The plain algorithm html_segments was optimised from, and the random pages the tests
compare against it (test_html_segments.py) and compare the two walks on (test_html_walk.py).

The reference is the walk as first written: every text node looks at all its ancestors, and
the main container sums each prose segment into every block above it. The fast walk must
give the same texts and the same structure matrix, bit for bit, since the shipped model was
trained on its output.
"""

from __future__ import annotations

import random
import re

import html_references as reference
import numpy as np
from selectolax.lexbor import LexborHTMLParser

from worker.core import html_segments as hs
from worker.core import html_tags
from worker.core import html_walk as hw
from worker.core.html_segments import STRUCTURE_NAMES, html_segments
from worker.core.page_meta import declared_kinds

_ORIGINAL_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.IGNORECASE)


def reference_segments(html: str) -> tuple[list[str], np.ndarray | None]:
    if not html.strip():
        return [], None
    # In any case: "<NoScript" too, which the code before 2026-11-29 left alone when neither
    # "noscript" nor "NOSCRIPT" was on the page.
    html = _ORIGINAL_NOSCRIPT.sub(r"<\1div", html)
    tree = LexborHTMLParser(html)
    title_element = tree.css_first("title")
    title = " ".join(title_element.text().split()).lower() if title_element is not None else ""
    declared = declared_kinds(tree)  # tests/core/test_page_meta.py tests it on its own
    drop_plainly(tree)
    root = tree.body or tree.root
    if root is None:
        return [], np.zeros((0, len(STRUCTURE_NAMES)), dtype=np.float32)
    runs: list[dict] = []
    line_breaks = 0  # <br> in a row, with nothing but whitespace and comments between them
    parted = False  # two of them or more since the last text: a paragraph's end
    for node in root.traverse(include_text=True):
        if node.tag == "br":
            line_breaks += 1
            parted |= line_breaks >= 2
            if runs:
                runs[-1]["pieces"][-1] += " "  # "a<br>b" is two words
            continue
        if node.tag not in ("-text", "-comment"):
            line_breaks = 0
        text = node.text_content if node.tag == "-text" else None
        if not text or text.isspace():
            continue
        line_breaks = 0
        chain = []
        ancestor = node.parent
        while ancestor.mem_id != root.mem_id:
            chain.append(ancestor)
            ancestor = ancestor.parent
        block, bits, depth, kind = root.mem_id, 0, 0, 0
        group, path, above = root.mem_id, (root.mem_id,), root.mem_id
        for element in reversed(chain):
            tag = element.tag or ""
            bits |= html_tags.TAG_BITS.get(tag, 0)
            if tag in html_tags.ATTRIBUTE_TAGS:
                attributes = element.attributes
                hint = f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower()
                bits |= html_tags.NEGATIVE_HINT if reference.NEGATIVE_HINTS.search(hint) else 0
                bits |= html_tags.POSITIVE_HINT if reference.POSITIVE_HINTS.search(hint) else 0
                bits |= html_tags.COMMENT_HINT if reference.COMMENT_HINTS.search(hint) else 0
                bits |= html_tags.RELATED_HINT if reference.RELATED_HINTS.search(hint) else 0
                body = reference.ARTICLE_BODY_HINTS.search(hint)
                bits |= html_tags.ARTICLE_BODY_HINT if body else 0
            depth += 1
            if tag in html_tags.BLOCK_TAGS:
                block, kind, group = element.mem_id, html_tags.BLOCK_KINDS.get(tag, 10), above
                path = (*path, block)
            above = element.mem_id
        if not runs or runs[-1]["block"] != block or parted:
            row = (kind, depth, bits, group, path)
            runs.append({"block": block, "row": row, "pieces": [], "links": 0})
            parted = False
        runs[-1]["pieces"].append(text)
        runs[-1]["links"] += len(text) if bits & html_tags.IN_LINK else 0
    texts = [" ".join("".join(run["pieces"]).split()) for run in runs]
    return texts, reference_structure(texts, runs, title, declared)


_CLASS_SPACE = re.compile("[ \t\n\f\r]+")  # the whitespace HTML parts class tokens at


def drop_plainly(tree: LexborHTMLParser) -> None:
    """What html_walk.drop_tags drops, the plain way: the tags by strip_tags, then each
    embedded post whose class has the token, case and all, the innermost first."""
    tree.strip_tags(hw.DROPPED_TAGS)
    for tag, token in hw.DROPPED_EMBEDS:
        for node in reversed(tree.css(tag)):
            if token in _CLASS_SPACE.split(node.attributes.get("class") or ""):
                node.decompose()


def reference_structure(
    texts: list[str], runs: list[dict], title: str, declared: tuple[bool, ...]
) -> np.ndarray:
    if not texts:
        return np.zeros((0, len(STRUCTURE_NAMES)), dtype=np.float32)
    rows = [
        (min(1.0, run["links"] / len(text)), *run["row"][:2], len(run["pieces"]), run["row"][2])
        for text, run in zip(texts, runs, strict=True)
    ]
    columns = np.asarray(rows, dtype=np.float64)
    flags = (columns[:, 4].astype(np.int64)[:, None] & np.array(hs._BIT_TUPLE)[None, :]) != 0
    chars = np.array([len(t) for t in texts], dtype=np.float64)
    _, group = np.unique([run["row"][3] for run in runs], return_inverse=True)
    group_chars = np.bincount(group, weights=chars)
    group_links = np.bincount(group, weights=chars * columns[:, 0]) / group_chars
    group_size = np.bincount(group)
    siblings = np.column_stack(
        [
            group_chars[group] / chars.sum(),
            np.log1p(group_size[group]),
            group_links[group],
            np.log1p(group_chars[group] / group_size[group]),
        ]
    )
    paths = [run["row"][4] for run in runs]
    prose = [
        (path, len(text))
        for text, path, comment in zip(
            texts, paths, flags[:, hs._BIT_INDEX[html_tags.COMMENT_HINT]], strict=True
        )
        if len(text) >= hs._PROSE_CHARS and text[-1] in hs._SENTENCE_ENDS and not comment
    ]
    main = np.zeros((len(texts), 2))
    if prose:
        _, block, held = reference_main_container(prose)
        main[:, 0] = [block in path for path in paths]
        main[:, 1] = held / max(1, sum(map(len, texts)))
    in_title = [
        len(title) >= hs._SHORT_CHARS and len(t) >= hs._SHORT_CHARS and t.lower() in title
        for t in texts
    ]
    interactions = np.column_stack(
        [
            main[:, 0] * flags[:, hs._BIT_INDEX[html_tags.IN_HEADING]],
            main[:, 0] * flags[:, hs._BIT_INDEX[html_tags.IN_LIST]],
            main[:, 0] * flags[:, hs._BIT_INDEX[html_tags.NEGATIVE_HINT]],
            main[:, 0] * (chars < hs._SHORT_CHARS),
            in_title,
        ]
    )
    # Text in an element named as an article body counts as positive, never negative.
    body = (columns[:, 4].astype(np.int64) & html_tags.ARTICLE_BODY_HINT) != 0
    layout = reference.page_layout(
        paths,
        chars,
        columns[:, 0],
        np.array([t.count(",") for t in texts], dtype=np.float64),
        np.array([reference_ends_sentence(t) for t in texts]),
        flags[:, hs._BIT_INDEX[html_tags.NEGATIVE_HINT]] & ~body,
        flags[:, hs._BIT_INDEX[html_tags.POSITIVE_HINT]] | body,
        flags[:, hs._BIT_INDEX[html_tags.COMMENT_HINT]],
    )
    where = np.column_stack(
        [
            layout.in_best,
            layout.candidate_score,
            layout.before_best,
            layout.after_best,
            np.full(len(texts), layout.best_text_share),
            layout.card_link_density,
            layout.linked_cards_around,
        ]
    )
    kinds = np.tile(np.array(declared, dtype=np.float64), (len(texts), 1))
    stacked = [columns[:, :4], flags, siblings, main, interactions, where, kinds]
    return np.hstack(stacked).astype(np.float32)


def reference_ends_sentence(text: str) -> bool:
    """A sentence of prose ends in ".", "!", "?" or "…" (closing quotes and brackets aside)
    after six words or more, or in "。", "！" or "？" after ten characters or more."""
    if re.search(r"[。！？][\"'”’)」』）]*$", text):
        return len(text) >= 10
    return bool(re.search(r"[.!?…][\"'”’)」』）]*$", text)) and len(text.split(" ")) >= 6


def reference_main_container(prose: list[tuple[tuple[int, ...], int]]) -> tuple[int, int, int]:
    """Every prose segment counted into every block above it; the deepest holding half."""
    prose_chars: dict[int, int] = {}
    depth_of: dict[int, int] = {}
    for path, chars in prose:
        for depth, block in enumerate(path):
            prose_chars[block] = prose_chars.get(block, 0) + chars
            depth_of[block] = depth
    total = sum(chars for _, chars in prose)
    candidates = [b for b, chars in prose_chars.items() if chars >= reference._MAIN_SHARE * total]
    main = max(candidates, key=depth_of.__getitem__)
    return depth_of[main], main, prose_chars[main]


def assert_same_as_reference(html: str) -> None:
    segments = html_segments(html)
    texts, structure = reference_segments(html)
    assert segments.texts == texts
    if structure is None:
        assert segments.structure is None
    else:
        assert segments.structure is not None and segments.structure.dtype == structure.dtype
        assert np.array_equal(segments.structure, structure)


TAGS = [
    *("div", "p", "span", "a", "a", "li", "ul", "nav", "header", "footer", "aside", "section"),
    *("article", "main", "h2", "td", "tr", "table", "b", "strong", "em", "figure"),
    *("figcaption", "form", "label", "button", "blockquote", "pre", "dl", "dt", "dd"),
    *("noscript", "NoScript", "script", "style", "svg", "select", "option", "template"),
    *("br", "img", "hr"),
]
CLASSES = ["", "menu", "post-content", "Article Body", "share", "top-ads", "tags", "x"]
CLASSES += ["comment-list", "related-posts", "entry-content widget", "post"]
# on <blockquote>s, a class of one in two: embedded posts, dropped, and near misses, kept
EMBED_CLASSES = ["instagram-media", "x\ttiktok-embed", "twitter-tweet", "Instagram-Media"]
EMBED_CLASSES += ["instagram-media-wrapper", "tiktok-embed\u00a0x", "", "instagram-media x"]
TEXTS = ["", " ", "\n  ", "\u00a0", "Word", " two words ", "A sentence that ends here. " * 4]


def random_page(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(0, 4 if depth < 8 else 0)):
        if rng.random() < 0.4:
            parts.append(rng.choice(TEXTS))
            continue
        tag = rng.choice(TAGS)
        classes = EMBED_CLASSES if tag == "blockquote" and rng.random() < 0.5 else CLASSES
        attributes = f' class="{rng.choice(classes)}"' if rng.random() < 0.5 else ""
        attributes += f' id="{rng.choice(CLASSES)}"' if rng.random() < 0.2 else ""
        parts.append(f"<{tag}{attributes}>{random_page(rng, depth + 1)}</{tag}>")
    return "".join(parts)
