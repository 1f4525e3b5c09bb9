"""`chaff inspect FILE:LINE --site-memory on`: the page as `chaff classify --site-memory on`
classifies that line, its summary saying what site memory informed the verdict.

The records are the 4 pages of eater.com in tests/fixtures/site-memory (Dragnet, by Moz;
attribution and licence in its README.md), with a record the worker would dead-letter, an
empty line and a page of another site between them: classify skips the first two and
remembers the third under its own site, and inspect must do the same.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from headless import dump_dom
from selectolax.lexbor import LexborHTMLParser

from worker.cli import main
from worker.learn.dataset import load_pages

FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"
MEMORY_REASON = "also on "


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pages = load_pages(FIXTURE, "html")

    def record(page: Any) -> bytes:
        url = f"https://{page.site}/{page.page_id}"
        return orjson.dumps({"url": url, "body": page.body("html"), "content_type": "text/html"})

    posts = [record(p) for p in pages if p.site == "eater.com"]
    other = next(record(p) for p in pages if p.site != "eater.com")
    assert len(posts) == 4
    lines = [
        posts[0],
        posts[1],
        b'{"url": "https://eater.com/x", "body": 3}',
        b"",
        other,
    ]
    lines += [posts[2], posts[3]]
    path = tmp_path_factory.mktemp("records") / "site.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture(scope="module")
def classified(records: Path) -> dict[int, dict[str, Any]]:
    """`chaff classify --site-memory on`'s line for each record, by line number."""
    done = subprocess.run(
        [sys.executable, "-m", "worker", "classify", "--site-memory", "on", str(records)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr  # line 3 cannot be classified: exit 2, says so
    assert f"{records}:3: " in done.stderr.decode()
    lines = [orjson.loads(line) for line in done.stdout.splitlines()]
    return {line["line"]: line for line in lines}


def report(tmp_path: Path, source: str, *arguments: str) -> Path:
    out = tmp_path / "report.html"
    assert main(["inspect", source, *arguments, "-o", str(out)]) == 0
    return out


def summary(dom: LexborHTMLParser) -> str:
    rows = {
        row.css_first("th").text(): row.css_first("td").text()
        for row in dom.css("header table.facts tr")
    }
    return rows["site memory"]


def check_against_classify(dom: LexborHTMLParser, line: dict[str, Any], before: int) -> None:
    """The report of a line shows what classify says of it: every segment kept or
    rejected alike, the memory's rejections first among their reasons and tagged as a
    rule, the summary's figures those of the line's `site_memory`, the article the same."""
    note = line["site_memory"]
    rows = dom.css("li.seg")
    assert len(rows) == len(line["segments"])
    for row, segment in zip(rows, line["segments"], strict=True):
        assert row.attributes["id"] == f"seg-{segment['position']}"
        marked = "kept" if "kept" in (row.attributes["class"] or "").split() else "junk"
        assert marked == ("kept" if segment["label"] == "article" else "junk")
        first = row.css_first("ul.reasons li")
        assert first.text().endswith(segment["reasons"][0])
        if segment["reasons"][0].startswith(MEMORY_REASON):
            assert first.css_first(".tag").text() == "rule"
            assert marked == "junk"
    by_memory = [
        s["position"] for s in line["segments"] if s["reasons"][0].startswith(MEMORY_REASON)
    ]
    assert len(by_memory) == note["rejected"]
    words = summary(dom)
    assert words.startswith(f"on, from the {before} record")
    if note["pages_seen"]:
        pages = "page" if note["pages_seen"] == 1 else f"{note['pages_seen']} pages"
        assert f"this site's last {pages} informed it" in words
        assert f"{note['segments_seen']} of this page's segments were seen on them" in words
        assert f"{note['rejected']} rejected as repeats" in words
        listed = words.rsplit("(", 1)[1].rstrip(")") if by_memory else ""
        assert listed == ", ".join(f"#{p}" for p in by_memory)
    else:
        assert "none was another page of this site" in words
    paragraphs = [p.text() for p in dom.css("#published p")]
    assert "\n\n".join(paragraphs) == line["article"]


@pytest.mark.parametrize(
    ("line", "before", "pages_seen"),
    [(1, 0, 0), (2, 1, 1), (5, 2, 0), (7, 4, 3)],  # before: the records memory took in
)
def test_the_report_of_a_line_is_what_classify_says_of_it(
    tmp_path: Path,
    records: Path,
    classified: dict[int, dict[str, Any]],
    line: int,
    before: int,
    pages_seen: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dom = LexborHTMLParser(report(tmp_path, f"{records}:{line}", "--site-memory", "on").read_text())
    assert classified[line]["site_memory"]["pages_seen"] == pages_seen
    check_against_classify(dom, classified[line], before)
    err = capsys.readouterr().err
    records = "1 earlier record" if before == 1 else f"{before} earlier records"
    pages = "1 page" if pages_seen == 1 else f"{pages_seen} pages"
    assert f"site memory from {records}: {pages} of its site" in err


def test_memory_takes_away_what_the_page_alone_keeps(
    tmp_path: Path, records: Path, classified: dict[int, dict[str, Any]]
) -> None:
    """Line 7 is informed by the site's 3 earlier pages, which repeat some of what it
    keeps on its own: without memory those segments are kept, and the summary says none."""
    line = classified[7]
    assert line["site_memory"]["rejected"] > 0
    by_memory = {
        s["position"] for s in line["segments"] if s["reasons"][0].startswith(MEMORY_REASON)
    }
    alone = LexborHTMLParser(report(tmp_path, f"{records}:7").read_text())
    assert summary(alone) == "none: the page was classified on its own"
    for position in by_memory:
        row = alone.css_first(f"#seg-{position}")
        assert "kept" in (row.attributes["class"] or "").split()


@pytest.mark.slow
def test_the_browser_shows_the_memory_and_its_rejections(
    tmp_path: Path, records: Path, classified: dict[int, dict[str, Any]]
) -> None:
    page = report(tmp_path, f"{records}:7", "--site-memory", "on")
    dom = LexborHTMLParser(dump_dom(page, tmp_path / "profile"))
    check_against_classify(dom, classified[7], 4)


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ([str(FIXTURE / "html" / "R786.html.gz")], "a page file"),
        (["--topic", "t", "--partition", "0", "--offset", "3"], "a record on a topic"),
    ],
)
def test_a_source_without_earlier_pages_is_refused(
    tmp_path: Path, where: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["inspect", *where, "--site-memory", "on", "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert f"{named} comes with no earlier pages of its site to learn from" in err[0]
    assert not out.exists()
