"""article_markdown: the kept segments of an HTML page with their structure, and on the
pinned accuracy-gate pages every kept table row and list item in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.core.classify import classify_page
from worker.core.html_tags import IN_LIST, IN_TABLE
from worker.core.markdown import article_markdown
from worker.core.segments import segment_page
from worker.learn.dataset import load_pages

FIXTURES = Path(__file__).parents[1] / "fixtures"

PAGE = """<html><body><main>
<h1>A guide</h1>
<p>An opening paragraph.</p>
<h2>Steps</h2>
<ol><li>First step</li><li>Second step<ul><li>A detail</li></ul></li><li>Third step</li></ol>
<ul><li><p>One paragraph</p><p>of one item</p></li><li>- starts like a list</li></ul>
<h3>Prices</h3>
<table><thead><tr><th>Plan</th><th>Price</th></tr></thead>
<tbody><tr><td>Basic</td><td>$5 | month</td></tr><tr><td><p>Pro</p></td><td>$9</td></tr></tbody>
</table>
<pre><code>def f(x):
    return x  # kept as written
</code></pre>
<blockquote><p>A quoted line.</p></blockquote>
<p># not a heading</p>
</main></body></html>"""

EXPECTED = """# A guide

An opening paragraph.

## Steps

1. First step
2. Second step
  - A detail
3. Third step
- One paragraph of one item
- \\- starts like a list

### Prices

| Plan | Price |
| --- | --- |
| Basic | $5 \\| month |
| Pro | $9 |

```
def f(x):
    return x  # kept as written
```

> A quoted line.

\\# not a heading"""


def test_every_kind_of_block_keeps_its_structure() -> None:
    segments = segment_page(PAGE, "text/html")
    assert segments.html is not None
    markdown = article_markdown(segments.texts, range(len(segments)), segments.html)
    assert markdown == EXPECTED


def test_only_kept_segments_are_written() -> None:
    segments = segment_page(PAGE, "text/html")
    assert segments.html is not None
    kept = [i for i, text in enumerate(segments.texts) if "step" not in text.lower()]
    markdown = article_markdown(segments.texts, kept, segments.html)
    assert "First step" not in markdown and "Steps" not in markdown
    assert "| Basic | $5 \\| month |" in markdown


def test_a_code_block_leaves_out_what_the_walk_passed_over() -> None:
    page = (
        "<html><body><pre>x = 1\n<script>track()</script><style>p {}</style>y = 2</pre>"
        "<p>After the code.</p></body></html>"
    )
    segments = segment_page(page, "text/html")
    assert segments.html is not None
    assert segments.texts == ["x = 1 y = 2", "After the code."]
    markdown = article_markdown(segments.texts, range(len(segments)), segments.html)
    assert markdown == "```\nx = 1\ny = 2\n```\n\nAfter the code."


_PRE_KIND = 8  # a <pre> in an item is a code block indented under it
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.) ")


def _lines(markdown: str, kind: str) -> list[str]:
    lines = markdown.split("\n")
    if kind == "row":
        return [line for line in lines if line.startswith("| ")]
    # An item's line, or a line indented under it (its text after a code block).
    return [line for line in lines if _ITEM.match(line) or line.startswith("  ")]


def _escaped_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


@pytest.mark.parametrize("corpus", ["wcxb", "dragnet", "cleaneval", "googletrends"])
def test_every_kept_table_row_and_list_item_survives_on_the_gate_pages(corpus: str) -> None:
    checked = {"row": 0, "item": 0}
    for labelled in load_pages(FIXTURES / corpus, "html"):
        body = labelled.body("html")
        verdict = classify_page(body, "text/html")
        if not verdict.has_article:
            continue
        segments = segment_page(body, "text/html")
        assert segments.html is not None and verdict.article_markdown is not None
        markdown = verdict.article_markdown
        # A <pre> keeps its lines and spaces, its segment has them folded (and drops the
        # spaces of text nodes that are nothing else).
        bare = "".join(markdown.split())
        for verdict_segment in verdict.article_segments:
            position, text = verdict_segment.position, verdict_segment.text
            bits = segments.html.bits[position]
            if bits & IN_TABLE:
                rows = _lines(markdown, "row")
                assert any(_escaped_cell(text) in row for row in rows), (labelled.page_id, text)
                checked["row"] += 1
            elif bits & IN_LIST and segments.html.kinds[position] != _PRE_KIND:
                items = _lines(markdown, "item")
                # An item's text may be escaped at its start ("\\-"); its end never is.
                assert any(text[1:] in item for item in items), (labelled.page_id, text)
                checked["item"] += 1
            else:
                assert "".join(text.split())[1:] in bare, (labelled.page_id, text)
    assert checked["row"] + checked["item"] > 0, f"no kept table or list segment in {corpus}"
    print(f"{corpus}: {checked['row']} kept table cells, {checked['item']} kept list items")
