"""The MinHash signature's Python and numpy definitions, which worker/core/_minhash.c
replaced (tests/dedup/test_minhash.py compares them, to the bit; datasketch's `MinHash`
checks the min-hash itself).

    text --NFKC, casefold, `\\w+`--> words --zlib.crc32 of the UTF-8--> word hashes
    5 consecutive word hashes --rolling 64-bit hash, folded to 32 bits--> shingle hashes
    shingle hashes --fmix32, then a * x + b mod 2^32, min per permutation--> signature
"""

from __future__ import annotations

import re
import unicodedata
import zlib

import numpy as np

from worker.core.minhash import SHINGLE_WORDS, LshParams, permutations

_WORD = re.compile(r"\w+")
_CHUNK = 4096  # shingles per block of the vectorised min-hash (2 MB with 128 permutations)
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def words_of(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingle_hashes(text: str, shingle_words: int = SHINGLE_WORDS) -> np.ndarray:
    """One 32-bit hash per distinct shingle (a sorted uint32 array)."""
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
    return np.unique(folded.astype(np.uint32))


def _fmix32(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, as datasketch pre-mixes each input hash."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    mixed: np.ndarray = values ^ (values >> np.uint32(16))
    return mixed


def signature(text: str, params: LshParams) -> np.ndarray:
    a, b = permutations(params.num_perm, params.seed)
    shingles = shingle_hashes(text, params.shingle_words)
    result = np.full(params.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    with np.errstate(over="ignore"):  # uint32 wrap-around is the modulo 2^32
        mixed = _fmix32(shingles)
        for start in range(0, len(mixed), _CHUNK):
            permuted = np.multiply.outer(a, mixed[start : start + _CHUNK])
            permuted += b[:, np.newaxis]
            np.minimum(result, permuted.min(axis=1), out=result)
    return result.astype("<u4")
