"""html_walk: the compiled walk (_html_blocks, worker/core/html_blocks_c/) gathers what the
Python walk gathers, on real, odd and random pages, refuses what it cannot read, lets an
error of hint_bits through and passes over the skipped tags and embedded posts only;
drop_tags leaves the tree strip_tags and the plain removal of the embeds leave.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest
from html_segments_reference import drop_plainly, random_page
from selectolax.lexbor import LexborHTMLParser, create_tag

from worker.core import _html_blocks, html_tags
from worker.core import html_walk as hw

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"

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
            hw._SKIPPED_CLASSES,
        )
    )
    drop_plainly(tree)
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
    # passed over when the class has the token, as [class~=token] matches it in any mode
    "embedded posts": (
        "<p>Article</p><blockquote class='instagram-media'><p>Caption</p><a>View this post"
        "</a></blockquote><blockquote class='tiktok-embed'>Clip</blockquote><blockquote "
        "class='twitter-tweet'>Tweet</blockquote><blockquote class='pull'>Quote</blockquote>"
        "<blockquote class='instagram-media-wrapper'>a</blockquote><blockquote class="
        "'Instagram-Media'>b</blockquote><blockquote class='x\f\ttiktok-embed\n'>c</blockquote>"
        "<blockquote class='tiktok-embed\u00a0x'>d</blockquote><blockquote class='x\x0b"
        "instagram-media'>e</blockquote><div class='instagram-media'>f</div><blockquote "
        "class='instagram-media'><blockquote class='tiktok-embed'>g</blockquote>h</blockquote>"
        "<blockquote class='tiktok-embed' class='x'>i</blockquote><blockquote class id>j"
        "</blockquote>"
    ),
    "empty body": "<html><body></body></html>",
}


@pytest.mark.parametrize("name", ODD_TEXTS)
@pytest.mark.parametrize("doctype", ["", "<!DOCTYPE html>"])  # quirks mode, and not
def test_both_walks_gather_the_same_on_odd_text(name: str, doctype: str) -> None:
    page = ODD_TEXTS[name]
    compiled, python = both_walks(
        doctype.encode() + page if isinstance(page, bytes) else doctype + page
    )
    assert compiled == python
    assert bool(python[0]) == (name != "empty body")
    if name == "embedded posts":
        assert python[0] == ["Article", "Tweet", "Quote", "a", "b", "d", "e", "f", "j"]


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
    for classes in ([(1, "a")], ((1, "a"),) * 9, ((1, 2),), ((1,),)):
        with pytest.raises(TypeError):
            _html_blocks.html_blocks(tree.body, rules, cache, bits, 1, skipped, hw._BR, classes)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="class's tag id is out of range"):
        _html_blocks.html_blocks(tree.body, rules, cache, bits, 1, skipped, hw._BR, ((256, "a"),))


def test_the_compiled_walk_passes_over_the_skipped_tags_only() -> None:
    tree = LexborHTMLParser(
        "<body><p>a<b>b</b><script>s()</script><i>c</i></p><blockquote class='instagram-media'>"
        "d</blockquote><blockquote class='tiktok-embed'>e</blockquote><b class='x y'>f</b></body>"
    )
    assert tree.body is not None

    def texts(skipped: tuple[int, ...], classes: tuple[tuple[int, str], ...] = ()) -> list[str]:
        rules, cache, bits = hw._LEXBOR_RULES, html_tags.hint_cache, html_tags.hint_bits
        assert tree.body is not None
        walked = _html_blocks.html_blocks(
            tree.body, rules, cache, bits, 1, skipped, hw._BR, classes
        )
        return walked[0]

    assert texts(hw._SKIPPED_TAGS, hw._SKIPPED_CLASSES) == ["abc", "f"]
    assert texts(hw._SKIPPED_TAGS) == ["abc", "d", "e", "f"]
    assert texts(()) == ["abs()c", "d", "e", "f"]
    b = create_tag("b").tag_id
    assert texts((b,)) == ["as()c", "d", "e"]
    assert texts((), ((b, "y"),)) == ["abs()c", "d", "e"]  # the <b> without it stays
    assert texts((), ((b, "x y"), (b, "Y"), (b, ""))) == ["abs()c", "d", "e", "f"]
    assert texts((), hw._SKIPPED_CLASSES[1:]) == ["abs()c", "d", "f"]


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
    "<iframe>frame</iframe>b</p><div><select><option>x</option></select>c</div>"
    "<blockquote class='tiktok-embed'><script>3</script><blockquote class='instagram-media'>"
    "<p>d</p></blockquote>e</blockquote><blockquote class='twitter-tweet'>f</blockquote>"
    "</body></html>"
)


@pytest.mark.parametrize(
    "path",
    sorted(FIXTURE.parent.glob("*/html/*.html.gz")),
    ids=lambda path: path.parent.parent.name + "/" + path.name,
)
def test_dropping_in_one_pass_leaves_the_tree_plain_removal_leaves(path: Path) -> None:
    page = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    for html in (page, _NESTED_DROPS):
        stripped, dropped = LexborHTMLParser(html), LexborHTMLParser(html)
        drop_plainly(stripped)
        hw.drop_tags(dropped)
        assert dropped.html == stripped.html
