"""`chaff eval --metadata`: how a title, authors and a date count as right, and the command
as a user runs it on the WCXB fixture pages (which carry WCXB's gold metadata)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from worker.cli import main
from worker.learn.dataset import load_pages
from worker.learn.metadata_eval import evaluate_metadata, names, normalised, same_date

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_titles_compare_without_case_and_punctuation() -> None:
    assert normalised("Top 10: Best App (Tested!)") == normalised("top 10 best app tested")
    assert normalised("Café – Menu") == "café menu"
    assert normalised(None) == ""


def test_authors_compare_as_sets_of_names() -> None:
    gold = "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen"
    assert names("Natalie Nguyen; Danielle DeSiato; Donna Enzmann") == names(gold)
    assert names("Danielle DeSiato") < names(gold)
    assert names("Jane Doe & John Roe") == {"jane doe", "john roe"}


def test_dates_compare_as_far_as_the_gold_goes() -> None:
    assert same_date("2025-09-04T12:50:36+00:00", "2025-09-04")
    assert not same_date("2025-09-05", "2025-09-04")
    assert same_date("2003-11-20", "2003-11")
    assert not same_date(None, "2025-09-04")


def test_chaff_is_scored_on_every_page_with_a_gold_field() -> None:
    pages = load_pages(FIXTURES / "wcxb", "html")
    [chaff] = evaluate_metadata(pages, "html", with_trafilatura=False)
    fields = chaff.fields
    assert fields["title"].scored == sum(1 for p in pages if p.title)
    assert fields["authors (same names)"].scored == sum(1 for p in pages if p.author)
    assert fields["published"].scored == sum(1 for p in pages if p.publish_date)
    # Regression floors, below what the shipped code scores on these pages (0.686, 0.714,
    # 0.857 on 2026-12-03).
    assert fields["title"].accuracy >= 0.6
    assert fields["authors (same names)"].accuracy >= 0.55
    assert fields["published"].accuracy >= 0.7


def test_the_command_scores_chaff_and_trafilatura_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "metadata.json"
    args = ["eval", "--metadata", str(FIXTURES / "wcxb"), "--limit", "3", "--json", str(figures)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "trafilatura" in out and "published" in out
    systems = orjson.loads(figures.read_bytes())["systems"]
    assert set(systems) == {"chaff", "trafilatura"}
    assert systems["chaff"]["title"]["scored"] == systems["trafilatura"]["title"]["scored"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metadata", "--all-corpora"], "takes one dataset"),
        (["--metadata", "--cv", "3"], "drop --cv"),
        (["--metadata", str(FIXTURES / "dragnet")], "no gold title, author or date"),
    ],
)
def test_what_the_metadata_scoring_refuses(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", *args]) == 2
    assert message in capsys.readouterr().err
