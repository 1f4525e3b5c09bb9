"""Typed entry points to the kernels that do the work of a whole stage in one call, where
the stage was a handful of kernel calls glued by numpy (kernels.py has the others and says
why they are compiled): what goes before each segment's reasons (kernels_c/reason_marks.c).
For a page of a few hundred lines, the calls, temporaries and copies of that glue cost as
much as a kernel.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from worker.core import _kernels

Float64 = npt.NDArray[np.float64]
Float32 = npt.NDArray[np.float32]


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
