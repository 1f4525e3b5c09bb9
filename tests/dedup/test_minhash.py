"""MinHash signatures and bands (worker/core/minhash.py) on the fixtures' gold texts."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from dedup_articles import gold_texts, near_copy

from worker.core.minhash import (
    LshParams,
    band_keys,
    estimated_jaccard,
    exact_jaccard,
    shingle_hashes,
    signature,
    signature_from_bytes,
    signature_to_bytes,
)

TEXTS = gold_texts()


def test_case_punctuation_whitespace_and_unicode_forms_do_not_count() -> None:
    text = TEXTS[0][1]
    variant = "  " + text.upper().replace(" ", "\t ").replace(".", " ;") + "\n"
    assert np.array_equal(signature(text), signature(variant))
    assert np.array_equal(signature("café au lait"), signature("cafe\u0301 AU lait"))


def test_signature_is_stable_and_round_trips_through_bytes() -> None:
    sig = signature(TEXTS[1][1])
    assert sig.dtype == np.dtype("<u4") and sig.shape == (128,)
    assert np.array_equal(signature(TEXTS[1][1]), sig)
    assert np.array_equal(signature_from_bytes(signature_to_bytes(sig)), sig)
    with pytest.raises(ValueError, match="512 bytes"):
        signature_from_bytes(b"\0" * 10)


def test_signature_is_datasketchs_minhash_of_the_shingle_hashes() -> None:
    """The vectorised min-hash gives datasketch's affine32 values to the bit, for texts of
    every length (a long one spans several blocks) and other seeds and sizes."""
    long_text = " ".join(f"w{n % 9973} x{n % 7}" for n in range(12_000))
    for params in (LshParams(), LshParams(num_perm=64, bands=8, seed=7)):
        for text in [*(t for _, t in TEXTS[:12]), "two words", long_text]:
            reference = MinHash(
                num_perm=params.num_perm,
                seed=params.seed,
                hashfunc=lambda value: value,
                scheme="affine32",
            )
            reference.update_batch(shingle_hashes(text).tolist())
            assert np.array_equal(signature(text, params), reference.hashvalues)
    empty = signature("")
    assert empty.shape == (128,) and (empty == np.iinfo(np.uint32).max).all()


def test_estimate_follows_the_exact_jaccard_of_near_copies_and_distinct_texts() -> None:
    errors = []
    for n, (_, text) in enumerate(TEXTS[:30]):
        copy = near_copy(text, ("boilerplate", "trimmed", "whitespace")[n % 3], n)
        exact = exact_jaccard(text, copy)
        errors.append(estimated_jaccard(signature(text), signature(copy)) - exact)
        other = TEXTS[n + 1][1]
        assert estimated_jaccard(signature(text), signature(other)) < 0.3
    # standard error at 128 permutations is <= 0.045; the mean error near 0 (unbiased)
    assert max(abs(e) for e in errors) < 0.15
    assert abs(float(np.mean(errors))) < 0.03


def test_short_and_empty_texts() -> None:
    assert len(shingle_hashes("two words")) == 1  # shorter than a shingle: one shingle
    assert len(shingle_hashes("")) == 0
    assert estimated_jaccard(signature("two words"), signature("Two, words!")) == 1.0
    assert estimated_jaccard(signature(""), signature("two words")) == 0.0


def test_bands_cut_the_signature_and_near_copies_share_one() -> None:
    params = LshParams()
    assert (params.bands, params.rows) == (16, 8)
    text = TEXTS[2][1]
    keys = band_keys(signature(text), params)
    assert len(keys) == 16 and len(set(keys)) == 16
    assert [k.split(":")[0] for k in keys] == [str(b) for b in range(16)]
    copy_keys = band_keys(signature(near_copy(text, "boilerplate", 1)), params)
    assert set(keys) & set(copy_keys)
    assert params.candidate_probability(0.8) == pytest.approx(0.947, abs=0.001)
    with pytest.raises(ValueError, match="multiple of bands"):
        LshParams(num_perm=128, bands=12)
