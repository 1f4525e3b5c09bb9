# The compiled module's signatures; minhash.py is the typed way in.
from typing import Any

import numpy.typing as npt

def shingles(text: str, shingle_words: int) -> bytes: ...
def signature(
    text: str,
    shingle_words: int,
    a: npt.NDArray[Any],
    b: npt.NDArray[Any],
    out: npt.NDArray[Any],
) -> int: ...
