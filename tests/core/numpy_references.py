"""The numpy (and regex) definitions the compiled kernels replaced; the kernels' tests in
tests/core (test_*kernel*.py, test_page_layout.py) check the kernels give these results to
the bit.

Copied from commit cdc82af (worker/core/features.py, model.py, classify.py, decision.py and
html_segments.py) and kept as plain as they were. Departures, all on purpose:

- the additive model looks every feature up in its own thresholds; the old code shifted the
  features into disjoint ranges (offsets of 1e6, values clipped to +-5e5) to serve them all
  with one searchsorted, and the shift rounded values and thresholds near each other;
- the reason columns come from a stable argsort, so of equal contributions the lower column
  comes first, as kernels_c/reasons.c documents (the old default sort left ties to chance);
- the page's cut sums its expected reference pairwise (np.sum), not by a BLAS dot product;
- log1p, expm1, log10, exp, log and powers of ten are the C library's (Python's math module,
  which calls libm as the kernels do), not numpy's: on CPUs with AVX-512 numpy switches to
  SIMD versions of these that land up to an ulp away from libm, which made the kernels and
  numpy disagree there, and only there, in the last bit.

The phrase counts' reference is PhraseCounter.reference_counts in worker/core/phrases.py.

The first structure columns (segment_columns), the main container and the sibling columns
are html_segments' Python and numpy as they were before their port to C (2026-12-03, issue
17's speed): the link density and the flags of the context bits, html_layout.main_container
and the prose summed by block around it, and np.unique with np.bincount by group.

page_layout is worker/core/html_layout.py's numpy version, as the lead wrote it (2026-12-02,
before its port to C); its constants and Layout are imported from there, so a tweak of one
moves both. One departure: the linked cards' log1p is libm's, as above.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from itertools import accumulate, chain

import numpy as np
import numpy.typing as npt

from worker.core.features import (
    _CLASS_TABLE,
    _CODE_POINT_KINDS,
    _COMMA,
    _CONTINUATION,
    _DIGIT,
    _ENDS_SENTENCE,
    _LOWER,
    _MULTIBYTE,
    _OTHER,
    _PIPE,
    _SENTENCE,
    _SPACE,
    _UPPER,
    KIND_COMMA,
    KIND_LOWER,
    KIND_SENTENCE,
    KIND_UPPER,
    KIND_WORD,
)
from worker.core.html_layout import (
    _ANCESTOR_DIVIDERS,
    _CARD_SEGMENTS,
    _HINT_WEIGHT,
    _LINKED_CARD,
    _LINKED_PARAGRAPH,
    _LONG_PARAGRAPH_CHARS,
    _MAX_LENGTH_POINTS,
    _MIN_PARAGRAPH_CHARS,
    Layout,
)
from worker.core.trees import TreeEnsemble

Float64 = npt.NDArray[np.float64]
Float32 = npt.NDArray[np.float32]
Int64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

_CLASS_COUNT = 10  # the byte classes, _SPACE to _CONTINUATION
TEXT_COUNT_COLUMNS = 18  # TEXT_NAMES up to starts_symbol
_PROSE_WORDS = 12


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


def text_counts(page: bytes, count: int) -> Float64:
    """TEXT_NAMES' first 18 columns for the `count` segments of `page`, their UTF-8 joined by
    newlines, as _text_features computed them.

    Every segment needs a byte: the segmenters make no empty segment, and for one the old
    code read a byte of another segment (or past the page).
    """
    data = np.frombuffer(page, dtype=np.uint8)
    classes = np.frombuffer(page.translate(_CLASS_TABLE), dtype=np.uint8)
    newlines = np.flatnonzero(data == 0x0A)
    if newlines.size + 1 != count:
        raise ValueError(f"{count} segments need {count - 1} newlines, not {newlines.size}")
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [data.size]))  # exclusive
    if np.any(ends == starts):
        raise ValueError("an empty segment")
    # Each byte falls in a cell of a (segment, after a space?, byte class) table; a segment owns
    # its bytes and the newline after it. The word starts are the cells after a space whose
    # class is not a space (the page's first byte counts as after one).
    is_space = classes == _SPACE
    after_space = np.empty(data.size, dtype=np.uint8)
    after_space[:1] = _CLASS_COUNT
    np.multiply(is_space[:-1], np.uint8(_CLASS_COUNT), out=after_space[1:])
    row_width = 2 * _CLASS_COUNT
    segment_bytes = np.diff(np.append(starts, data.size))
    row_of_byte = np.repeat(np.arange(0, count * row_width, row_width), segment_bytes)
    cells = row_of_byte + (classes + after_space)
    table = np.bincount(cells, minlength=count * row_width).reshape(count, 2, _CLASS_COUNT)
    word_starts = table[:, 1, :]
    counts = table[:, 0, :] + word_starts
    # All integers (exact in float64 in any order): the same values as float sums of counts.
    words = (word_starts.sum(axis=1) - word_starts[:, _SPACE]).astype(np.float64)
    capitalised = word_starts[:, _UPPER].astype(np.float64)
    chars = np.maximum(segment_bytes - counts[:, _CONTINUATION] - counts[:, _SPACE], 1)
    chars = chars.astype(np.float64)
    letters = (counts[:, _UPPER] + counts[:, _LOWER] + counts[:, _MULTIBYTE]).astype(np.float64)
    letters = np.maximum(letters, 1.0)
    counts = counts.astype(np.float64)
    safe_words = np.maximum(words, 1.0)
    last = data[ends - 1]
    before_last = data[np.maximum(ends - 2, starts)]
    first_class = classes[starts]
    last_class = classes[ends - 1]
    # The characters of two and three bytes, by their kind (features.KIND_*): their case,
    # their sentence marks and commas count as ASCII ones, a CJK character is a word.
    kinds = np.frombuffer(_CODE_POINT_KINDS, dtype=np.uint8)
    wide = np.flatnonzero(classes == _MULTIBYTE)
    wide_kinds = np.array([kinds[_code_point_at(page, p, len(page))] for p in wide.tolist()])
    wide_kinds = wide_kinds.astype(np.uint8).reshape(-1)
    wide_segment = np.searchsorted(starts, wide, side="right") - 1
    wide_after_space = after_space[wide] != 0

    def wide_count(mask: npt.NDArray[np.bool_]) -> Float64:
        return np.bincount(wide_segment[mask], minlength=count).astype(np.float64)

    upper = counts[:, _UPPER] + wide_count((wide_kinds & KIND_UPPER) != 0)
    lower = counts[:, _LOWER] + wide_count((wide_kinds & KIND_LOWER) != 0)
    capitalised += wide_count(wide_after_space & ((wide_kinds & KIND_UPPER) != 0))
    words += wide_count(~wide_after_space & ((wide_kinds & KIND_WORD) != 0))
    safe_words = np.maximum(words, 1.0)
    sentence = counts[:, _SENTENCE] + wide_count((wide_kinds & KIND_SENTENCE) != 0)
    commas = counts[:, _COMMA] + wide_count((wide_kinds & KIND_COMMA) != 0)
    first_kind = np.array(
        [
            kinds[_code_point_at(page, s, e)] if classes[s] == _MULTIBYTE else 0
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
        ]
    ).astype(np.uint8)
    last_kind = np.array(
        [_last_kind(page, s, e, kinds) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    ).astype(np.uint8)
    features = np.empty((count, TEXT_COUNT_COLUMNS))
    features[:, 0] = log1p(chars)
    features[:, 1] = log1p(words)
    features[:, 2] = chars / safe_words
    features[:, 3] = upper / letters
    features[:, 4] = lower / letters
    features[:, 5] = counts[:, _DIGIT] / chars
    features[:, 6] = counts[:, _MULTIBYTE] / chars
    features[:, 7] = sentence / safe_words
    features[:, 8] = commas / safe_words
    features[:, 9] = counts[:, _PIPE]
    features[:, 10] = capitalised / safe_words
    features[:, 11] = _ENDS_SENTENCE[last] | ((last_kind & KIND_SENTENCE) != 0)
    features[:, 12] = last == ord(":")
    features[:, 13] = (last == ord("-")) & (before_last == 0x20)
    features[:, 14] = last_class == _DIGIT
    features[:, 15] = (first_class == _UPPER) | ((first_kind & KIND_UPPER) != 0)
    features[:, 16] = (first_class == _LOWER) | ((first_kind & KIND_LOWER) != 0)
    features[:, 17] = (first_class == _OTHER) | (first_class == _PIPE)
    return features


def _code_point_at(page: bytes, p: int, end: int) -> int:
    """The code point of the character of two or three UTF-8 bytes at page[p], if the bytes
    up to `end` hold one, else 0 (as kernels_c/text_features.c reads them)."""
    raw = page[p : min(p + 3, end)]
    leads = {2: (0xC2, 0xDF, 0x1F), 3: (0xE0, 0xEF, 0x0F)}  # first, last lead byte, its bits
    for length, (first, last, bits) in leads.items():
        if len(raw) < length or not first <= raw[0] <= last:
            continue
        if all(0x80 <= byte <= 0xBF for byte in raw[1:length]):
            value = raw[0] & bits
            for byte in raw[1:length]:
                value = value << 6 | byte & 0x3F
            return value
    return 0


def _last_kind(page: bytes, start: int, end: int, kinds: npt.NDArray[np.uint8]) -> int:
    """The kind of the last character of page[start:end]: its first byte is found by
    stepping back over at most two continuation bytes."""
    p = end - 1
    while p > start and p > end - 3 and 0x80 <= page[p] <= 0xBF:
        p -= 1
    return int(kinds[_code_point_at(page, p, end)]) if page[p] >= 0xC2 else 0


def moving_mean(values: Float64, radius: int) -> Float64:
    """Mean of values[i - radius : i + radius + 1] along axis 0, clipped at the page edges."""
    means: Float64 = moving_means(values, (radius,))[0]
    return means


def moving_means(values: Float64, radii: Sequence[int]) -> Float64:
    """moving_mean for each radius (along the first axis of the result), from one cumulative
    sum.

    Window i sums the rows up to min(i + r, n - 1), less those before max(i - r, 0): cumulative
    sums taken as slices. A window starting at row 0 skips the subtraction (of 0.0 before: x -
    0.0 is x, so the results are those of the plain formula, to the bit). Inside the page a
    window is 2r + 1 rows wide, at its edges r + 1 to 2r.
    """
    count = values.shape[0]
    sums = np.cumsum(values, axis=0)
    window_sums = np.empty(values.shape)
    column = (slice(None), None) if values.ndim == 2 else (slice(None),)
    means = np.empty((len(radii), *values.shape))
    for radius, out in zip(radii, means, strict=True):
        ahead = min(radius + 1, count)  # rows i < count - ahead end their window inside
        window_sums[: count - ahead] = sums[ahead - 1 : count - 1]
        window_sums[count - ahead :] = sums[count - 1]
        behind = min(radius + 1, count)  # rows i >= behind start their window after row 0
        window_sums[behind:] -= sums[: count - behind]
        if count < 2 * radius + 1:  # a window may reach past both edges
            index = np.arange(count)
            width = np.minimum(index + radius + 1, count) - np.maximum(index - radius, 0)
            np.divide(window_sums, width[column], out=out)
            continue
        first_widths, last_widths = _edge_widths(radius)
        inner = slice(radius, count - radius)
        np.divide(window_sums[inner], 2 * radius + 1, out=out[inner])
        np.divide(window_sums[:radius], first_widths[column], out=out[:radius])
        np.divide(window_sums[count - radius :], last_widths[column], out=out[count - radius :])
    return means


@cache
def _edge_widths(radius: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Widths of the first and of the last `radius` windows of a page of 2 * radius + 1 rows
    or more."""
    first = np.arange(radius + 1, 2 * radius + 1)
    first.flags.writeable = False
    return first, first[::-1]


def position_features(log_words: Float64, ends_sentence: Float64, out: Float32) -> None:
    """Fills out's columns, named by features.POSITION_NAMES."""
    count = log_words.size
    words = expm1(log_words)
    total = max(words.sum(), 1.0)
    index = np.arange(count, dtype=np.float64)
    densest = float(np.argmax(moving_mean(words, 5)))
    # Prose lines (long, ending in punctuation) anchor the article: what lies between the
    # first and the last of them, close to one, is rarely navigation.
    prose = (words >= _PROSE_WORDS) & (ends_sentence > 0)
    previous = np.maximum.accumulate(np.where(prose, index, -np.inf))
    following = np.minimum.accumulate(np.where(prose, index, np.inf)[::-1])[::-1]
    distance = np.minimum(index - previous, following - index)
    out[:, 0] = np.isfinite(previous) & np.isfinite(following)
    out[:, 1] = log1p(np.minimum(distance, count))
    out[:, 2] = index / max(count - 1, 1)
    out[:, 3] = (np.cumsum(words) - words) / total
    out[:, 4] = np.abs(index - densest) / max(count, 1)
    out[:, 5] = log1p(count)
    out[:, 6] = log1p(total)


def context_columns(sources: Float64, radii: Sequence[int]) -> Float32:
    """The context columns as page_features assigned them before kernels.context_columns:
    the moving means per radius, the previous row's sources, the next row's, in float32."""
    count, width = sources.shape
    out = np.empty((count, width * (len(radii) + 2)), dtype=np.float32)
    column = 0
    for means in moving_means(sources, radii):
        out[:, column : column + width] = means
        column += width
    out[0, column : column + width] = 0.0
    out[1:, column : column + width] = sources[:-1]
    column += width
    out[-1, column : column + width] = 0.0
    out[:-1, column : column + width] = sources[1:]
    return out


def smoothing_features(local_logits: Float64, log_words: Float32, radii: Sequence[int]) -> Float32:
    """The smoothing stage's inputs as features.smoothing_features made them before
    kernels.context_columns: logit, means of the scores, previous and next score, log words."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(local_logits, -30.0, 30.0)))
    count = scores.size
    features = np.empty((count, len(radii) + 4), dtype=np.float32)
    features[:, 0] = local_logits
    features[:, 1 : 1 + len(radii)] = moving_means(scores, radii).T
    features[:1, -3] = 0.0  # the previous segment's score
    features[1:, -3] = scores[:-1]
    features[-1:, -2] = 0.0  # the next segment's score
    features[:-1, -2] = scores[1:]
    features[:, -1] = log_words
    return features


def additive_contributions(
    features: npt.NDArray[np.floating],
    thresholds: Sequence[Sequence[float]],
    values: Sequence[Sequence[float]],
) -> Float64:
    """Per row and feature j, values[j][k], k the number of feature j's thresholds strictly
    below the value (LightGBM sends x <= threshold left; NaN sorts after every threshold).
    Features are read as float32, as the model stores them."""
    table = np.asarray(features, dtype=np.float32).astype(np.float64)
    contributions = np.empty(table.shape)
    for j, (edges, steps) in enumerate(zip(thresholds, values, strict=True)):
        below = np.searchsorted(np.asarray(edges, dtype=np.float64), table[:, j], side="left")
        contributions[:, j] = np.asarray(steps, dtype=np.float64)[below]
    return contributions


def additive_logits(contributions: Float64, bias: float) -> Float64:
    """The bias plus each row's contributions (numpy's pairwise sum along the row)."""
    logits: Float64 = bias + contributions.sum(axis=1)
    return logits


def tree_scores(
    ensemble: TreeEnsemble, features: npt.NDArray[np.floating]
) -> tuple[Float64, Float64]:
    """trees.TreeEnsemble.scores (the C tree_scores), tree by tree and split by split: each
    row's contributions per feature (Saabas' path split) and its sum of leaves."""
    table = np.asarray(features, dtype=np.float32)
    contributions = np.zeros((len(table), len(ensemble.feature_names)))
    logits = np.zeros(len(table))
    for row, x in enumerate(table):
        total = 0.0
        for split, bar, inner, leaves in zip(
            ensemble.features.tolist(),
            ensemble.thresholds.tolist(),
            ensemble.inner.tolist(),
            ensemble.leaves.tolist(),
            strict=True,
        ):
            side = 0 if float(x[split[0]]) <= bar[0] else 1
            child = 1 + side
            leaf = 2 * side + (0 if float(x[split[child]]) <= bar[child] else 1)
            contributions[row, split[0]] += inner[child] - inner[0]
            contributions[row, split[child]] += leaves[leaf] - inner[child]
            total += leaves[leaf]
        logits[row] = total
    return contributions, logits


def strongest_columns(contributions: Float64, keep: npt.NDArray[np.bool_], columns: int) -> Int64:
    """Per row, the `columns` columns pushing hardest toward the row's label: kept rows by
    their most positive contributions, the others by their most negative; of equal ones,
    the lower column."""
    signed = np.where(keep[:, None], -contributions, contributions)
    chosen: Int64 = np.argsort(signed, axis=1, kind="stable")[:, :columns]
    return chosen


def rounded_values(features: Float32, columns: Int64) -> Float64:
    """The chosen features rounded to two significant digits (classify.py at cdc82af)."""
    values = np.take_along_axis(features, columns, axis=1).astype(np.float64)
    magnitude = np.floor(log10(np.maximum(np.abs(values), 1e-12)))
    scale = power_of_ten(magnitude - 1)
    with np.errstate(invalid="ignore"):  # infinity / infinity: NaN, as the kernel gives
        rounded: Float64 = np.where(values == 0, 0.0, np.round(values / scale) * scale)
    return rounded


def reason_prefixes(
    reasons: list[tuple[str, ...]],
    keep: npt.NDArray[np.bool_],
    scores: Float64,
    shift: Float64,
    held: npt.NDArray[np.bool_],
    ruled: dict[int, str],
    bars: tuple[float, float, float],
    words: tuple[str, str, str, str],
) -> list[tuple[str, ...]]:
    """What classify._reasons put before each segment's features, in numpy and Python
    (classify.py at 208c4d8); words: held back, cut, inside, surrounded."""
    cut, always_kept, shift_bar = bars
    reasons = list(reasons)
    neighbours = np.where(
        keep & (shift > shift_bar), 1, np.where(~keep & (shift < -shift_bar), -1, 0)
    )
    below_half = keep & (scores < always_kept) & (scores >= cut)
    marked = (neighbours != 0) | below_half | held
    marked_list = marked.tolist()
    for position, rule in ruled.items():
        if not marked_list[position]:
            reasons[position] = (rule, *reasons[position])
    for position in np.flatnonzero(marked).tolist():
        first: list[str] = []
        if position in ruled:
            first.append(ruled[position])
        elif held[position]:
            first.append(words[0])
        if below_half[position]:
            first.append(words[1])
        if neighbours[position]:
            first.append(words[2] if neighbours[position] == 1 else words[3])
        reasons[position] = (*first, *reasons[position])
    return reasons


def page_cut(scores: Float64, words: Float64, floor: float, bias: float) -> float:
    """Decision.cut at cdc82af, but for the expected reference summed pairwise (np.sum)
    where the old code took a BLAS dot product, whose order of additions is the BLAS's."""
    candidates = scores >= floor
    if not candidates.any():
        return 2.0
    clipped = np.clip(scores, 1e-6, 1.0 - 1e-6)
    probability = 1.0 / (1.0 + exp(-(log(clipped / (1.0 - clipped)) + bias)))
    weight = np.maximum(words, 0.0) + 1.0
    expected_reference = float(np.sum(probability * weight))
    order = np.argsort(-scores, kind="stable")[: int(candidates.sum())]
    kept_hits = np.cumsum(probability[order] * weight[order])
    kept_words = np.cumsum(weight[order])
    expected_f1 = 2.0 * kept_hits / (kept_words + expected_reference)
    return min(float(scores[order[int(np.argmax(expected_f1))]]), 0.5)


# The regexes the hint needles replaced (worker/core/html_segments.py at cdc82af).
NEGATIVE_HINTS = re.compile(
    r"nav|menu|foot|sidebar|side-bar|widget|comment|share|social|related|recommend|promo|"
    r"banner|cookie|consent|breadcrumb|subscri|newsletter|signup|login|popup|modal|advert|"
    r"\bads?\b|sponsor|tags?\b|meta|author-bio|pagination|pager|toolbar|masthead|header|"
    r"skip|hidden|teaser|trending|popular|more-|outbrain|taboola|disqus"
)
COMMENT_HINTS = re.compile(r"comment|disqus|respond|reply|replies|discuss")
RELATED_HINTS = re.compile(
    r"related|recommend|teaser|trending|popular|more-|outbrain|taboola|promo|read-next|"
    r"readnext|also-|suggest|most-|latest|headlines"
)
POSITIVE_HINTS = re.compile(
    r"article|content|entry|post|story|body|main|text|prose|blog|markdown|answer|question|"
    r"description|product|review|message|thread|documentation|docs"
)

# The element around a post's text, by trafilatura's BODY_XPATH names (html_tags at 2026-12-04),
# or a class of the one name "post" or "entry" with at most an id after it.
ARTICLE_BODY_HINTS = re.compile(
    r"post[-_]text|post-body|post-?entry|post[-_]?content|post_inner_wrapper|article-?text|"
    r"entry-content|article-?content|article__content|article-?body|article__body|"
    r"page-content|text-content|body-text|article__container|art-content|^(?:post|entry) \S*$"
)


def repeat_counts(texts: list[str]) -> Float32:
    """How many other segments hold the same text (features.py at 2d924a3)."""
    seen = Counter(texts)
    if len(seen) == len(texts):
        return np.zeros(len(texts), dtype=np.float32)
    return np.fromiter(map(seen.__getitem__, texts), dtype=np.float32, count=len(texts)) - 1


def page_layout(
    paths: list[tuple[int, ...]],
    chars: Float64,
    link_density: Float64,
    commas: Float64,
    ends_sentence: Bool,
    negative: Bool,
    positive: Bool,
    unlikely: Bool,
) -> Layout:
    """html_layout.page_layout (see its module for what the layout is)."""
    count = len(paths)
    lengths = np.fromiter(map(len, paths), dtype=np.int64, count=count)
    flat = np.fromiter(chain.from_iterable(paths), dtype=np.int64, count=int(lengths.sum()))
    nodes, first_entry, node_of = np.unique(flat, return_index=True, return_inverse=True)
    segment_of = np.repeat(np.arange(count), lengths)
    # 0 for the segment's own block, 1 for its parent, 2 for the grandparent...
    level = (
        np.repeat(lengths, lengths)
        - 1
        - (np.arange(flat.size) - np.repeat(_starts(lengths), lengths))
    )

    linked_chars = chars * link_density
    node_chars = np.bincount(node_of, weights=chars[segment_of], minlength=nodes.size)
    node_links = np.bincount(node_of, weights=linked_chars[segment_of], minlength=nodes.size)
    node_negative = np.bincount(
        node_of, weights=(chars * negative)[segment_of], minlength=nodes.size
    )
    node_positive = np.bincount(
        node_of, weights=(chars * positive)[segment_of], minlength=nodes.size
    )

    # Prose, not a list of names or links: it ends a sentence or runs long. Unlikely
    # content (a comment thread) scores nothing, though its characters count above.
    paragraph = ~unlikely & (
        (chars >= _MIN_PARAGRAPH_CHARS)
        & (link_density <= _LINKED_PARAGRAPH)
        & (ends_sentence | (chars >= _LONG_PARAGRAPH_CHARS))
    )
    points = np.where(paragraph, 1.0 + commas + np.minimum(chars // 100, _MAX_LENGTH_POINTS), 0.0)
    divider = np.zeros(flat.size)
    for depth, value in enumerate(_ANCESTOR_DIVIDERS, start=1):
        divider[level == depth] = value
    scored = divider > 0
    node_points = np.bincount(
        node_of[scored], weights=points[segment_of[scored]] / divider[scored], minlength=nodes.size
    )
    candidate = node_points > 0
    safe_chars = np.maximum(node_chars, 1.0)
    hints = _HINT_WEIGHT * (node_positive - node_negative) / safe_chars
    score = np.where(candidate, (node_points + hints) * (1.0 - node_links / safe_chars), 0.0)

    card_link_density, linked_cards_around = _cards(
        lengths, node_of, segment_of, node_chars, node_links
    )
    if not candidate.any() or score.max() <= 0:
        nothing = np.zeros(count, dtype=bool)
        return Layout(
            nothing, np.zeros(count), nothing, nothing, 0.0, card_link_density, linked_cards_around
        )
    # np.unique numbers the nodes by id (a memory address): rank them in document order,
    # the order of their first path entry, so a tie goes to the first, parse after parse.
    document_order = np.argsort(first_entry, kind="stable")
    best = int(document_order[np.argmax(score[document_order])])
    best_score = float(score[best])
    in_best = np.zeros(count, dtype=bool)
    in_best[segment_of[node_of == best]] = True
    relative = np.clip(score / best_score, 0.0, 1.0)[node_of]
    candidate_score = np.zeros(count)
    np.maximum.at(candidate_score, segment_of, relative)
    inside = np.flatnonzero(in_best)
    positions = np.arange(count)
    return Layout(
        in_best,
        candidate_score,
        positions < inside[0],
        positions > inside[-1],
        float(node_chars[best] / max(1.0, chars.sum())),
        card_link_density,
        linked_cards_around,
    )


def _cards(
    lengths: npt.NDArray[np.int64],
    node_of: npt.NDArray[np.int64],
    segment_of: npt.NDArray[np.int64],
    node_chars: Float64,
    node_links: Float64,
) -> tuple[Float64, Float64]:
    """Each segment's card link density, and the linked cards beside its card."""
    node_segments = np.bincount(node_of)
    starts = _starts(lengths)
    position = np.arange(node_of.size) - np.repeat(starts, lengths)
    # Along a path the segments held only shrink, so the card is the first small ancestor.
    small = node_segments[node_of] <= _CARD_SEGMENTS
    first_small = np.minimum.reduceat(np.where(small, position, lengths[segment_of] - 1), starts)
    card = node_of[starts + first_small]
    parent = node_of[starts + np.maximum(first_small - 1, 0)]
    card_link_density = node_links[card] / np.maximum(node_chars[card], 1.0)
    linked = (card_link_density >= _LINKED_CARD) & (first_small > 0)
    # distinct linked cards per parent
    pairs = np.unique(np.stack([parent[linked], card[linked]]), axis=1)
    per_parent = np.bincount(pairs[0], minlength=node_segments.size)
    around = np.where(linked, log1p(per_parent[parent]), 0.0)
    return card_link_density, around


def _starts(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts = np.zeros_like(lengths)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


# The older measure, still a feature: the deepest block holding half of the page's prose.
_MAIN_SHARE = 0.5


def main_container(prose: list[tuple[tuple[int, ...], int]]) -> tuple[int, int, int]:
    """The deepest block holding at least half of the prose, given the blocks holding prose
    (their paths and characters) in document order; as (depth, block, prose characters).

    The blocks inside any container come one after another in that order, so a container
    holding half of the prose holds the block at the middle of it: only the ancestors of
    that block need weighing (and, when the middle falls exactly between two blocks, those
    of the block before it too). Along one path the prose held only shrinks with depth, so
    a binary search finds the deepest holding enough, weighing a few blocks instead of every
    ancestor of every prose block.
    """
    half = _MAIN_SHARE * sum(block_chars for _, block_chars in prose)

    def held(path: tuple[int, ...], depth: int) -> int:
        ancestor = path[depth]
        return sum(n for p, n in prose if len(p) > depth and p[depth] == ancestor)

    def deepest_holding_half(path: tuple[int, ...]) -> tuple[int, int]:
        low, high = 0, len(path) - 1  # the root, at depth 0, holds all
        while low < high:
            middle = (low + high + 1) // 2
            if held(path, middle) >= half:
                low = middle
            else:
                high = middle - 1
        return low, held(path, low)

    cumulative = list(accumulate(block_chars for _, block_chars in prose))
    middle = bisect_right(cumulative, half)  # the block holding the middle character
    witnesses = [prose[middle][0]]
    if middle and cumulative[middle - 1] == half:  # what ends just before may hold half too
        witnesses.insert(0, prose[middle - 1][0])
    best: tuple[int, int, int] = (-1, 0, 0)
    for path in witnesses:  # the earlier first: of two at the same depth, it wins
        depth, held_chars = deepest_holding_half(path)
        if depth > best[0]:
            best = (depth, path[depth], held_chars)
    return best


def in_main_container(
    texts: list[str],
    paths: Sequence[tuple[int, ...]],
    blocks: Sequence[int],
    chars: Float64,
    ends_prose: npt.NDArray[np.bool_],
    min_chars: float,
) -> tuple[list[bool], tuple[int, int, int] | None]:
    """html_segments._in_main_container before html_kernels.main_container: whether each segment
    is inside the main container, and that container (None without prose)."""
    prose_by_block: dict[int, int] = {}
    path_of: dict[int, tuple[int, ...]] = {}
    for i in np.flatnonzero((chars >= min_chars) & ends_prose).tolist():
        block = blocks[i]
        prose_by_block[block] = prose_by_block.get(block, 0) + len(texts[i])
        path_of[block] = paths[i]
    if not prose_by_block:
        return [False] * len(texts), None
    prose = [(path_of[block], block_chars) for block, block_chars in prose_by_block.items()]
    depth, main, held = main_container(prose)
    inside = [len(path) > depth and path[depth] == main for path in paths]
    return inside, (depth, main, held)


def sibling_columns(
    groups: Sequence[int], chars: Float64, link_density: Float64
) -> tuple[Float64, Float64, Float64, Float64]:
    """The sibling columns' values before html_kernels.sibling_columns: the group's share of the
    page's characters, its link density, its count of segments and its characters per
    segment, for each segment."""
    _, group = np.unique(np.array(groups, dtype=np.int64), return_inverse=True)
    group_chars = np.bincount(group, weights=chars)
    group_links = np.bincount(group, weights=chars * link_density) / group_chars
    group_size = np.bincount(group)
    return (
        group_chars[group] / chars.sum(),
        group_links[group],
        group_size[group].astype(np.float64),
        group_chars[group] / group_size[group],
    )


def segment_columns(
    columns: tuple[Sequence[int], ...], chars: Float64, bit_values: tuple[int, ...]
) -> tuple[Float32, Float64]:
    """The structure columns html_kernels.segment_columns writes (link density, block kind, depth,
    text pieces, a flag per bit value), and the link densities, as html_segments made them
    before it."""
    links, kinds, depths, pieces, bits = columns
    link_density = np.minimum(1.0, np.array(links, dtype=np.float64) / chars)
    out = np.empty((len(chars), 4 + len(bit_values)), dtype=np.float32)
    out[:, 0] = link_density
    out[:, 1] = kinds
    out[:, 2] = depths
    out[:, 3] = pieces
    values = np.array(bit_values, dtype=np.int64)
    out[:, 4:] = (np.array(bits, dtype=np.int64)[:, None] & values[None, :]) != 0
    return out, link_density
