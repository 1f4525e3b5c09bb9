"""The C's argument checks of text_counts, phrase_counts, context_columns,
position_features, additive_scores and strongest_columns (kernels_c/text_features.c,
context_features.c, model.c, reasons.c): ValueError for buffers that do not fit the counts,
counts whose sizes overflow included, instead of a read or a write past a buffer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from worker.core import _kernels, kernels
from worker.core.features import _CLASS_TABLE, _CODE_POINT_KINDS, _ENDS_SENTENCE_TABLE

# --- the C's argument checks ----------------------------------------------------------------

CLASSES = _CLASS_TABLE
ENDS = _ENDS_SENTENCE_TABLE
F64 = np.float64
I64 = np.int64


def text_counts_call(page: bytes, count: int, rows: int | None = None, **tables: bytes) -> None:
    out = np.empty((count if rows is None else rows, kernels.TEXT_COUNT_COLUMNS))
    _kernels.text_counts(
        page,
        tables.get("classes", CLASSES),
        tables.get("ends", ENDS),
        tables.get("kinds", _CODE_POINT_KINDS),
        count,
        out,
    )


def additive_call(
    count: int = 2,
    width: int = 2,
    edges: npt.NDArray[np.float64] | None = None,
    edge_starts: list[int] | None = None,
    table_starts: list[int] | None = None,
    feature_items: int | None = None,
    contribution_items: int | None = None,
    logit_items: int | None = None,
) -> None:
    """A good call of two features with one threshold each, but for what is given."""
    _kernels.additive_scores(
        np.zeros(count * width if feature_items is None else feature_items, dtype=np.float32),
        count,
        np.asarray([0.0, 1.0]) if edges is None else edges,
        np.asarray([0, 1, 2] if edge_starts is None else edge_starts, dtype=I64),
        np.arange(4.0),
        np.asarray([0, 2] if table_starts is None else table_starts, dtype=I64),
        0.0,
        np.empty(count * width if contribution_items is None else contribution_items),
        np.empty(count if logit_items is None else logit_items),
    )


def test_the_additive_call_helper_is_a_good_call() -> None:
    """The calls below differ from this one in one argument each."""
    additive_call()
    _kernels.strongest_columns(np.zeros(6), np.ones(2, dtype=np.uint8), 2, 3, np.empty(4, I64))
    text_counts_call(b"a\nb", 2)
    _kernels.phrase_counts(b"a\nb", 2, (b"a",), np.empty(2, dtype=np.float32))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: text_counts_call(b"a\nb", 2, classes=CLASSES[:255]), id="class-table"),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, ends=ENDS + b"\0"), id="ends-table"),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, kinds=bytes(256)), id="kinds-table"),
        pytest.param(
            lambda: text_counts_call(b"a\nb", 2, classes=bytes([10]) * 256), id="unknown-class"
        ),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, rows=1), id="out-short"),
        pytest.param(lambda: text_counts_call(b"a\nb", 2, rows=3), id="out-long"),
        pytest.param(lambda: text_counts_call(b"a\nb\nc", 2, rows=2), id="more-newlines"),
        pytest.param(lambda: text_counts_call(b"a\nb", 3, rows=3), id="fewer-newlines"),
        pytest.param(lambda: text_counts_call(b"", 0), id="no-segment"),
        pytest.param(lambda: text_counts_call(b"a", -1, rows=0), id="negative-count"),
    ],
)
def test_text_counts_refuses_bad_arguments(call: Any) -> None:
    """Tables, out and page must fit count: the C reads them by it."""
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    ("values", "count", "radii", "out", "out_width", "column"),
    [
        pytest.param(5, 3, (1,), 18, 6, 0, id="values-short"),
        pytest.param(7, 3, (1,), 18, 6, 0, id="values-long"),
        pytest.param(6, 3, (1,), 24, 6, 0, id="out-long"),
        pytest.param(6, 3, (1, 2), 18, 6, 0, id="more-radii-than-fit"),
        pytest.param(6, 3, (2, -3), 24, 8, 0, id="negative-second-radius"),
        pytest.param(6, 3, (1,), 17, 6, 0, id="out-short"),
        pytest.param(6, 3, (1,), 21, 7, 2, id="past-the-last-column"),
        pytest.param(6, 3, (1,), 21, 7, -1, id="negative-column"),
        pytest.param(6, 3, (-1,), 18, 6, 0, id="negative-radius"),
        pytest.param(6, 3, (1,), 18, -6, 0, id="negative-out-width"),
        pytest.param(6, -3, (1,), 18, 6, 0, id="negative-count"),
    ],
)
def test_context_columns_refuse_bad_arguments(
    values: int, count: int, radii: tuple[int, ...], out: int, out_width: int, column: int
) -> None:
    """Two source columns and one radius write 2 x 3 columns: values must hold count x 2,
    out count x out_width, and the six columns must fit from `column` on."""
    table = np.empty(out, dtype=np.float32)
    with pytest.raises(ValueError):
        _kernels.context_columns(np.zeros(values), count, 2, radii, table, out_width, column)
    _kernels.context_columns(np.zeros(6), 3, 2, (1,), np.empty(21, dtype=np.float32), 7, 1)


@pytest.mark.parametrize(
    "table",
    [
        pytest.param(np.zeros((3, 8)), id="float64"),
        pytest.param(np.zeros((3, 16), dtype=np.float32)[:, ::2], id="not-contiguous"),
        pytest.param(np.zeros(24, dtype=np.float32), id="one-dimensional"),
    ],
)
def test_the_table_writing_wrappers_refuse_a_table_they_cannot_fill(
    table: npt.NDArray[Any],
) -> None:
    """A converted copy would be filled and dropped, leaving the caller's table as it was."""
    with pytest.raises(ValueError, match="C-contiguous float32"):
        kernels.context_columns(np.zeros((3, 2)), (1,), table, 0)
    with pytest.raises(ValueError, match="C-contiguous float32"):
        kernels.position_features(np.zeros(3), np.zeros(3), table, 0)


def test_the_context_columns_wrapper_refuses_a_negative_radius() -> None:
    with pytest.raises(ValueError, match="negative"):
        kernels.context_columns(np.zeros((4, 2)), (1, -1), np.empty((4, 8), dtype=np.float32), 0)


@pytest.mark.parametrize(
    ("log_words", "ends_sentence", "count", "out"),
    [
        pytest.param(0, 0, 0, 0, id="no-segment"),
        pytest.param(2, 3, 3, 21, id="log-words-short"),
        pytest.param(3, 4, 3, 21, id="ends-sentence-long"),
        pytest.param(3, 3, 3, 20, id="out-short"),
        pytest.param(3, 3, 3, 28, id="out-long"),
        pytest.param(3, 3, -3, 21, id="negative-count"),
    ],
)
def test_position_features_refuses_bad_arguments(
    log_words: int, ends_sentence: int, count: int, out: int
) -> None:
    """Every buffer must hold count rows."""
    with pytest.raises(ValueError):
        _kernels.position_features(
            np.zeros(log_words), np.zeros(ends_sentence), count, np.empty(out, dtype=np.float32)
        )


@pytest.mark.parametrize(
    ("out_width", "column"),
    [
        pytest.param(8, 2, id="past-the-last-column"),
        pytest.param(8, -1, id="negative-column"),
        pytest.param(6, 0, id="narrower-than-the-columns"),
    ],
)
def test_position_features_refuse_a_column_outside_the_table(out_width: int, column: int) -> None:
    """Its seven columns must fit in the table from `column` on."""
    table = np.empty(3 * out_width, dtype=np.float32)
    with pytest.raises(ValueError):
        _kernels.position_features(np.zeros(3), np.zeros(3), 3, table, out_width, column)
    _kernels.position_features(np.zeros(3), np.zeros(3), 3, np.empty(24, dtype=np.float32), 8, 1)


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"edge_starts": []}, id="no-edge-starts"),
        pytest.param({"feature_items": 3}, id="features-short"),
        pytest.param({"feature_items": 5}, id="features-long"),
        pytest.param({"table_starts": [0]}, id="table-starts-short"),
        pytest.param({"table_starts": [0, 2, 3]}, id="table-starts-long"),
        pytest.param({"contribution_items": 3}, id="contributions-short"),
        pytest.param({"logit_items": 3}, id="logits-long"),
        pytest.param({"edge_starts": [0, 1, 3]}, id="edges-past-the-end"),
        pytest.param({"edge_starts": [0, 2, 1]}, id="edge-starts-unsorted"),
        pytest.param({"edge_starts": [-1, 1, 2]}, id="edge-start-negative"),
        pytest.param({"edges": np.zeros(1)}, id="edges-short"),
        pytest.param({"table_starts": [0, 3]}, id="values-past-the-end"),
        pytest.param({"table_starts": [-1, 2]}, id="table-start-negative"),
        pytest.param(
            {"count": -1, "feature_items": 0, "contribution_items": 0, "logit_items": 0},
            id="negative-count",
        ),
    ],
)
def test_additive_scores_refuses_bad_tables(arguments: dict[str, Any]) -> None:
    """The tables index each other: no index may point outside them."""
    with pytest.raises(ValueError):
        additive_call(**arguments)


def test_step_tables_refuse_features_of_another_width() -> None:
    with pytest.raises(ValueError):
        kernels.StepTables([[0.0], [1.0]], [[1.0, 2.0], [3.0, 4.0]]).scores(np.zeros((4, 3)), 0.0)


@pytest.mark.parametrize(
    ("contributions", "keep", "count", "width", "out"),
    [
        pytest.param(6, 2, 2, 3, 8, id="k-larger-than-width"),
        pytest.param(20, 2, 2, 10, 18, id="k-larger-than-8"),
        pytest.param(6, 3, 2, 3, 4, id="keep-long"),
        pytest.param(5, 2, 2, 3, 4, id="contributions-short"),
        pytest.param(6, 2, 2, 3, 3, id="out-not-whole-rows"),
        pytest.param(0, 2, 2, 0, 0, id="no-column"),
        pytest.param(0, 0, -1, 3, 0, id="negative-count"),
    ],
)
def test_strongest_columns_refuses_bad_arguments(
    contributions: int, keep: int, count: int, width: int, out: int
) -> None:
    """k comes from out's length: it must be whole rows, at most width and 8."""
    with pytest.raises(ValueError):
        _kernels.strongest_columns(
            np.zeros(contributions), np.ones(keep, dtype=np.uint8), count, width, np.empty(out, I64)
        )


def test_the_strongest_columns_wrapper_refuses_more_columns_than_there_are() -> None:
    with pytest.raises(ValueError):
        kernels.strongest_columns(np.zeros((3, 2)), np.ones(3, dtype=bool), 3)


@pytest.mark.parametrize(
    ("page", "count", "phrases", "out"),
    [
        pytest.param(b"a\nb\nc", 2, (b"a",), 2, id="more-newlines"),
        pytest.param(b"a\nb", 3, (b"a",), 3, id="fewer-newlines"),
        pytest.param(b"abc", 3, (b"x",), 3, id="fewer-newlines-no-match"),
        pytest.param(b"", 0, (b"a",), 0, id="no-segment"),
        pytest.param(b"a\nb", 2, (b"a",), 3, id="out-long"),
        pytest.param(b"a\nb", 2, (b"",), 2, id="empty-phrase"),
        pytest.param(b"a\nb", 2, (b"a\nb",), 2, id="phrase-with-newline"),
        pytest.param(b"a\nb", 2, ("a",), 2, id="phrase-not-bytes"),
    ],
)
def test_phrase_counts_refuses_bad_arguments(
    page: bytes, count: int, phrases: tuple[Any, ...], out: int
) -> None:
    with pytest.raises(ValueError):
        _kernels.phrase_counts(page, count, phrases, np.empty(out, dtype=np.float32))


# Counts so large that count * width * item size overflows Py_ssize_t and wraps to the length
# of an empty buffer: the length checks must not be fooled into running the loops. Each call
# runs in a child process, so a crash fails one test instead of ending the run, and writes into
# zero-length views of zeroed guard arrays, so a write past the buffer shows.
OVERFLOWING_CALLS = [
    pytest.param(
        "_kernels.text_counts(b'abc', bytes(256), bytes(256), bytes(65536), 2**60, guard64[:0])",
        id="text-counts",
    ),
    pytest.param(
        "_kernels.position_features(np.empty(0), np.empty(0), 2**62, guard32[:0])",
        id="position-features",
    ),
    pytest.param(
        "_kernels.context_columns(np.empty(0), 2**32, 2**32, (1,), guard32[:0], 3, 0)",
        id="context-columns",
    ),
    pytest.param(
        "_kernels.context_columns(np.empty(0), 0, 2**62, (1,), guard32[:0], 2**62, 0)",
        id="context-columns-wide",
    ),
    pytest.param(
        "_kernels.additive_scores(np.empty(0, np.float32), 2**61, np.zeros(0),"
        " np.zeros(9, np.int64), np.zeros(8), np.zeros(8, np.int64), 0.0, guard64[:0],"
        " guard64[:0])",
        id="additive-scores",
    ),
    pytest.param(
        "_kernels.strongest_columns(np.empty(0), np.empty(0, np.uint8), 2**61, 8, guard64[:0]"
        ".view(np.int64))",
        id="strongest-columns",
    ),
    pytest.param(
        "_kernels.phrase_counts(b'abc', 2**62, (b'a',), guard32[:0])",
        id="phrase-counts",
    ),
]


def run_in_a_child(statement: str) -> subprocess.CompletedProcess[str]:
    """Runs the statement; prints ValueError if it raised one, then whether the guards kept
    their zeros."""
    script = (
        "import sys\nimport numpy as np\nfrom worker.core import _kernels, kernels\n"
        "guard64, guard32 = np.zeros(64), np.zeros(64, dtype=np.float32)\n"
        f"try:\n    {statement}\nexcept ValueError:\n    print('ValueError')\n"
        "print('untouched' if not (guard64.any() or guard32.any()) else 'written')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )


@pytest.mark.parametrize("statement", OVERFLOWING_CALLS)
def test_overflowing_counts_are_refused(statement: str) -> None:
    """A count from outside must not buy a write past the buffers."""
    child = run_in_a_child(statement)
    assert (child.returncode, child.stdout) == (0, "ValueError\nuntouched\n"), child.stderr[-2000:]


def test_a_radius_near_the_largest_integer_means_the_whole_page() -> None:
    """A window that reaches past both edges is the whole page, however wide it is."""
    child = run_in_a_child(
        "values = np.arange(5.0).reshape(5, 1)\n"
        "    table = np.empty((5, 3), dtype=np.float32)\n"
        "    kernels.context_columns(values, (sys.maxsize,), table, 0)\n"
        "    print(table[:, 0].tolist() == [values.sum() / 5] * 5)"
    )
    expected = ("True\nuntouched\n", "ValueError\nuntouched\n")
    assert child.returncode == 0 and child.stdout in expected, child
