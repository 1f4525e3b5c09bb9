"""html_segments against the plain algorithm it was optimised from
(html_segments_reference.py), with each walk, on random, odd and large pages; the main
container against summing into every ancestor; and hostile nesting.
"""

from __future__ import annotations

import random

import html_references as reference
import pytest
from html_segments_reference import (
    TAGS,
    TEXTS,
    assert_same_as_reference,
    random_page,
    reference_main_container,
)

from worker.core import html_walk as hw
from worker.core.html_segments import html_segments


@pytest.fixture(params=["compiled walk", "python walk"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with each walk: the compiled one, and the Python one it falls back to."""
    monkeypatch.setattr(hw, "COMPILED_WALK", request.param == "compiled walk")
    return str(request.param)


@pytest.mark.parametrize("seed", range(4))
def test_random_pages_match_the_reference(seed: int, walk: str) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        title = f"<title>{rng.choice(TEXTS)}</title>" if rng.random() < 0.5 else ""
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
    "unclosed blocks": "".join(f"<{t} class=menu>w{i} " for i, t in enumerate(TAGS * 50)),
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


# Embedded posts as Instagram and TikTok give them, then a tweet and a quote.
EMBEDS_PAGE = (
    "<!DOCTYPE html><html><body><article><p>The singer announced the tour on Monday.</p>"
    '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/'
    'C1/" data-instgrm-version="14" style="background:#FFF"><div><a href="https://www.insta'
    'gram.com/p/C1/" target="_blank"><div>View this post on Instagram</div></a><p><a href="'
    'https://www.instagram.com/p/C1/">A post shared by Singer (@singer)</a></p></div>'
    '</blockquote><script async src="//www.instagram.com/embed.js"></script>'
    '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@singer/video/1" data-video'
    '-id="1" style="max-width: 605px"><section><a title="@singer" href="https://www.tiktok.com'
    '/@singer">@singer</a> See you soon <a href="https://www.tiktok.com/music/x">original '
    'sound</a></section></blockquote><blockquote class="twitter-tweet"><p>Tickets are on '
    'sale now.</p>&mdash; Singer (@singer)</blockquote><blockquote class="pull-quote">"We '
    'cannot wait," she said.</blockquote><p>Dates follow below.</p></article></body></html>'
)


def test_embedded_instagram_and_tiktok_posts_give_no_segments(walk: str) -> None:
    assert html_segments(EMBEDS_PAGE).texts == [
        "The singer announced the tour on Monday.",
        "Tickets are on sale now.",
        "\u2014 Singer (@singer)",
        '"We cannot wait," she said.',
        "Dates follow below.",
    ]
    assert_same_as_reference(EMBEDS_PAGE)


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
