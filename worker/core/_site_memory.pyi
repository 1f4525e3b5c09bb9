# The compiled module's signatures; site_memory.py is the typed way in.
from typing import Any

import numpy.typing as npt

def fingerprints(texts: list[str], out: npt.NDArray[Any]) -> None: ...
def joined_fingerprints(page: bytes, count: int, out: npt.NDArray[Any]) -> None: ...
def update(
    profile: bytes | None,
    page: npt.NDArray[Any],
    url: int,
    window: int,
    max_fingerprints: int,
    counts: npt.NDArray[Any],
) -> tuple[int, int, bytes]: ...
