"""`chaff bounds`: the shipped stumps beside unbounded trees, trees told the page type, and the
label ceiling, all by grouped cross-validation (on the 35 fixture pages, in few rounds)."""

from functools import cache
from pathlib import Path

import numpy as np
import orjson
import pytest

from worker.cli import main
from worker.learn.bounds import ALL_PAGES, TreeSettings, bounds, with_page_types
from worker.learn.dataset import load_pages
from worker.learn.train import TrainingPage, TrainingSettings, prepare

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
QUICK = TrainingSettings(local_rounds=30, smoothing_rounds=15, folds=2)


@cache
def fixture_pages() -> tuple[TrainingPage, ...]:
    return tuple(
        prepare([(page, page.body("text")) for page in load_pages(FIXTURE, "text")], "text")
    )


def test_every_row_is_scored_overall_and_per_page_type() -> None:
    pages = fixture_pages()
    rows = bounds(pages, QUICK, TreeSettings(rounds=30))
    assert list(rows) == [
        "stumps (shipped)",
        "trees (31 leaves)",
        "trees, told the page type",
        "label ceiling",
    ]
    page_types = {page.page.page_type for page in pages}
    assert len(page_types) == 7
    for values in rows.values():
        assert set(values) == {ALL_PAGES, *page_types}
        assert all(0.0 <= value <= 1.0 for value in values.values())
    ceiling = rows["label ceiling"][ALL_PAGES]
    assert all(
        values[ALL_PAGES] < ceiling for name, values in rows.items() if name != "label ceiling"
    )
    # the trees are a local stage of their own, not the stumps again
    assert rows["trees (31 leaves)"] != rows["stumps (shipped)"]


def test_the_page_type_is_one_flag_column_per_type() -> None:
    pages = fixture_pages()
    told = with_page_types(pages)
    types = sorted({page.page.page_type for page in pages})
    for page, page_told in zip(pages, told, strict=True):
        assert np.array_equal(page_told.features[:, : page.features.shape[1]], page.features)
        flags = page_told.features[:, page.features.shape[1] :]
        assert flags.shape == (len(page.texts), len(types))
        expected = np.zeros(len(types), dtype=np.float32)
        expected[types.index(page.page.page_type)] = 1.0
        assert (flags == expected).all()


def test_the_command_prints_and_writes_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "bounds.json"
    arguments = ["bounds", str(FIXTURE), "--mode", "text", "--cv", "2", "--limit", "14"]
    assert main([*arguments, "--json", str(figures)]) == 0
    out = capsys.readouterr().out
    assert "| local stage | all |" in out and "| label ceiling |" in out
    rows = orjson.loads(figures.read_bytes())["rows"]
    assert len(rows) == 4 and all(ALL_PAGES in values for values in rows.values())


def test_the_command_refuses_a_single_fold(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bounds", str(FIXTURE), "--cv", "1"]) == 2
    assert "--cv needs at least 2 folds" in capsys.readouterr().err
