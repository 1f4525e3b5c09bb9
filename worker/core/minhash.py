"""MinHash signatures of article text and their LSH bands, without Kafka.

    article text --tokens--> words --shingles--> 5-word shingle hashes --MinHash--> signature
    signature --bands--> one key per band: pages that share a key are candidates

Text is normalised before shingling, so whitespace, case, punctuation and Unicode forms do
not count: tokens are `\\w+` runs of the NFKC-normalised, case-folded text (the word
definition of the project's word-F1). A shingle is five consecutive words (as in
datatrove's MinHash deduplication); a text shorter than that is one shingle.

The permutations are datasketch's (`MinHash`, scheme "affine32": uint32 values, the
MurmurHash3 finalizer once per shingle, then one multiply-add per shingle and permutation).
Its `update_batch` hashes and converts every value in Python, most of a signature's cost,
so the words, their hashes, the shingles and the min-hash run in C (_minhash.c): the
values are datasketch's to the bit, and those of the Python and numpy definitions kept in
tests/dedup/minhash_reference.py (tests/dedup/test_minhash.py compares all three). A
shingle's hash comes from one CRC-32 per word, which keeps a signature stable across
processes and Python versions (the built-in `hash` is salted per process).

The estimated Jaccard similarity of two signatures is the share of positions where they
agree; with 128 permutations its standard error at 0.8 is sqrt(0.8 * 0.2 / 128) = 0.035.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from worker.core import _minhash

NUM_PERM = 128
BANDS = 16  # 16 bands of 8 rows: a pair at Jaccard 0.8 shares a band with p = 0.947
SHINGLE_WORDS = 5
SEED = 1
SIGNATURE_DTYPE = np.dtype("<u4")  # little-endian on the wire, whatever the host


@dataclass(frozen=True, slots=True)
class LshParams:
    """How a signature is made and cut into bands; every process of a job must agree."""

    num_perm: int = NUM_PERM
    bands: int = BANDS
    shingle_words: int = SHINGLE_WORDS
    seed: int = SEED

    def __post_init__(self) -> None:
        if self.num_perm <= 0 or self.bands <= 0 or self.num_perm % self.bands:
            raise ValueError(
                f"num_perm ({self.num_perm}) must be a positive multiple of bands ({self.bands})"
            )
        if self.shingle_words <= 0:
            raise ValueError("shingle_words must be > 0")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    def candidate_probability(self, jaccard: float) -> float:
        """The chance that two texts of this Jaccard similarity share at least one band."""
        return float(1.0 - (1.0 - jaccard**self.rows) ** self.bands)


def normalised(text: str) -> str:
    """The text as its words are read: NFKC, case-folded. All-ASCII text is returned as it
    is (both are the identity there but for A-Z, which the C code lowercases)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text).casefold()


def shingle_hashes(text: str, shingle_words: int = SHINGLE_WORDS) -> np.ndarray:
    """One 32-bit hash per distinct shingle of `shingle_words` consecutive words (a sorted
    uint32 array; empty for a text without words)."""
    shingles = np.frombuffer(_minhash.shingles(normalised(text), shingle_words), dtype=np.uint32)
    return np.unique(shingles)  # a set: repeated shingles count once


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations (a, b), made once per (num_perm, seed): ~0.1 ms."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def signature(text: str, params: LshParams = LshParams()) -> np.ndarray:
    """The MinHash signature of `text`: `num_perm` uint32 values. A text without words gets
    the signature of the empty set (all values at their maximum)."""
    a, b = permutations(params.num_perm, params.seed)
    result = np.empty(params.num_perm, dtype=np.uint32)
    _minhash.signature(normalised(text), params.shingle_words, a, b, result)
    return result.astype(SIGNATURE_DTYPE, copy=False)


def band_keys(sig: np.ndarray, params: LshParams = LshParams()) -> list[str]:
    """One key per band, "<band>:<16 hex digits>": pages whose keys agree in some band are
    candidate near-duplicates."""
    rows = params.rows
    raw = np.ascontiguousarray(sig, dtype=SIGNATURE_DTYPE).tobytes()
    step = rows * SIGNATURE_DTYPE.itemsize
    return [
        f"{band}:{hashlib.blake2b(raw[band * step : (band + 1) * step], digest_size=8).hexdigest()}"
        for band in range(params.bands)
    ]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of positions where the signatures agree: an unbiased estimate of the
    Jaccard similarity of the two shingle sets."""
    if a.shape != b.shape:
        raise ValueError(f"signatures of different lengths: {a.shape} and {b.shape}")
    return float(np.count_nonzero(a == b)) / len(a)


def exact_jaccard(text_a: str, text_b: str, shingle_words: int = SHINGLE_WORDS) -> float:
    """The true Jaccard similarity of the two texts' shingle sets (for evaluation)."""
    a = shingle_hashes(text_a, shingle_words)
    b = shingle_hashes(text_b, shingle_words)
    union = len(np.union1d(a, b))
    return len(np.intersect1d(a, b, assume_unique=True)) / union if union else 1.0


def signature_to_bytes(sig: np.ndarray) -> bytes:
    return np.ascontiguousarray(sig, dtype=SIGNATURE_DTYPE).tobytes()


def signature_from_bytes(data: bytes, params: LshParams = LshParams()) -> np.ndarray:
    expected = params.num_perm * SIGNATURE_DTYPE.itemsize
    if len(data) != expected:
        raise ValueError(f"a signature is {expected} bytes, got {len(data)}")
    return np.frombuffer(data, dtype=SIGNATURE_DTYPE)
