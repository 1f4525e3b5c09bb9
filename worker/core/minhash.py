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
so the same arithmetic runs here in numpy over all the shingles at once: the values are
datasketch's to the bit (tests/dedup/test_minhash.py compares them). The shingle hashes
are computed with numpy from one CRC-32 per word, which keeps a signature stable across
processes and Python versions (the built-in `hash` is salted per process).

The estimated Jaccard similarity of two signatures is the share of positions where they
agree; with 128 permutations its standard error at 0.8 is sqrt(0.8 * 0.2 / 128) = 0.035.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS = 16  # 16 bands of 8 rows: a pair at Jaccard 0.8 shares a band with p = 0.947
SHINGLE_WORDS = 5
SEED = 1
SIGNATURE_DTYPE = np.dtype("<u4")  # little-endian on the wire, whatever the host

_WORD = re.compile(r"\w+")
_CHUNK = 4096  # shingles per block of the vectorised min-hash (2 MB with 128 permutations)
# Odd 64-bit multiplier of the rolling shingle hash (the golden-ratio constant).
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


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


def words_of(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingle_hashes(text: str, shingle_words: int = SHINGLE_WORDS) -> np.ndarray:
    """One 32-bit hash per shingle of `shingle_words` consecutive words (uint32 array;
    empty for a text without words)."""
    words = words_of(text)
    if not words:
        return np.empty(0, dtype=np.uint32)
    word_hashes = np.fromiter(
        map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words)
    )
    width = min(shingle_words, len(words))
    count = len(words) - width + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrap-around is the point
        for offset in range(width):
            combined = combined * _SHINGLE_MULTIPLIER + word_hashes[offset : offset + count]
    folded = (combined >> np.uint64(32)) ^ (combined & np.uint64(0xFFFFFFFF))
    return np.unique(folded.astype(np.uint32))  # a set: repeated shingles count once


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations (a, b), made once per (num_perm, seed): ~0.1 ms."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, as datasketch pre-mixes each input hash."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    mixed: np.ndarray = values ^ (values >> np.uint32(16))
    return mixed


def signature(text: str, params: LshParams = LshParams()) -> np.ndarray:
    """The MinHash signature of `text`: `num_perm` uint32 values. A text without words gets
    the signature of the empty set (all values at their maximum)."""
    a, b = _permutations(params.num_perm, params.seed)
    shingles = shingle_hashes(text, params.shingle_words)
    if not len(shingles):
        return np.full(params.num_perm, np.iinfo(np.uint32).max, dtype=SIGNATURE_DTYPE)
    result = np.full(params.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    with np.errstate(over="ignore"):  # uint32 wrap-around is the modulo 2^32
        mixed = _fmix32(shingles)
        # (num_perm x shingles) blocks, reduced along their contiguous rows; in chunks, as
        # the block of a book-length text would be ~50 MB.
        for start in range(0, len(mixed), _CHUNK):
            permuted = np.multiply.outer(a, mixed[start : start + _CHUNK])
            permuted += b[:, np.newaxis]
            np.minimum(result, permuted.min(axis=1), out=result)
    return result.astype(SIGNATURE_DTYPE)


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
