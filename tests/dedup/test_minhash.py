"""MinHash signatures and bands (worker/core/minhash.py) on the fixtures' gold texts."""

from __future__ import annotations

import random
import zlib

import minhash_reference as reference
import numpy as np
import pytest
from datasketch import MinHash
from dedup_articles import gold_texts, near_copy

from worker.core import _minhash
from worker.core.minhash import (
    LshParams,
    band_keys,
    estimated_jaccard,
    exact_jaccard,
    permutations,
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
    """The compiled min-hash gives datasketch's affine32 values to the bit, for texts of
    every length and other seeds and sizes."""
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


# Words the C tokenizer must split as re's `\w+` does after NFKC and case folding: marks
# that compose, ligatures and fullwidth forms that NFKC unfolds, letters case folding
# changes (ß, final sigma, dotted I), digits and numbers of other scripts, astral letters,
# an underscore inside and around words, a lone surrogate (not a word character).
UNICODE_TEXTS = [
    "Cafe\u0301 CAFÉ café ﬁne ﬂow Ｆｕｌｌｗｉｄｔｈ ＡＢＣ１２３",
    "Straße STRASSE ΣΟΦΟΣ σοφος ς İstanbul ǅemal ǈ ǋ",
    "x² ³ ½ Ⅻ ٣٤٥ ४२ ௰ snake_case __init__ _ a_",
    "日本語のテキスト、漢字とかな。中文文本，标点。 한국어 텍스트",
    "😀 emoji 𝐀𝐁𝐂 𝒳 𐐀𐐨 math bold, lone \ud800 surrogate",
    "«quotes» “curly” — dash – en‑dash… ellipsis\u00a0nbsp\u2009thin",
    "ALL ASCII UPPER CASE Words, With Punctuation! And-hyphens; digits 123 456.",
]


def _random_texts(count: int, seed: int) -> list[str]:
    """Random texts over a pool of code points of many categories (letters of several
    scripts, marks, digits, separators, punctuation, symbols, astral planes)."""
    rng = random.Random(seed)
    pool = [
        *map(chr, range(0x20, 0x7F)),
        *map(chr, range(0xA0, 0x250)),
        *map(chr, range(0x300, 0x370)),
        *map(chr, range(0x370, 0x400)),
        *map(chr, range(0x660, 0x66A)),
        *map(chr, range(0x2000, 0x2070)),
        *map(chr, range(0x2150, 0x2190)),
        *map(chr, range(0x3040, 0x30A0)),
        *map(chr, range(0xFB00, 0xFB07)),
        *map(chr, range(0xFF01, 0xFF5F)),
        *map(chr, range(0x1D400, 0x1D440)),
        *map(chr, range(0x1F600, 0x1F610)),
        " ",
        " ",
        "\n",
    ]
    return ["".join(rng.choices(pool, k=rng.randrange(0, 400))) for _ in range(count)]


@pytest.mark.parametrize("shingle_words", [1, 3, 5, 9])
def test_compiled_path_is_the_python_definition_to_the_bit(shingle_words: int) -> None:
    """_minhash.c against tests/dedup/minhash_reference.py: the same shingle set and the same
    signature values, on gold texts, Unicode edge cases, random texts, short and long ones."""
    long_text = " ".join(f"w{n % 9973} X{n % 7}" for n in range(12_000))
    texts = [
        *(t for _, t in TEXTS[:20]),
        *UNICODE_TEXTS,
        *_random_texts(200, seed=shingle_words),
        "",
        "   ",
        "one",
        "two words",
        long_text,
    ]
    params = LshParams(shingle_words=shingle_words)
    for text in texts:
        assert np.array_equal(
            shingle_hashes(text, shingle_words), reference.shingle_hashes(text, shingle_words)
        ), text
        assert np.array_equal(signature(text, params), reference.signature(text, params)), text
    other = LshParams(num_perm=64, bands=8, seed=7, shingle_words=shingle_words)
    for text in UNICODE_TEXTS:
        assert np.array_equal(signature(text, other), reference.signature(text, other))


def test_the_tokenizer_reads_words_as_the_regex_does() -> None:
    """One-word shingles: the set of hashes is the set of the regex's words' CRC-32s."""
    for text in [*UNICODE_TEXTS, *_random_texts(100, seed=99)]:
        words = reference.words_of(text)
        expected = np.unique(np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint32))
        assert np.array_equal(shingle_hashes(text, 1), expected), text


def test_compiled_path_rejects_bad_arguments() -> None:
    a, b = permutations(128, 1)
    out = np.empty(128, dtype=np.uint32)
    with pytest.raises(ValueError, match="shingle_words"):
        _minhash.signature("text", 0, a, b, out)
    with pytest.raises(ValueError, match="same length"):
        _minhash.signature("text", 5, a, b[:64], out)
    with pytest.raises(ValueError, match="uint32"):
        _minhash.signature("text", 5, a, b, np.empty(128, dtype=np.uint64))
    with pytest.raises(TypeError):
        _minhash.shingles(b"bytes", 5)  # type: ignore[arg-type]
