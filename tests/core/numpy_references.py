"""The numpy (and regex) definitions the compiled kernels replaced; the kernels' tests in
tests/core (test_*kernel*.py, test_page_layout.py) check the kernels give these results to
the bit. By the kernels they stand for: feature_references.py (the text and context features),
score_references.py (the model, the reasons, the page's cut) and html_references.py (an HTML
page's hints, structure columns, main container and layout); this module has what they
share.

Copied from commit cdc82af (worker/core/features.py, model.py, classify.py, decision.py and
html_segments.py) and kept as plain as they were. Departures, all on purpose, are listed
where they are made; one is made here:

- log1p, expm1, log10, exp, log and powers of ten are the C library's (Python's math module,
  which calls libm as the kernels do), not numpy's: on CPUs with AVX-512 numpy switches to
  SIMD versions of these that land up to an ulp away from libm, which made the kernels and
  numpy disagree there, and only there, in the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Float64 = npt.NDArray[np.float64]
Float32 = npt.NDArray[np.float32]
Int64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


def _libm(function: Callable[[float], float]) -> Callable[[npt.ArrayLike], Float64]:
    """`function` elementwise, as the C library computes it (see the module's docstring)."""
    elementwise = np.frompyfunc(function, 1, 1)

    def apply(values: npt.ArrayLike) -> Float64:
        result: Float64 = np.asarray(elementwise(values), dtype=np.float64)
        return result

    return apply


log1p = _libm(math.log1p)
expm1 = _libm(math.expm1)
log10 = _libm(math.log10)
exp = _libm(math.exp)
log = _libm(math.log)
power_of_ten = _libm(lambda exponent: math.pow(10.0, exponent))
