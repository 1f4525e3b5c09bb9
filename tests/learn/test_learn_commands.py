"""`chaff classify` and `chaff eval` as a user runs them (in-process, real files)."""

import gzip
from pathlib import Path

import orjson
import pytest

from worker.cli import main

REPO = Path(__file__).parents[2]
SEED = REPO / "seeds" / "000_bd0859deabb9f25c.txt"
FIXTURE = REPO / "tests" / "fixtures" / "wcxb"


def test_classify_writes_one_json_line_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "page.html.gz"
    html.write_bytes(
        gzip.compress(
            b"<html><body><p>One paragraph of article text, a sentence.</p></body></html>"
        )
    )
    assert main(["classify", str(SEED), str(html)]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["source"] for line in lines] == [str(SEED), str(html)]
    assert [line["content_type"] for line in lines] == ["text/plain", "text/html"]
    # Text dumps have no page-level stage; the HTML model says what it took the page for.
    assert lines[0]["page_kind"] is None and lines[1]["page_kind"] in ("one item", "many items")
    seed = lines[0]
    assert seed["article"].startswith("US warns Iraq")
    assert "Hilary Duff" not in seed["article"]
    rejected = [s for s in seed["segments"] if s["label"] == "junk"]
    assert len(rejected) >= 16 and all(s["reasons"] for s in rejected)


def test_classify_reports_an_unreadable_file_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"not gzip at all")
    assert main(["classify", "--article-only", str(broken), str(SEED)]) == 2
    captured = capsys.readouterr()
    assert "broken.html.gz" in captured.err
    assert [orjson.loads(line)["source"] for line in captured.out.splitlines()] == [str(SEED)]


def test_eval_prints_chaff_beside_the_baselines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "eval.json"
    code = main(
        [
            *("eval", str(FIXTURE), "--mode", "text", "--compare", "keep-all", "--compare", "c4"),
            *("--limit", "6", "--json", str(figures)),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "chaff" in out and "keep-all" in out and "c4" in out and "word-F1 by page type" in out
    systems = orjson.loads(figures.read_bytes())["systems"]
    assert set(systems) == {"chaff", "keep-all", "c4"}
    assert all(systems[name]["overall"]["pages"] == 6 for name in systems)
    # Keeping everything recalls every reference word the dump contains.
    assert systems["keep-all"]["overall"]["recall"] >= systems["chaff"]["overall"]["recall"]


def test_eval_refuses_a_folder_without_ground_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(tmp_path)]) == 2
    assert "ground-truth" in capsys.readouterr().err


def test_classify_prints_the_article_records_metadata_and_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prose = "<p>The council met on Tuesday to agree the budget for next year in full.</p>" * 4
    html = tmp_path / "page.html"
    html.write_text(
        '<html lang="en"><head><title>Budget agreed</title><meta name="author" '
        'content="Jane Doe"></head><body><h1>Budget agreed</h1>' + prose + "</body></html>"
    )
    assert main(["classify", "--article-only", str(html), str(SEED)]) == 0
    page, seed = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (page["title"], page["authors"], page["language"]) == (
        "Budget agreed",
        ["Jane Doe"],
        "en",
    )
    assert page["article_markdown"].startswith("# Budget agreed\n\nThe council met")
    assert seed["article_markdown"] is None and seed["language"] == "en"
    for field in ("published", "modified", "canonical_url", "description", "site_name"):
        assert field in page and field in seed
