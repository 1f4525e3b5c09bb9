"""`chaff eval --site-memory` on one corpus: memory off and on, side by side."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from worker.cli import main
from worker.core.site_memory import MemorySettings
from worker.learn.dataset import load_pages
from worker.learn.memory_eval import evaluate_memory, sites_of

FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"


def test_memory_helps_the_pages_of_a_site_and_leaves_single_pages_alone(
    tmp_path: Path,
) -> None:
    # The fixture's eater.com pages, and one page of the other site alone (a one-page site).
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE, corpus)
    for page_id in ("R630", "R631", "R632", "R633", "R634"):
        for path in corpus.glob(f"*/{page_id}.*"):
            path.unlink()
    pages = load_pages(corpus, "html")
    assert sorted(len(p) for p in sites_of(pages).values()) == [1, 4]
    result = evaluate_memory(pages, "html", MemorySettings())
    assert result.sites == 1 and result.multi.pages == 4 and result.single.pages == 1
    # (eater.com's pages: 0.928 -> 0.966, three of the four changed, on 2026-12-04)
    assert result.multi.gain > 0.02 and result.multi.changed >= 2
    assert result.single.f1_on == result.single.f1_off and result.single.changed == 0


def test_the_command_reports_both_modes_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "memory.json"
    assert main(["eval", str(FIXTURE), "--site-memory", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2 multi-page sites" in printed and "F1 off" in printed
    figures = orjson.loads(out.read_bytes())
    assert [f["mode"] for f in figures] == ["html", "text"]
    assert all(f["multi"]["pages"] == 10 for f in figures)
    html = figures[0]["multi"]
    assert html["f1_on"] > html["f1_off"]


def test_it_refuses_what_it_cannot_compare(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(FIXTURE), "--site-memory", "--compare", "keep-all"]) == 2
    assert "--site-memory" in capsys.readouterr().err
