"""`chaff eval --all-corpora` on a miniature data root made of fixture pages, and the
`fitted_on` field that decides which corpora are scored by cross-validation."""

from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from worker.cli import main
from worker.core.classify import classify_page
from worker.core.segment_model import SegmentModel, shipped_model
from worker.learn.corpora import (
    COMPARISONS,
    FITTED_ON_WHEN_UNRECORDED,
    CorpusResult,
    evaluate_corpora,
    fitted_on,
    mean_over_corpora,
)
from worker.learn.dataset import load_pages
from worker.learn.evaluate import CHAFF
from worker.learn.scoring import score_page
from worker.learn.train import site_fold

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
FITTED = FITTED_ON_WHEN_UNRECORDED[0]  # the shipped models record no fitted_on
OTHER = "other-corpus"
FOLDS = 2
PAGES = 6  # --limit per corpus


def _corpus(root: Path, name: str, page_ids: list[str]) -> None:
    """A corpus folder in the WCXB layout whose files link to the fixture's."""
    for sub, suffix in (("html", ".html.gz"), ("text", ".txt"), ("ground-truth", ".json")):
        (root / name / sub).mkdir(parents=True)
        for page_id in page_ids:
            (root / name / sub / f"{page_id}{suffix}").symlink_to(
                FIXTURE / sub / f"{page_id}{suffix}"
            )
    (root / name / "metadata.json").symlink_to(FIXTURE / "metadata.json")


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two corpora of 8 fixture pages each (pages of both folds in each, so cross-validation
    has something to train on), and a folder that is not a corpus."""
    root = tmp_path_factory.mktemp("data")
    by_fold: dict[int, list[str]] = {0: [], 1: []}
    for page in load_pages(FIXTURE):
        by_fold[site_fold(page.site, FOLDS)].append(page.page_id)
    # The corpora load their pages sorted by id; --limit keeps the first PAGES of them, so
    # interleave the folds by giving each corpus ids from both.
    fitted = sorted(by_fold[0][:4] + by_fold[1][:4])
    other = sorted(by_fold[0][4:8] + by_fold[1][4:8])
    _corpus(root, FITTED, fitted)
    _corpus(root, OTHER, other)
    (root / "notes").mkdir()
    (root / "notes" / "README.md").write_text("not a corpus\n")
    return root


@pytest.fixture(scope="module")
def text_results(data_root: Path) -> list[CorpusResult]:
    return evaluate_corpora(data_root, ["text"], FOLDS, PAGES)["text"]


def _chaff_scores(row: CorpusResult) -> list[float]:
    return [score.f1 for _, score in row.system(CHAFF).scores]


def test_every_corpus_is_scored_and_only_the_fitted_on_one_by_cross_validation(
    text_results: list[CorpusResult],
) -> None:
    assert [row.corpus for row in text_results] == [OTHER, FITTED]  # sorted, "notes" skipped
    other, fitted = text_results
    assert [len(row.pages) for row in text_results] == [PAGES, PAGES]
    assert fitted.scored_by == f"{FOLDS}-fold CV by site" and fitted.cross_validated is not None
    assert other.scored_by == "shipped model" and other.cross_validated is None
    assert set(fitted.cross_validated) == {page.page_id for page in fitted.pages}
    # Chaff's scores on the fitted-on corpus are those of the out-of-fold extractions ...
    assert _chaff_scores(fitted) == [
        score_page(
            fitted.cross_validated[page.page_id],
            page.main_content,
            page.with_snippets,
            page.without_snippets,
        ).f1
        for page in fitted.pages
    ]
    # ... and on the other corpus those of the shipped model.
    assert _chaff_scores(other) == [
        score_page(
            classify_page(page.body("text"), "text/plain").article_text,
            page.main_content,
            page.with_snippets,
            page.without_snippets,
        ).f1
        for page in other.pages
    ]


def test_the_comparisons_run_on_the_same_pages(text_results: list[CorpusResult]) -> None:
    for row in text_results:
        assert [s.name for s in row.systems] == [CHAFF, *COMPARISONS["text"]]
        pages = [page.page_id for page in row.pages]
        for system in row.systems:
            assert [page.page_id for page, _ in system.scores] == pages
        # Keeping every line recalls at least what any filter of those lines recalls.
        keep_all = row.system("keep-all").summary()["recall"]
        assert keep_all >= row.system("c4").summary()["recall"]


def test_the_mean_row_is_the_unweighted_mean_of_the_corpora(
    text_results: list[CorpusResult],
) -> None:
    mean = mean_over_corpora(text_results)
    assert set(mean) == {CHAFF, *COMPARISONS["text"]}
    for name, figures in mean.items():
        for figure, value in figures.items():
            rows = [row.system(name).summary()[figure] for row in text_results]
            assert value == pytest.approx(sum(rows) / len(rows))


def test_a_model_that_records_its_corpus_decides_which_one_is_cross_validated(
    data_root: Path,
) -> None:
    model = replace(shipped_model("text/plain"), fitted_on=(OTHER,))
    other, fitted = evaluate_corpora(data_root, ["text"], FOLDS, PAGES, {"text": model})["text"]
    assert other.cross_validated is not None and other.scored_by.endswith("CV by site")
    assert fitted.cross_validated is None and fitted.scored_by == "given model"


def test_the_command_prints_the_table_and_writes_every_figure(
    data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures_path = tmp_path / "corpora.json"
    code = main(
        [
            *("eval", "--all-corpora", "--data-root", str(data_root), "--mode", "html"),
            *("--cv", str(FOLDS), "--limit", str(PAGES), "--json", str(figures_path)),
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    figures = orjson.loads(figures_path.read_bytes())
    assert set(figures["modes"]) == {"html"}
    rows = figures["modes"]["html"]["corpora"]
    assert [row["corpus"] for row in rows] == [OTHER, FITTED]
    assert [row["cross_validated"] for row in rows] == [False, True]
    for row in rows:
        assert set(row["systems"]) == {CHAFF, "trafilatura", "keep-all"}
        for system in row["systems"].values():
            assert system["overall"]["pages"] == PAGES
            assert sum(t["pages"] for t in system["by_page_type"].values()) == PAGES
    mean = figures["modes"]["html"]["mean_over_corpora"]
    for name in (CHAFF, "trafilatura", "keep-all"):
        f1s = [row["systems"][name]["overall"]["f1"] for row in rows]
        assert mean[name]["f1"] == pytest.approx(sum(f1s) / len(f1s))

    table = captured.out.splitlines()
    for row in rows:
        line = next(line for line in table if line.startswith(row["corpus"] + " "))
        assert row["scored_by"] in line
        assert f"{row['systems'][CHAFF]['overall']['f1']:.3f}" in line
        assert f"{row['systems']['trafilatura']['overall']['f1']:.3f}" in line
    mean_line = next(line for line in table if line.startswith("mean over corpora"))
    assert (
        f"{mean[CHAFF]['f1']:.3f}" in mean_line and f"{mean['trafilatura']['f1']:.3f}" in mean_line
    )
    # The fitted-on corpus has pages of several types: its articles get a line of their own.
    fitted_types = rows[1]["systems"][CHAFF]["by_page_type"]
    if "article" in fitted_types and len(fitted_types) > 1:
        article_line = next(line for line in table if line.startswith(f"{FITTED}, article"))
        assert f"{fitted_types['article']['f1']:.3f}" in article_line
    assert f"eval html {OTHER}" in captured.err  # progress on stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--data-root", "{missing}"], "no such folder"),
        (["--data-root", "{empty}"], "no corpus"),
        (["--data-root", "{empty}", str(FIXTURE)], "drop the dataset"),
        (["--data-root", "{empty}", "--cv", "1"], "at least 2 folds"),
        (["--data-root", "{empty}", "--compare", "c4"], "drop --compare"),
    ],
)
def test_the_command_refuses_what_it_cannot_evaluate(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    (empty / "not-a-corpus").mkdir(parents=True)
    paths = {"{missing}": str(tmp_path / "missing"), "{empty}": str(empty)}
    arguments = [paths.get(argument, argument) for argument in arguments]
    assert main(["eval", "--all-corpora", *arguments]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments", [["--mode", "both"], ["--data-root", "."], ["--cv", "1"], ["--cv", "0"]]
)
def test_plain_eval_refuses_the_all_corpora_options(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(FIXTURE), *arguments]) == 2
    assert capsys.readouterr().err.startswith("chaff eval: ")


def test_a_model_for_the_other_content_type_is_refused(
    data_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_path = tmp_path / "text.json"
    model_path.write_bytes(shipped_model("text/plain").to_json())
    code = main(
        [
            *("eval", "--all-corpora", "--data-root", str(data_root)),
            *("--mode", "html", "--model", str(model_path)),
        ]
    )
    assert code == 2
    assert "text model" in capsys.readouterr().err


def test_fitted_on_survives_the_json_round_trip() -> None:
    model = replace(shipped_model("text/html"), fitted_on=("wcxb-dev", "cleaneval"))
    raw = model.to_json()
    assert orjson.loads(raw)["fitted_on"] == ["wcxb-dev", "cleaneval"]
    again = SegmentModel.from_json(raw)
    assert again.fitted_on == ("wcxb-dev", "cleaneval")
    assert again.to_json() == raw
    assert fitted_on(again) == ("wcxb-dev", "cleaneval")


def test_a_model_file_without_fitted_on_loads_as_fitted_on_nothing_recorded() -> None:
    document = orjson.loads(replace(shipped_model("text/plain"), fitted_on=("x",)).to_json())
    del document["fitted_on"]
    old = SegmentModel.from_json(orjson.dumps(document))
    assert old.fitted_on == ()
    assert fitted_on(old) == FITTED_ON_WHEN_UNRECORDED
    assert old.version == document["version"]
    # The same document read back with the field present but empty writes the same model.
    assert orjson.loads(old.to_json()) == document | {"fitted_on": []}


def test_a_fitted_on_that_is_not_a_list_of_names_is_refused() -> None:
    document = orjson.loads(shipped_model("text/plain").to_json())
    document["fitted_on"] = "wcxb-dev"
    with pytest.raises(ValueError, match="fitted_on"):
        SegmentModel.from_json(orjson.dumps(document))
