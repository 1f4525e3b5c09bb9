"""`chaff train` is reproducible and produces a model the classifier can load and use."""

from pathlib import Path

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
