"""`chaff inspect`: its sources, its errors, the comparison with trafilatura, the report's
policy. (The browser tests are in test_inspect_browser.py; a record on a topic in
test_inspect_topic.py.)"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import orjson
import pytest
from selectolax.lexbor import LexborHTMLParser

from worker.cli import main
from worker.core.classify import classify_page
from worker.core.raw_page import parse_raw_page
from worker.inspect.compare import kept_by
from worker.inspect.report import CONTENT_SECURITY_POLICY, STYLE, STYLE_HASH

REPO = Path(__file__).parents[2]
SEED = REPO / "seeds" / "000_bd0859deabb9f25c.txt"
RECORDS = REPO / "seeds" / "wcxb-pages.jsonl"
FIXTURE = REPO / "tests" / "fixtures" / "wcxb" / "html" / "0025.html.gz"


def report(tmp_path: Path, *arguments: str) -> LexborHTMLParser:
    out = tmp_path / "report.html"
    assert main(["inspect", *arguments, "-o", str(out)]) == 0
    return LexborHTMLParser(out.read_text(encoding="utf-8"))


def facts(dom: LexborHTMLParser) -> dict[str, str]:
    return {
        row.css_first("th").text(): row.css_first("td").text()
        for row in dom.css("header table.facts tr")
        if row.css_first("td") is not None
    }


def test_a_text_dump_shows_its_rule_hits_and_the_page_cut(tmp_path: Path) -> None:
    dom = report(tmp_path, str(SEED))
    verdict = classify_page(SEED.read_text(encoding="utf-8"), "text/plain")
    feed = [s.position for s in verdict.segments if s.reasons[0].startswith("in a feed of ")]
    hits = [li.text() for li in dom.css("li.rule-hit")]
    assert any("in a feed of" in hit and f"#{feed[0]}–#{feed[-1]}" in hit for hit in hits), hits
    assert verdict.cut is not None
    assert f"{verdict.cut:.2f}" in dom.css_first("#page-cut").text()
    assert facts(dom)["content type"] == "text/plain"
    assert facts(dom)["model version"] == verdict.model_version
    assert facts(dom)["site memory"].startswith("none")
    # Every segment's reasons, in words, under it.
    for segment in verdict.segments:
        row = dom.css_first(f"#seg-{segment.position}")
        reasons = [li.text() for li in row.css("ul.reasons li")]
        assert len(reasons) == len(segment.reasons)
        assert all(r.endswith(reason) for r, reason in zip(reasons, segment.reasons, strict=True))


def test_a_gzipped_html_page_and_a_jsonl_line(tmp_path: Path) -> None:
    dom = report(tmp_path, str(FIXTURE))
    assert facts(dom)["content type"] == "text/html"
    assert facts(dom)["page kind"] in {"one item", "many items"}
    record = orjson.loads(RECORDS.read_bytes().splitlines()[1])
    dom = report(tmp_path, f"{RECORDS}:2")
    assert facts(dom)["url"] == record["url"]
    assert facts(dom)["source"] == f"{RECORDS}:2"


def test_the_summary_shows_the_articles_metadata(tmp_path: Path) -> None:
    """Title, authors, dates and language of the article record, as the worker made them;
    a field the page does not give says so."""
    dom = report(tmp_path, str(FIXTURE))
    metadata = classify_page(gzip.decompress(FIXTURE.read_bytes()).decode(), "text/html").metadata
    assert metadata is not None and metadata.title and metadata.language
    shown = facts(dom)
    assert shown["article title"] == metadata.title
    assert shown["authors"] == (", ".join(metadata.authors) or "(not found)")
    assert shown["published"] == (metadata.published or "(not found)")
    assert shown["modified"] == (metadata.modified or "(not found)")
    assert shown["language"] == metadata.language
    dump = facts(report(tmp_path, str(SEED)))  # a text dump: what its lines tell
    assert dump["language"] == "en"
    assert dump["modified"] == "(not found)"


def test_the_published_article_is_the_workers(tmp_path: Path) -> None:
    page = parse_raw_page(RECORDS.read_bytes().splitlines()[0], 2_000_000)
    dom = report(tmp_path, f"{RECORDS}:1")
    paragraphs = [p.text() for p in dom.css("#published p")]
    assert "\n\n".join(paragraphs) == classify_page(page.body, page.content_type).article_text


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (b'{"url": "https://a.example/x", "body": ', "invalid_json"),
        (b'{"url": "https://a.example/x", "body": "   "}', "empty_body"),
        (b'{"url": "https://a.example/x", "body": 3}', "schema_violation"),
        (b'{"url": "https://a.example/\xe9", "body": "x"}', "not_utf8"),
    ],
)
def test_a_record_the_worker_would_dead_letter(
    tmp_path: Path, value: bytes, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "bad.jsonl"
    records.write_bytes(b'{"url": "https://a.example/ok", "body": "fine"}\n' + value + b"\n")
    dom = report(tmp_path, f"{records}:2")
    assert dom.css_first("#error-kind").text() == kind
    assert dom.css_first("#error-message").text()
    assert dom.css_first("#original").text() == value.decode("utf-8", "backslashreplace")
    assert not dom.css("li.seg")
    assert f"would be dead-lettered ({kind}:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{records}:9", "has 2 lines: there is no line 9"),
        ("{records}", "name one as"),
        ("{tmp}/missing.html", "No such file"),
        ("{tmp}/empty.jsonl:2", "line 2 of"),
    ],
)
def test_a_source_that_cannot_be_read_says_why(
    tmp_path: Path, source: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b'{"url": "https://a.example/", "body": "x"}\n\n')
    out = tmp_path / "report.html"
    named = source.format(records=RECORDS, tmp=tmp_path)
    assert main(["inspect", named, "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_source_and_a_topic_are_one_or_the_other(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(SEED), "--topic", "t", "-o", "-"]) == 2
    assert main(["inspect", "--topic", "t", "--partition", "0", "-o", "-"]) == 2
    assert "--offset" in capsys.readouterr().err


def test_compare_trafilatura_marks_what_it_keeps(tmp_path: Path) -> None:
    dom = report(tmp_path, f"{RECORDS}:1", "--compare", "trafilatura")
    rows = dom.css("li.seg")
    marks = [row.css_first(".other").text() for row in rows]
    assert all(m in {"trafilatura keeps", "trafilatura drops"} for m in marks)
    assert "trafilatura keeps" in marks and "trafilatura drops" in marks
    disagree = [row for row in rows if "disagree" in (row.attributes["class"] or "")]
    for row in disagree:
        kept = "kept" in (row.attributes["class"] or "").split()
        assert row.css_first(".other").text() == (
            "trafilatura drops" if kept else "trafilatura keeps"
        )
    both_keep = sum(
        "kept" in (row.attributes["class"] or "").split() and mark == "trafilatura keeps"
        for row, mark in zip(rows, marks, strict=True)
    )
    table = {
        row.css_first("th").text(): row.css_first("td").text()
        for row in dom.css("#compare-table tr")
    }
    assert table["both keep"].startswith(f"{both_keep} segment")
    only_trafilatura = table["only trafilatura keeps (Chaff rejects)"]
    assert only_trafilatura.startswith(
        f"{sum('kept' not in (r.attributes['class'] or '').split() for r in disagree)} segment"
    )
    assert dom.css_first("#other-text").text().strip()


def test_compare_on_a_text_dump_says_trafilatura_reads_html_only(tmp_path: Path) -> None:
    dom = report(tmp_path, str(SEED), "--compare", "trafilatura")
    assert "HTML only" in dom.css_first("#compare-note").text()


def test_compare_without_trafilatura_says_it_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import trafilatura now fails
    out = tmp_path / "report.html"
    assert main(["inspect", str(SEED), "--compare", "trafilatura", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "trafilatura, which is not installed" in err and "pip install" in err
    assert not out.exists()


def test_kept_by_matches_lines_cells_and_wrapped_paragraphs() -> None:
    text = "| Backup Strategy | 2019 |\nThe first line of a\nwrapped paragraph here.\nShare"
    segments = (
        "Backup Strategy",
        "The first line of a wrapped paragraph here.",
        "Share",
        "Menu",
        "line of a",  # short, and not a line of its own: not found inside
    )
    assert kept_by(segments, text) == (True, True, True, False, False)


def test_the_policy_allows_the_reports_own_style_only(tmp_path: Path) -> None:
    import base64
    import hashlib

    assert base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() == STYLE_HASH
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    raw = (tmp_path / "r.html").as_posix()
    assert main(["inspect", str(SEED), "-o", raw]) == 0
    text = Path(raw).read_text(encoding="utf-8")
    # The policy comes before anything else in <head>, and the style is the one hashed.
    assert text.index("Content-Security-Policy") < text.index("<title>")
    assert f"<style>{STYLE}</style>" in text
    assert not re.search(r"(?:src|href)=['\"](?!#)", text)  # no link or load leaves the file
    assert " style=" not in text


def test_report_to_standard_output(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["inspect", str(SEED), "-o", "-"]) == 0
    out = capfdbinary.readouterr().out
    assert out.startswith(b"<!DOCTYPE html>") and b"id='kept-count'" in out


def test_control_characters_and_lone_surrogates_are_replaced(tmp_path: Path) -> None:
    page = tmp_path / "odd.txt"
    body = "A line with a NUL \x00 and an escape \x1b[31m in it, long enough to be prose here.\n"
    page.write_bytes(gzip.compress(body.encode()))
    gz = tmp_path / "odd.txt.gz"
    page.rename(gz)
    text = tmp_path / "r.html"
    assert main(["inspect", str(gz), "-o", str(text)]) == 0
    html_text = text.read_text(encoding="utf-8")
    assert "\x00" not in html_text and "\x1b" not in html_text
    assert "\ufffd[31m" in html_text


def test_a_page_file_takes_its_url_from_the_prefix(tmp_path: Path) -> None:
    dom = report(tmp_path, str(SEED), "--url-prefix", "https://example.org/pages/")
    assert facts(dom)["url"] == f"https://example.org/pages/{SEED.name}"
    assert facts(dom)["site"] == "example.org"


def test_an_output_too_large_shows_the_dead_letter_and_the_verdict(tmp_path: Path) -> None:
    dom = report(tmp_path, str(SEED), "--max-output-bytes", "500")
    assert dom.css_first("#error-kind").text() == "too_large"
    assert "CHAFF_MAX_OUTPUT_BYTES" in dom.css_first("#error-message").text()
    verdict = classify_page(SEED.read_text(encoding="utf-8"), "text/plain")
    assert len(dom.css("li.seg")) == len(verdict.segments)
    assert dom.css_first("#published") is None


def test_the_cut_and_the_neighbours_list_the_segments_they_decided(tmp_path: Path) -> None:
    # A fixture page where both decided some segments (html-87a4027b20, html-27fd5c7879).
    page = REPO / "tests" / "fixtures" / "wcxb" / "html" / "2913.html.gz"
    verdict = classify_page(gzip.decompress(page.read_bytes()).decode(), "text/html")
    tipped = [s.position for s in verdict.segments if any(r in NEIGHBOURS for r in s.reasons)]
    by_cut = [s.position for s in verdict.segments if any("page's cut (" in r for r in s.reasons)]
    assert tipped and by_cut  # the page shows both
    dom = report(tmp_path, str(page))
    why = {li.css_first("b").text(): li for li in dom.css("ul.why li")}
    linked = [a.attributes["href"] for a in why["tipped by their neighbours"].css("a")]
    assert set(linked) <= {f"#seg-{p}" for p in tipped} and f"#seg-{tipped[0]}" in linked
    assert f"({len(tipped)} segment" in why["tipped by their neighbours"].text()
    assert f"it kept {len(by_cut)} scoring under 0.50" in why["the page's cut"].text()
    for position in tipped:
        tags = [t.text() for t in dom.css(f"#seg-{position} .tag")]
        assert "neighbours" in tags


NEIGHBOURS = ("inside a run of article text", "surrounded by rejected segments")


def test_compare_on_a_dead_letter_says_there_is_no_page(tmp_path: Path) -> None:
    records = tmp_path / "bad.jsonl"
    records.write_bytes(b'{"url": "https://a.example/x"}\n')
    dom = report(tmp_path, f"{records}:1", "--compare", "trafilatura")
    assert dom.css_first("#error-kind").text() == "schema_violation"
    assert "no comparison" in dom.css_first("#compare-note").text()


def test_a_page_without_segments_and_an_odd_timestamp() -> None:
    from worker.core.records import Source
    from worker.inspect.inspection import inspect_record
    from worker.inspect.report import render

    value = orjson.dumps(
        {
            "url": "https://a.example/",
            "body": "<html><body></body></html>",
            "content_type": "text/html",
        }
    )
    inspection = inspect_record(value, Source("pages.raw", 0, 3, 2**62, b"a.example"), "x")
    assert inspection.outcome == "page_rejected"
    dom = LexborHTMLParser(render(inspection))
    assert facts(dom)["page kind"] == "(none: the page has no segments)"
    assert facts(dom)["record timestamp"] == f"{2**62} ms (not a date)"
    assert dom.css_first("#kept-count").text() == "0"
    notes = [n.text() for n in dom.css("p.note")]
    assert "The page holds no text segments." in notes
    assert "No article is published: no text segments found in the page." in notes
