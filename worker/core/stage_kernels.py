"""Typed entry points to the kernels that do the work of a whole stage in one call, where
the stage was a handful of kernel calls glued by numpy (kernels.py has the others and says
why they are compiled): a page's feature table (kernels_c/feature_table.c), the smoothing
stage (kernels_c/smoothing_stage.c) and what goes before each segment's reasons
(kernels_c/reason_marks.c). For a page of a few hundred lines, the calls, temporaries and
copies of that glue cost as much as a kernel.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from worker.core import _kernels
from worker.core.kernels import ReasonTexts, StepTables

Float64 = npt.NDArray[np.float64]
Float32 = npt.NDArray[np.float32]


def feature_reasons(
    texts: ReasonTexts,
    contributions: Float64,
    keep: npt.NDArray[np.bool_],
    features: Float32,
    columns: int,
) -> list[tuple[str, ...]]:
    """texts.rows(chosen, kernels.rounded_values(features, chosen)) of chosen =
    kernels.strongest_columns(contributions, keep, columns): each segment's reasons from its
    features, in one call."""
    caches, describe, names, limit = texts.caches()
    return _kernels.feature_reasons(
        np.ascontiguousarray(contributions, dtype=np.float64),
        np.ascontiguousarray(keep, dtype=np.uint8),
        np.ascontiguousarray(features, dtype=np.float32),
        caches,
        describe,
        names,
        columns,
        limit,
    )


class PrefixWords(NamedTuple):
    """The reasons reason_prefixes puts before a segment's features, but for a rule's."""

    held_back: str  # a comment held back from the cut
    cut: str  # the page's cut kept it
    inside: str  # neighbours: inside a run of article text
    surrounded: str  # neighbours: surrounded by rejected segments


def reason_prefixes(
    reasons: list[tuple[str, ...]],
    keep: npt.NDArray[np.bool_],
    scores: Float64,
    shift: Float64,
    held: npt.NDArray[np.bool_],
    ruled: dict[int, str],
    bars: tuple[float, float, float],
    words: PrefixWords,
) -> None:
    """Puts, in place, before each segment's reasons: ruled[i] if there, else
    words.held_back if held[i]; words.cut if keep[i] and cut <= scores[i] < always_kept;
    words.inside if keep[i] and shift[i] > shift_bar, words.surrounded if not keep[i] and
    shift[i] < -shift_bar. bars: cut, always_kept, shift_bar."""
    _kernels.reason_prefixes(
        reasons,
        np.ascontiguousarray(keep, dtype=np.uint8),
        np.ascontiguousarray(scores, dtype=np.float64),
        np.ascontiguousarray(shift, dtype=np.float64),
        np.ascontiguousarray(held, dtype=np.uint8),
        ruled,
        *bars,
        words,
    )


def feature_table(
    page: bytes,
    count: int,
    byte_tables: tuple[bytes, bytes, bytes],
    phrases: tuple[bytes, ...],
    log1p_counts: Float32,
    structure: Float32,
    sources: tuple[tuple[int, ...], tuple[int, ...], tuple[int, int]],
    radii: tuple[int, ...],
    out: Float32,
) -> bool:
    """A page's feature table (features.page_features) in `out`, C-contiguous float32,
    from the UTF-8 `page` of its `count` segments joined by newlines: the text counts (by
    the class, sentence-end and code point tables), the `phrases` counts, log1p_counts[n]
    for a segment repeated n more times, the `structure` columns, the context columns of
    the text and structure columns `sources` names (then the columns of log_words and
    ends_sentence, for the position columns) over `radii`, and the position columns. False,
    `out` not to be used, on a page the phrase counts cannot read or with a count past
    log1p_counts: kernels.text_counts and the others, one by one, then."""
    if out.dtype != np.float32 or out.ndim != 2 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float32 table")
    table = np.ascontiguousarray(structure, dtype=np.float32)
    found: bool = _kernels.feature_table(
        page,
        count,
        *byte_tables,
        phrases,
        np.ascontiguousarray(log1p_counts, dtype=np.float32),
        table,
        table.shape[1],
        *sources,
        radii,
        out,
    )
    return found


def smoothing_logits(
    exp_negative: Float64,
    local_logits: Float64,
    log_words: Float32,
    radii: tuple[int, ...],
    tables: StepTables,
    bias: float,
    features: Float32 | None = None,
) -> Float64:
    """The logits of the additive model of `tables` and `bias` on
    features.smoothing_features(local_logits, log_words), whose scores are 1 / (1 +
    exp_negative) (model.negative_exp(local_logits): numpy's exp). Those features go to
    `features` (C-contiguous float32) if given."""
    logits = np.ascontiguousarray(local_logits, dtype=np.float64)
    out = np.empty(logits.shape[0])
    _kernels.smoothing_logits(
        np.ascontiguousarray(exp_negative, dtype=np.float64),
        logits,
        np.ascontiguousarray(log_words, dtype=np.float32),
        radii,
        tables.edges,
        tables.edge_starts,
        tables.values,
        tables.value_starts,
        bias,
        out,
        *(() if features is None else (features,)),
    )
    return out
