"""`chaff inspect` reports rendered in a real headless chromium (tests/inspect/headless.py).

What the browser shows is checked against the verdict: the kept and rejected counts, one
marked row per segment, and in the screenshot the kept and rejected colours, one stripe
per segment, in document order. Hostile pages (script, event-handler and external-load
payloads in the text, the URL, the page id, a dead-lettered record) run nothing and load
nothing; a control page shows the same payloads do run and load when not escaped, and the
report's Content-Security-Policy stops them even unescaped.
"""

from __future__ import annotations

import html
import os
import subprocess
from pathlib import Path

import orjson
import pytest
from headless import Beacon, beacon, dump_dom, ink_share, pixels_near, screenshot
from PIL import Image
from selectolax.lexbor import LexborHTMLParser

from worker.cli import main
from worker.core.classify import classify_page
from worker.core.raw_page import parse_raw_page
from worker.inspect.report import (
    DEAD,
    DEAD_BACKGROUND,
    KEPT,
    KEPT_BACKGROUND,
    REJECTED,
    REJECTED_BACKGROUND,
    render,
)

pytestmark = [pytest.mark.slow]  # a chromium start per report, ~1 s each

REPO = Path(__file__).parents[2]
SEED = REPO / "seeds" / "000_bd0859deabb9f25c.txt"
RECORDS = REPO / "seeds" / "wcxb-pages.jsonl"
STRIPE_X = 26  # inside the 6 px left border of the segments (main's padding is 24 px)


def inspect_to(tmp_path: Path, name: str, *arguments: str) -> Path:
    out = tmp_path / f"{name}.html"
    assert main(["inspect", *arguments, "-o", str(out)]) == 0
    return out


def stripes(image: Image.Image, x: int) -> list[str]:
    """The runs of kept and rejected border colour down column x, top to bottom."""
    column = [image.getpixel((x, y)) for y in range(image.size[1])]
    colours = {_rgb(KEPT): "kept", _rgb(REJECTED): "rejected"}
    runs: list[str] = []
    previous = None
    for pixel in column:
        label = next(
            (
                name
                for rgb, name in colours.items()
                if max(abs(a - b) for a, b in zip(pixel, rgb, strict=True)) <= 6
            ),
            None,
        )
        if label is not None and label != previous:
            runs.append(label)
        previous = label
    return runs


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


@pytest.mark.parametrize("source", ["seed", "html-record"])
def test_the_counts_and_the_marked_rows_match_the_verdict(tmp_path: Path, source: str) -> None:
    if source == "seed":
        body, content_type = SEED.read_text(encoding="utf-8"), "text/plain"
        report = inspect_to(tmp_path, source, str(SEED))
    else:
        page = parse_raw_page(RECORDS.read_bytes().splitlines()[0], 2_000_000)
        body, content_type = page.body, page.content_type
        report = inspect_to(tmp_path, source, f"{RECORDS}:1")
    verdict = classify_page(body, content_type)  # type: ignore[arg-type]
    kept, rejected = verdict.article_segments, verdict.rejected_segments
    assert kept and rejected  # both colours have something to show

    dom = LexborHTMLParser(dump_dom(report, tmp_path / "profile"))
    assert dom.css_first("#kept-count").text() == str(len(kept))
    assert dom.css_first("#rejected-count").text() == str(len(rejected))
    assert dom.css_first("#kept-words").text() == str(sum(len(s.text.split()) for s in kept))
    rows = dom.css("li.seg")
    assert [row.attributes["id"] for row in rows] == [f"seg-{s.position}" for s in verdict.segments]
    assert ["kept" in (row.attributes["class"] or "") for row in rows] == [
        s.label == "article" for s in verdict.segments
    ]
    assert [row.css_first("p.text").text() for row in rows] == [s.text for s in verdict.segments]
    published = dom.css_first("#published").text(separator="\n\n")
    assert published.split() == verdict.article_text.split()

    # The screenshot: tall enough for every segment, one border stripe per segment, in
    # document order (plus the kept-count box, whose border is in the same column).
    image = screenshot(report, tmp_path / "profile", tmp_path / f"{source}.png", height=9000)
    assert stripes(image, STRIPE_X) == ["kept"] + [
        "kept" if s.label == "article" else "rejected" for s in verdict.segments
    ]
    for colour in (KEPT_BACKGROUND, REJECTED_BACKGROUND):
        assert pixels_near(image, colour) > 20_000, colour
    assert ink_share(image) > 0.005  # text was painted


PAYLOADS = (
    "<script>document.title='PWNED-script'</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','onerror')\">",
    "<svg onload=\"document.body.setAttribute('data-pwned','svg')\"></svg>",
    "</p></li></ol></pre><script>document.body.setAttribute('data-pwned','closed')</script>",
    "\"'><script>document.title='PWNED-attribute'</script>",
    "<img src='{beacon}/img.png'>",
    "<link rel=stylesheet href='{beacon}/link.css'>",
    "<iframe src='{beacon}/frame.html'></iframe>",
    "<style>@import url('{beacon}/import.css');</style>",
    "<object data='{beacon}/object'></object>",
)


def payloads(server: Beacon) -> list[str]:
    return [p.replace("{beacon}", server.url) for p in PAYLOADS]


def hostile_records(server: Beacon) -> list[bytes]:
    """A text dump and an HTML page carrying the payloads as text, in the URL and the page
    id, and two records the worker would dead-letter with them in the original."""
    lines = payloads(server)
    prose = (
        "The harbour authority said on Monday that the new ferry terminal would open in "
        "the spring, after two years of delays caused by flooding and a shortage of steel."
    )
    dump = "\n\n".join([prose, *lines, prose.replace("Monday", "Tuesday"), *lines])
    page = (
        "<html><head><title>Harbour</title></head><body><article>"
        + "".join(f"<p>{prose} {html.escape(line)}</p><p>{html.escape(line)}</p>" for line in lines)
        + "</article></body></html>"
    )
    url = "https://evil.example/\"><script>document.title='PWNED-url'</script>"
    page_id = "<img src=x onerror=\"document.body.setAttribute('data-pwned','id')\">"
    return [
        orjson.dumps({"url": url, "body": dump, "content_type": "text/plain", "page_id": page_id}),
        orjson.dumps({"url": url, "body": page, "content_type": "text/html", "page_id": page_id}),
        b'{"url": "' + "".join(lines).encode() + b'", "body": ',  # invalid_json
        b"\xff\xfe" + "".join(lines).encode(),  # not_utf8
    ]


def assert_ran_nothing(report: Path, dom_html: str, server: Beacon, expected_title: str) -> None:
    dom = LexborHTMLParser(dom_html)
    assert dom.css_first("title").text() == expected_title
    body = dom.css_first("body")
    assert "data-pwned" not in body.attributes
    for tag in ("script", "img", "svg", "iframe", "link", "object", "embed", "meta"):
        assert not body.css(tag), (report.name, tag)
    assert len(dom.css("style")) == 1  # the report's own
    assert server.paths == []


@pytest.mark.parametrize("line", [1, 2, 3, 4])
def test_a_hostile_page_runs_nothing_and_loads_nothing(tmp_path: Path, line: int) -> None:
    with beacon() as server:
        records = tmp_path / "hostile.jsonl"
        records.write_bytes(b"\n".join(hostile_records(server)) + b"\n")
        compare = ["--compare", "trafilatura"] if line == 2 else []
        report = inspect_to(tmp_path, f"hostile-{line}", f"{records}:{line}", *compare)
        dom_html = dump_dom(report, tmp_path / "profile")
        image = screenshot(report, tmp_path / "profile", tmp_path / f"hostile-{line}.png")
        text = LexborHTMLParser(dom_html).body.text()  # type: ignore[union-attr]
        if line <= 2:
            title = (
                "chaff inspect: https://evil.example/\"><script>document.title='PWNED-url'</script>"
            )
            assert pixels_near(image, KEPT) > 100 and pixels_near(image, REJECTED) > 100
        else:
            title = f"chaff inspect: {records}:{line}"
            assert pixels_near(image, DEAD_BACKGROUND) > 10_000 and pixels_near(image, DEAD) > 100
        assert_ran_nothing(report, dom_html, server, title)
    # The payloads are in the report, as text: what was tested did reach the page.
    for payload in payloads(server):
        assert payload in text, payload
    if line == 2:
        other = LexborHTMLParser(dom_html).css_first("#other-text")
        assert other is not None and "document.title='PWNED-script'" in other.text()
    assert ink_share(image) > 0.005


def test_the_same_payloads_do_run_and_load_when_not_escaped(tmp_path: Path) -> None:
    """The control: without escaping and without the policy, the checks above fail."""
    with beacon() as server:
        page = tmp_path / "unescaped.html"
        page.write_text(
            "<!DOCTYPE html><html><head><title>control</title></head><body>"
            + "".join(payloads(server))
            + "</body></html>"
        )
        dom = LexborHTMLParser(dump_dom(page, tmp_path / "profile"))
        assert dom.css_first("title").text().startswith("PWNED")
        assert "data-pwned" in dom.css_first("body").attributes
        assert server.paths  # it loaded from the beacon


def test_the_policy_stops_the_payloads_even_unescaped(tmp_path: Path) -> None:
    """A mistake in the escaping would still run and load nothing: the report's policy."""
    from worker.inspect.inspection import inspect_record
    from worker.inspect.run import read_source

    record = read_source(str(SEED), None)
    inspection = inspect_record(record.value, record.source, record.label)
    assert inspection.page is not None
    with beacon() as server:
        report_html = render(inspection).replace("<body>", "<body>" + "".join(payloads(server)), 1)
        report = tmp_path / "unescaped-report.html"
        report.write_text(report_html, encoding="utf-8")
        dom = LexborHTMLParser(dump_dom(report, tmp_path / "profile"))
        assert dom.css_first("title").text() == f"chaff inspect: {inspection.page.url}"
        assert "data-pwned" not in dom.css_first("body").attributes
        assert server.paths == []


def test_the_set_up_script_is_idempotent_and_fails_clearly() -> None:
    script = REPO / ".ci" / "chromium"
    again = subprocess.run([script], capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0 and again.stderr == ""  # already there: nothing to do
    missing = subprocess.run(
        [script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "CHAFF_CHROMIUM": "/nonexistent/chromium"},
    )
    assert missing.returncode == 1
    assert "CHAFF_CHROMIUM=/nonexistent/chromium is not a working chromium" in missing.stderr


def test_the_readme_shows_the_seed_pages_report() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/inspect-seed.png)" in readme
    image = Image.open(REPO / "docs" / "inspect-seed.png").convert("RGB")
    # Chromium's screenshot of the seed's report: both counts' boxes and the kept rows.
    for colour in (KEPT, KEPT_BACKGROUND, REJECTED, REJECTED_BACKGROUND):
        assert pixels_near(image, colour) > 500, colour
    assert ink_share(image) > 0.005
