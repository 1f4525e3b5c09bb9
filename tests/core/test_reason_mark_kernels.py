"""kernels_c/reason_marks.c: feature_reasons words each segment's strongest features as
the three kernels it runs in one call did (strongest_columns, rounded_values and
ReasonTexts.rows, which test_reason_kernels.py holds to numpy); reason_prefixes puts a
rule's reason, the hold on a comment, the page's cut and the neighbours before them as the
numpy and Python of classify._reasons did (score_references.reason_prefixes). Both refuse
what they cannot read."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import score_references as reference
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from kernel_fixtures import CONTENT_TYPES, FIXTURE_PAGES, KERNEL_SETTINGS, fixture_segments

from worker.core import kernels, stage_kernels
from worker.core.classify import _NEIGHBOUR_SHIFT, _reasons, describe
from worker.core.decision import ALWAYS_KEPT
from worker.core.features import feature_names
from worker.core.rules import page_rule_hits
from worker.core.segment_model import shipped_model
from worker.learn.dataset import Mode


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_feature_reasons_match_the_kernels_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The model's labels and the opposite ones, two reasons a segment and eight."""
    content_type = CONTENT_TYPES[mode]
    page = shipped_model(content_type).score(fixture_segments(mode, page_id))
    texts = kernels.ReasonTexts(feature_names(content_type), describe)
    for keep in (page.scores >= 0.5, page.scores < 0.5):
        for columns in (2, 8):
            assert stage_kernels.feature_reasons(
                texts, page.local_contributions, keep, page.features, columns
            ) == one_by_one(texts, page.local_contributions, keep, page.features, columns)


def one_by_one(
    texts: kernels.ReasonTexts,
    contributions: npt.NDArray[np.float64],
    keep: npt.NDArray[np.bool_],
    features: npt.NDArray[np.float32],
    columns: int,
) -> list[tuple[str, ...]]:
    chosen = kernels.strongest_columns(contributions, keep, columns)
    return texts.rows(chosen, kernels.rounded_values(features, chosen))


cell = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]), st.floats(-1e6, 1e6))


@KERNEL_SETTINGS
@given(
    st.integers(1, 6).flatmap(
        lambda width: st.tuples(
            arrays(np.float64, st.tuples(st.integers(0, 30), st.just(width)), elements=cell),
            st.integers(1, width),
            st.integers(0, 2**32 - 1),
        )
    )
)
def test_feature_reasons_match_the_kernels(drawn: tuple[Any, int, int]) -> None:
    """Ties, zeros of either sign, any float32 value (NaN and infinities too)."""
    contributions, columns, seed = drawn
    count, width = contributions.shape
    rng = np.random.default_rng(seed)
    keep = rng.random(count) < 0.5
    features = rng.standard_normal((count, width)) * 10.0 ** rng.integers(-8, 8, (count, width))
    features = features.astype(np.float32)
    features[rng.random((count, width)) < 0.1] = np.nan
    names = tuple(f"column {j}" for j in range(width))
    texts = kernels.ReasonTexts(names, lambda name, value: f"{name}: {value!r}")
    assert stage_kernels.feature_reasons(
        texts, contributions, keep, features, columns
    ) == one_by_one(texts, contributions, keep, features, columns)


def test_feature_reasons_refuse_what_they_cannot_read() -> None:
    texts = kernels.ReasonTexts(("a", "b"), lambda name, value: name)
    table, keep, features = np.zeros((3, 2)), np.ones(3, bool), np.zeros((3, 2), np.float32)
    assert stage_kernels.feature_reasons(texts, table, keep, features, 2) == [("a", "b")] * 3
    for wrong in (
        (np.zeros((3, 3)), keep, features, 2),
        (table, np.ones(2, bool), features, 2),
        (table, keep, np.zeros((3, 1), np.float32), 2),
        (table, keep, features, 3),  # more columns than the table has
        (table, keep, features, 0),
    ):
        with pytest.raises(ValueError):
            stage_kernels.feature_reasons(texts, *wrong)


WORDS = stage_kernels.PrefixWords("held", "cut", "inside", "surrounded")


def prefixed(arguments: dict[str, Any]) -> list[tuple[str, ...]]:
    reasons = list(arguments["reasons"])
    stage_kernels.reason_prefixes(reasons, **{k: v for k, v in arguments.items() if k != "reasons"})
    return reasons


@st.composite
def pages(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 40))
    cut = draw(st.sampled_from([0.2, 0.3, 0.45, 0.5, 2.0]))
    # on and beside every bar, NaN too
    score = st.sampled_from([0.0, 0.2, 0.3, 0.45, float(np.nextafter(0.45, 0)), 0.5, 0.9])
    shift = st.sampled_from([0.0, 1.0, -1.0, 1.5, -1.5, np.nextafter(1.0, 2), np.nan])
    flags = st.lists(st.booleans(), min_size=count, max_size=count)
    positions = st.integers(0, count - 1) if count else st.nothing()
    return {
        "reasons": [tuple(draw(st.lists(st.text(max_size=3), max_size=3))) for _ in range(count)],
        "keep": np.array(draw(flags), dtype=bool),
        "scores": np.array(draw(st.lists(score | st.just(np.nan), min_size=count, max_size=count))),
        "shift": np.array(draw(st.lists(shift, min_size=count, max_size=count))),
        "held": np.array(draw(flags), dtype=bool),
        "ruled": draw(st.dictionaries(positions, st.sampled_from(["rule a", "rule b"]))),
        "bars": (cut, ALWAYS_KEPT, _NEIGHBOUR_SHIFT),
        "words": WORDS,
    }


@KERNEL_SETTINGS
@given(pages())
def test_reason_prefixes_match_python(arguments: dict[str, Any]) -> None:
    assert prefixed(arguments) == reference.reason_prefixes(**arguments)


@pytest.mark.parametrize(("mode", "page_id"), FIXTURE_PAGES)
def test_reasons_match_python_on_the_fixture_pages(mode: Mode, page_id: str) -> None:
    """The rules' reasons, and the cut's and the neighbours' for the labels the model gives."""
    segments = fixture_segments(mode, page_id)
    content_type = CONTENT_TYPES[mode]
    page = shipped_model(content_type).score(segments)
    ruled, _ = page_rule_hits(segments.texts, page.words, content_type, page.single_item_page)
    keep = page.scores >= 0.3
    held = page.scores < 0.1
    expected = reference.reason_prefixes(
        [()] * len(segments),
        keep,
        page.scores,
        page.neighbour_shift,
        held,
        ruled,
        (0.3, ALWAYS_KEPT, _NEIGHBOUR_SHIFT),
        stage_kernels.PrefixWords(
            "is in a comment thread on a page about one item: kept only when scoring 0.50 or more",
            "above this page's cut (0.30)",
            "inside a run of article text",
            "surrounded by rejected segments",
        ),
    )
    reasons = _reasons(content_type, page, keep, ruled, 0.3, held)
    assert [row[: len(first)] for row, first in zip(reasons, expected, strict=True)] == expected


def test_reason_prefixes_refuse_what_they_cannot_read() -> None:
    one = {
        "reasons": [("a",)],
        "keep": np.ones(1, bool),
        "scores": np.ones(1),
        "shift": np.zeros(1),
        "held": np.zeros(1, bool),
        "ruled": {},
        "bars": (0.3, ALWAYS_KEPT, _NEIGHBOUR_SHIFT),
        "words": WORDS,
    }
    for wrong in (
        {"scores": np.ones(2)},
        {"keep": np.ones(3, bool)},
        {"ruled": {1: "past the page"}},
        {"ruled": {-1: "before it"}},
        {"ruled": {0: 1}},
        {"ruled": {"0": "a key of no int"}},
    ):
        with pytest.raises(ValueError):
            prefixed(one | wrong)
    with pytest.raises(TypeError):
        prefixed(one | {"reasons": [["a"]], "ruled": {0: "a rule"}})
