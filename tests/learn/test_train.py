"""`chaff train` is reproducible and produces a model the classifier can load and use."""

from pathlib import Path

import pytest

from worker.cli import main
from worker.core.classify import classify_page
from worker.core.segment_model import SegmentModel

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
SEED = Path(__file__).parents[2] / "seeds" / "000_bd0859deabb9f25c.txt"


def test_training_twice_gives_the_same_model(tmp_path: Path) -> None:
    for run in ("first", "second"):
        out = str(tmp_path / run)
        assert main(["train", str(FIXTURE), "--mode", "text", "--limit", "20", "--out", out]) == 0
    first = (tmp_path / "first" / "text.json").read_bytes()
    assert first == (tmp_path / "second" / "text.json").read_bytes()
    model = SegmentModel.from_json(first)
    assert model.version.startswith("text-") and model.content_type == "text/plain"
    assert model.fitted_on == (FIXTURE.name,)  # the folder's name: "wcxb"
    # A model from 20 pages still tells the seed's article from its feed.
    verdict = classify_page(SEED.read_text(encoding="utf-8"), "text/plain", model)
    assert verdict.article_text.startswith("US warns Iraq")
    assert "Hilary Duff" not in verdict.article_text


FIXTURES = FIXTURE.parent


def test_training_pools_every_folder_given_and_names_them_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = [FIXTURES / "dragnet", FIXTURES / "cleaneval"]
    args = ["--mode", "text", "--limit", "6"]
    assert main(["train", *map(str, folders), *args, "--out", str(tmp_path / "both")]) == 0
    assert "fitted on 12 pages" in capsys.readouterr().out
    pooled = SegmentModel.from_json((tmp_path / "both" / "text.json").read_bytes())
    assert pooled.fitted_on == ("dragnet", "cleaneval")
    for folder in folders:  # pooled: not the model of either folder alone
        out = tmp_path / folder.name
        assert main(["train", str(folder), *args, "--out", str(out)]) == 0
        alone = SegmentModel.from_json((out / "text.json").read_bytes())
        assert alone.fitted_on == (folder.name,)
        assert alone.local.to_json() != pooled.local.to_json()


def test_training_refuses_two_folders_of_one_name_and_a_folder_not_a_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twice = ["train", str(FIXTURE), str(FIXTURES / "wcxb"), "--mode", "text"]
    assert main([*twice, "--out", str(tmp_path)]) == 2
    assert "share a name" in capsys.readouterr().err
    not_a_corpus = tmp_path / "empty"
    not_a_corpus.mkdir()
    bad = ["train", str(FIXTURE), str(not_a_corpus), "--mode", "text", "--limit", "3"]
    assert main([*bad, "--out", str(tmp_path / "out")]) == 2
    assert "no ground-truth/ folder" in capsys.readouterr().err
    assert not (tmp_path / "out" / "text.json").exists()
