"""What the tests of the compiled kernels (worker/core/kernels.py, html_kernels.py,
kernels_c/) share: the fixture pages and their segments, the hypothesis settings and
assert_bit_equal.

Those tests show that the kernels give the results of the numpy definitions they replaced
(feature_references.py, score_references.py, html_references.py) to the bit, and refuse bad
arguments with ValueError instead of reading or writing past a buffer. Bit-exact: the models
were trained and their figures measured on the numpy features; a kernel one rounding off
would move scores near the cut and the accuracy figures with them.

By the file of kernels_c/ whose kernels they test: test_text_feature_kernels.py
(text_features.c), test_context_feature_kernels.py (context_features.c),
test_model_kernels.py (model.c), test_reason_kernels.py (reasons.c), test_rule_kernels.py
(rules.c's page_cut), test_html_text_kernels.py (html_text.c, needles.c),
test_raw_page_kernels.py and test_record_kernels.py (records.c), test_structure_kernels.py
(structure.c, containers.c, line_starts.c, line_words.c), test_page_layout.py (layout.c) and
test_markdown_kernel.py (markdown.c and markdown_blocks.c, against
markdown.python_markdown); test_kernel_arguments.py checks the arguments of the first four's
kernels, counts that overflow included.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import feature_references as reference
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, settings

from worker.core.segments import PageSegments, segment_page
from worker.core.verdict import ContentType
from worker.learn.dataset import LabelledPage, Mode, load_pages

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
CONTENT_TYPES: dict[Mode, ContentType] = {"html": "text/html", "text": "text/plain"}
KERNEL_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def assert_bit_equal(actual: npt.NDArray[Any], expected: npt.NDArray[Any]) -> None:
    """Same dtype, shape and values, NaN where NaN is, and zeros of the same sign (which
    np.array_equal alone does not check)."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    same = np.array_equal(actual, expected, equal_nan=actual.dtype.kind == "f")
    if same and actual.dtype.kind == "f":
        numbers = ~np.isnan(expected)
        same = np.array_equal(np.signbit(actual[numbers]), np.signbit(expected[numbers]))
    if not same:
        differs = (actual != expected) & ~(np.isnan(actual) & np.isnan(expected))
        if actual.dtype.kind == "f":
            differs |= np.signbit(actual) != np.signbit(expected)
            differs &= ~(np.isnan(actual) & np.isnan(expected))
        where = tuple(int(i) for i in np.argwhere(differs)[0])
        pytest.fail(
            f"{int(differs.sum())} of {actual.size} differ; first at {where}: "
            f"kernel {actual[where]!r} ({float(actual[where]).hex()}), "
            f"numpy {expected[where]!r} ({float(expected[where]).hex()})"
        )


def encoded_page(texts: list[str]) -> bytes:
    """The page as the feature code hands it to the kernels."""
    return "\n".join(texts).encode("utf-8", "surrogatepass")


# --- the fixture pages: every text dump and every HTML page's segments ------------------------


@cache
def fixture_pages() -> dict[tuple[Mode, str], LabelledPage]:
    modes: tuple[Mode, ...] = ("html", "text")
    return {(mode, page.page_id): page for mode in modes for page in load_pages(FIXTURE, mode)}


FIXTURE_PAGES = [pytest.param(*key, id="-".join(key)) for key in fixture_pages()]


@cache
def fixture_segments(mode: Mode, page_id: str) -> PageSegments:
    segments = segment_page(fixture_pages()[mode, page_id].body(mode), CONTENT_TYPES[mode])
    assert len(segments) > 0 and all(segments.texts)
    return segments


@cache
def fixture_text_features(mode: Mode, page_id: str) -> npt.NDArray[np.float64]:
    texts = fixture_segments(mode, page_id).texts
    return reference.text_counts(encoded_page(texts), len(texts))
