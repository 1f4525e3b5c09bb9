"""html_segments against the plain algorithm it was optimised from.

The reference below is the walk as first written: every text node looks at all its
ancestors, and the main container sums each prose segment into every block above it. The
fast walk must give the same texts and the same structure matrix, bit for bit, since the
shipped model was trained on its output.
"""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

import numpy as np
import numpy_references as reference
import pytest
from selectolax.lexbor import LexborHTMLParser, create_tag

from worker.core import _html_blocks, html_tags
from worker.core import html_segments as hs
from worker.core import html_walk as hw
from worker.core.html_segments import STRUCTURE_NAMES, html_segments
from worker.core.page_meta import declared_kinds

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"

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
    tree.strip_tags(hw.DROPPED_TAGS)
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


_TAGS = [
    *("div", "p", "span", "a", "a", "li", "ul", "nav", "header", "footer", "aside", "section"),
    *("article", "main", "h2", "td", "tr", "table", "b", "strong", "em", "figure"),
    *("figcaption", "form", "label", "button", "blockquote", "pre", "dl", "dt", "dd"),
    *("noscript", "NoScript", "script", "style", "svg", "select", "option", "template"),
    *("br", "img", "hr"),
]
_CLASSES = ["", "menu", "post-content", "Article Body", "share", "top-ads", "tags", "x"]
_CLASSES += ["comment-list", "related-posts", "entry-content widget", "post"]
_TEXTS = ["", " ", "\n  ", "\u00a0", "Word", " two words ", "A sentence that ends here. " * 4]


def random_page(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(0, 4 if depth < 8 else 0)):
        if rng.random() < 0.4:
            parts.append(rng.choice(_TEXTS))
            continue
        tag = rng.choice(_TAGS)
        attributes = f' class="{rng.choice(_CLASSES)}"' if rng.random() < 0.5 else ""
        attributes += f' id="{rng.choice(_CLASSES)}"' if rng.random() < 0.2 else ""
        parts.append(f"<{tag}{attributes}>{random_page(rng, depth + 1)}</{tag}>")
    return "".join(parts)


@pytest.fixture(params=["compiled walk", "python walk"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with each walk: the compiled one, and the Python one it falls back to."""
    monkeypatch.setattr(hw, "COMPILED_WALK", request.param == "compiled walk")
    return str(request.param)


@pytest.mark.parametrize("seed", range(4))
def test_random_pages_match_the_reference(seed: int, walk: str) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        title = f"<title>{rng.choice(_TEXTS)}</title>" if rng.random() < 0.5 else ""
        body = "".join(random_page(rng) for _ in range(5))
        assert_same_as_reference(f"<html><head>{title}</head><body>{body}</body>")


def test_two_line_breaks_end_a_paragraph_and_one_parts_two_words(walk: str) -> None:
    # Old pages mark paragraphs with <br><br> in one block (readability's replaceBrs).
    page = (
        "<div>First line<br>second<br/><br>Next paragraph<br> <!-- c --> <br>\nThird<br>"
        "<img>same <b>Bold</b><br><span></span><br>still same</div><p>Other block<br><br></p>"
    )
    assert html_segments(page).texts == [
        "First line second",
        "Next paragraph",
        "Third same Bold still same",
        "Other block",
    ]


ODD_PAGES = {
    "empty": "",
    "blank": " \n\t",
    "no body": "<html><head><title>A page title here</title></head></html>",
    "only a script": "<script>var x = 1;</script>",
    "text without tags": "just some text",
    "deeply nested": "<div>" * 10_000 + "deep text" + "</div>" * 10_000,
    "unclosed blocks": "".join(f"<{t} class=menu>w{i} " for i, t in enumerate(_TAGS * 50)),
    "binary junk": bytes(random.Random(7).randrange(256) for _ in range(20_000)).decode("latin-1"),
    "nul characters": "<p>a\x00b</p><div>c\x00</div>",
    "frameset": "<html><frameset><frame src=a></frameset></html>",
    "text before body": "<html><head><title>T</title></head>bare text<p>para</p></html>",
    "two bodies": "<body><p>one</p><body class='x'><p>two</p></body>",
    "cdata and a processing instruction": "<math><mi><![CDATA[x y]]></mi></math><?xml v?><p>a",
    "text straight in a link": "<a href=x>link</a> text <a>more</a>",
    # the segments are compared with the first <title>, even an empty one
    "an empty title first": (
        "<html><head><title> </title><title>The second title of the page</title></head>"
        "<body><p>The second title of the page</p><p>Other text</p></body></html>"
    ),
    "only an SVG's title": (
        "<html><body><svg><title>A title inside the drawing</title></svg>"
        "<p>A title inside the drawing</p></body></html>"
    ),
    "dropped tags everywhere": (
        "<html><head><title>T</title><script>h()</script></head><body><p>a<script>s()</script>"
        "b<style>p{}</style><svg><text>v</text><foreignObject><p>f</p></foreignObject></svg>"
        "<select><option>o</option></select><iframe>i</iframe><template><p>t</p></template>"
        "c</p><div><head><p>h</p></head>d</div></body></html>"
    ),
}


@pytest.mark.parametrize("name", ODD_PAGES)
def test_odd_pages_match_the_reference(name: str, walk: str) -> None:
    assert_same_as_reference(ODD_PAGES[name])


def test_a_large_page_matches_the_reference(walk: str) -> None:
    rng = random.Random(11)
    page = "".join(random_page(rng) for _ in range(2_000))
    assert len(page) > 500_000
    assert_same_as_reference(f"<html><body>{page}</body></html>")


def random_prose_blocks(rng: random.Random) -> list[tuple[tuple[int, ...], int]]:
    """Blocks holding prose, as (path, characters), in the order of their first segment: a
    block's own text may come before, between or after its child blocks."""
    next_id = iter(range(2, 10**9))
    segments: list[tuple[tuple[int, ...], int]] = []

    def grow(path: tuple[int, ...]) -> None:
        children = rng.randint(0, 3 if len(path) < 7 else 0)
        for child in range(children + 1):
            if rng.random() < 0.4:
                segments.append((path, rng.choice([80, 80, 100, 160, 240])))
            if child < children:
                grow((*path, next(next_id)))

    grow((1,))
    by_block: dict[tuple[int, ...], int] = {}
    for path, chars in segments:
        by_block[path] = by_block.get(path, 0) + chars
    return list(by_block.items())


def test_main_container_matches_summing_into_every_ancestor() -> None:
    rng = random.Random(3)
    checked = 0
    while checked < 5_000:
        prose = random_prose_blocks(rng)
        if prose:
            assert reference.main_container(prose) == reference_main_container(prose)
            checked += 1


# --- hostile nesting ---------------------------------------------------------------------


def test_nesting_estimate_counts_what_the_parser_keeps_open() -> None:
    from worker.core.raw_page import nests_deeper_than

    assert nests_deeper_than("<div>" * 101, limit=100)
    assert not nests_deeper_than("<div>" * 100, limit=100)
    assert not nests_deeper_than("<div></div>" * 500, limit=100)
    # <div/> is an open div in HTML; only inside <svg> or <math> does "/>" close a tag.
    assert nests_deeper_than("<div/>" * 101, limit=100)
    assert not nests_deeper_than("<svg>" + '<path d="M0 0"/>' * 500 + "</svg>", limit=100)
    # Void elements and those whose end tag may be left out do not nest.
    assert not nests_deeper_than("<p>a<br><li>b<img src=x>" * 500, limit=100)


def test_blocks_deeper_than_the_path_limit_still_give_their_text() -> None:
    from worker.core.html_walk import MAX_BLOCK_PATH

    depth = MAX_BLOCK_PATH + 50
    page = (
        "<html><body>" + "<div>" * depth + "Deep text.<p>Deeper paragraph.</p>" + "</div>" * depth
    )
    segments = html_segments(page + "<p>Shallow paragraph.</p></body></html>")
    assert segments.texts == ["Deep text.", "Deeper paragraph.", "Shallow paragraph."]


# --- the compiled walk -------------------------------------------------------------------


def test_the_compiled_walk_reads_this_selectolax() -> None:
    """The speed figures assume it: a selectolax whose objects it cannot read leaves the
    Python walk in use, which must not go unnoticed."""
    assert hw.COMPILED_WALK


def both_walks(page: str | bytes) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """What each walk gathers on the page, with the same tree (so the same memory ids): the
    compiled one passing over the dropped tags, the Python one after they are dropped."""
    tree = LexborHTMLParser(page)
    root = tree.body or tree.root
    assert root is not None
    compiled = hw.Walked(
        *_html_blocks.html_blocks(
            root,
            hw._LEXBOR_RULES,
            html_tags.hint_cache,
            html_tags.hint_bits,
            html_tags.IN_LINK,
            hw._SKIPPED_TAGS,
            hw._BR,
        )
    )
    tree.strip_tags(hw.DROPPED_TAGS)
    python = hw.python_walk(root)
    # and the texts' UTF-8, which the features read, made on the way
    assert compiled.utf8 == "\n".join(python.texts).encode("utf-8", "surrogatepass")
    assert python.utf8 is None
    return tuple(map(list, compiled[:-1])), tuple(map(list, python[:-1]))


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURE / "html").glob("*.html.gz")))
def test_both_walks_gather_the_same_on_real_pages(name: str) -> None:
    compiled, python = both_walks(gzip.decompress((FIXTURE / "html" / name).read_bytes()))
    assert len(python[0]) > 5
    assert compiled == python


ODD_TEXTS = {
    # lexbor passes bytes through as they came; selectolax reads them with U+FFFD
    "malformed utf-8": (
        b"<p>a\xff\xfeb \xc3</p><p>\xe2\x82</p><div>\xed\xa0\x80 x</div><p>\xc0\xaf.</p>"
    ),
    "cut-short sequence at the end": b"<p>ok</p><p>tail \xf0\x9f\x98",
    "whitespace python folds": "<p>a\x1cb\x1dc\x1ed\x1ff\x85g\u2028h\u3000i\u00a0j</p>",
    "pieces of only whitespace": "<p>a<b>\u2003</b><i>\u00a0\u00a0</i>b</p><p>\u3000</p><p>c</p>",
    "whitespace between two blocks": "<p>one</p>\u00a0<div>\u2028</div><p>two</p>",
    "wide characters": "<p>\U0001f600 smile</p><p>\u4e2d\u6587</p><p>caf\u00e9</p>",
    "hints": (
        "<div class='menu' id='main'>a</div><div class id>b</div><div class=''>c</div>"
        "<div class='Article' class='nav'>d</div><div ID='SIDEBAR'>e</div>"
        "<div class='\u0130tem \u212aelvin'>f</div><div class='\xe9\xff'>g</div>"
        f"<div class='{'x' * 300}' id='{'nav' * 100}'>h</div>"
    ),
    "links": "<a href=x>link <b>bold</b></a> tail <p><a>in p</a> and \u00e9t\u00e9</p>",
    "text straight in the root": "<body>before<p>in</p>after</body>",
    "empty body": "<html><body></body></html>",
}


@pytest.mark.parametrize("name", ODD_TEXTS)
def test_both_walks_gather_the_same_on_odd_text(name: str) -> None:
    page = ODD_TEXTS[name]
    compiled, python = both_walks(page)
    assert compiled == python
    assert bool(python[0]) == (name != "empty body")


@pytest.mark.parametrize("seed", range(4))
def test_both_walks_gather_the_same_on_random_pages(seed: int) -> None:
    rng = random.Random(100 + seed)
    for _ in range(50):
        compiled, python = both_walks(f"<body>{random_page(rng)}{random_page(rng)}</body>")
        assert compiled == python


def test_the_compiled_walk_refuses_what_it_cannot_read() -> None:
    rules, cache, bits = hw._LEXBOR_RULES, html_tags.hint_cache, html_tags.hint_bits
    tree = LexborHTMLParser("<div class=menu><p>text</p></div>")
    skipped = hw._SKIPPED_TAGS
    with pytest.raises(TypeError, match="LexborNode"):
        _html_blocks.html_blocks(tree, rules, cache, bits, html_tags.IN_LINK, skipped, hw._BR)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="LexborNode"):
        _html_blocks.html_blocks("<p>", rules, cache, bits, html_tags.IN_LINK, skipped, hw._BR)  # type: ignore[arg-type]
    assert tree.body is not None
    with pytest.raises(TypeError, match="rule"):
        _html_blocks.html_blocks(tree.body, [(1, 2, 3, True)], cache, bits, 1, skipped, hw._BR)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="out of range"):
        _html_blocks.html_blocks(tree.body, ((4096, 1, 1, True),), cache, bits, 1, skipped, hw._BR)
    with pytest.raises(TypeError, match="skipped"):
        _html_blocks.html_blocks(tree.body, rules, cache, bits, 1, [1], hw._BR)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="skipped tag id is out of range"):
        _html_blocks.html_blocks(tree.body, rules, cache, bits, 1, (4096,), hw._BR)
    with pytest.raises(OverflowError):
        _html_blocks.html_blocks(tree.body, rules, cache, bits, 1, (-1,), hw._BR)


def test_the_compiled_walk_passes_over_the_skipped_tags_only() -> None:
    tree = LexborHTMLParser("<body><p>a<b>b</b><script>s()</script><i>c</i></p></body>")
    assert tree.body is not None

    def texts(skipped: tuple[int, ...]) -> list[str]:
        rules, cache, bits = hw._LEXBOR_RULES, html_tags.hint_cache, html_tags.hint_bits
        assert tree.body is not None
        return _html_blocks.html_blocks(tree.body, rules, cache, bits, 1, skipped, hw._BR)[0]

    assert texts(hw._SKIPPED_TAGS) == ["abc"]
    assert texts(()) == ["abs()c"]
    assert texts((create_tag("b").tag_id,)) == ["as()c"]


def test_an_error_in_hint_bits_reaches_the_caller() -> None:
    tree = LexborHTMLParser("<div class='never seen before 93ab'><p>text</p></div>")
    assert tree.body is not None

    def failing(hint: str) -> int:
        raise RuntimeError(f"no bits for {hint!r}")

    with pytest.raises(RuntimeError, match="never seen before 93ab"):
        _html_blocks.html_blocks(
            tree.body, hw._LEXBOR_RULES, {}, failing, html_tags.IN_LINK, (), hw._BR
        )
    with pytest.raises(ValueError, match="negative"):
        _html_blocks.html_blocks(
            tree.body, hw._LEXBOR_RULES, {}, lambda _: -1, html_tags.IN_LINK, (), hw._BR
        )


_NESTED_DROPS = (
    "<html><head><title>t</title><style>h{}</style><script>1</script></head><body><p>a"
    "<svg><style>s{}</style><foreignObject><select><option>o</option></select>"
    "</foreignObject></svg><template><script>2</script><p>in</p></template>"
    "<iframe>frame</iframe>b</p><div><select><option>x</option></select>c</div></body></html>"
)


@pytest.mark.parametrize(
    "path",
    sorted(FIXTURE.parent.glob("*/html/*.html.gz")),
    ids=lambda path: path.parent.parent.name + "/" + path.name,
)
def test_dropping_tags_in_one_pass_leaves_the_tree_strip_tags_leaves(path: Path) -> None:
    page = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    for html in (page, _NESTED_DROPS):
        stripped, dropped = LexborHTMLParser(html), LexborHTMLParser(html)
        stripped.strip_tags(hw.DROPPED_TAGS)
        hw.drop_tags(dropped)
        assert dropped.html == stripped.html
