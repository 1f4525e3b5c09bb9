# The compiled module's signatures; kernels.py is the typed way in. Any C-contiguous buffer
# goes (typing's Buffer protocol covers numpy arrays only from Python 3.12).
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar

import numpy.typing as npt

Buffer: TypeAlias = bytes | npt.NDArray[Any]
RowT = TypeVar("RowT", bound=tuple[Any, ...])

def text_counts(
    page: Buffer,
    class_table: Buffer,
    ends_sentence_table: Buffer,
    kinds: Buffer,
    count: int,
    out: Buffer,
) -> None: ...
def context_columns(
    values: Buffer,
    count: int,
    width: int,
    radii: tuple[int, ...],
    out: Buffer,
    out_width: int,
    column: int,
) -> None: ...
def position_features(
    log_words: Buffer,
    ends_sentence: Buffer,
    count: int,
    out: Buffer,
    out_width: int = ...,
    column: int = ...,
) -> None: ...
def additive_scores(
    features: Buffer,
    count: int,
    edges: Buffer,
    edge_starts: Buffer,
    table: Buffer,
    table_starts: Buffer,
    bias: float,
    contributions: Buffer,
    logits: Buffer,
) -> None: ...
def tree_scores(
    features: Buffer,
    count: int,
    width: int,
    split_features: Buffer,
    thresholds: Buffer,
    inner: Buffer,
    leaves: Buffer,
    contributions: Buffer,
    logits: Buffer,
) -> None: ...
def strongest_columns(
    contributions: Buffer, keep: Buffer, count: int, width: int, out: Buffer
) -> None: ...
def phrase_counts(page: Buffer, count: int, phrases: tuple[bytes, ...], out: Buffer) -> bool: ...
def repeat_counts(page: Buffer, count: int, out: Buffer) -> None: ...
def rounded_values(features: Buffer, width: int, columns: Buffer, out: Buffer) -> None: ...
def text_lines(body: str) -> tuple[list[str], bytearray, bytes] | None: ...
def rule_rejections(
    texts: list[str], separators: str, min_run: int, headline_words: int, headline_ends: str
) -> dict[int, str]: ...
def page_cut(
    scores: Buffer, words: Buffer, floor: float, bias: float, always_kept: float
) -> float: ...
def html_utf8(page: str) -> bytes | None: ...
def joined_words(runs: Sequence[list[str]]) -> list[str]: ...
def page_layout(
    paths: list[tuple[int, ...]],
    chars: Buffer,
    link_density: Buffer,
    commas: Buffer,
    ends_sentence: Buffer,
    negative: Buffer,
    positive: Buffer,
    unlikely: Buffer,
    rules: tuple[float, float, float, float, float, float, float, tuple[float, ...]],
    in_best: Buffer,
    candidate_score: Buffer,
    before_best: Buffer,
    after_best: Buffer,
    card_link_density: Buffer,
    linked_cards_around: Buffer,
) -> float: ...
def compile_needles(needles: tuple[tuple[str, bool, bool], ...]) -> object: ...
def contains_needle(needles: object, text: str) -> bool: ...
def reason_texts(
    caches: list[dict[float, str]],
    describe: Callable[[str, float], str],
    names: tuple[str, ...],
    columns: Buffer,
    values: Buffer,
    count: int,
    limit: int,
) -> list[tuple[str, ...]]: ...
def feature_table(
    page: Buffer,
    count: int,
    class_table: Buffer,
    ends_sentence_table: Buffer,
    kinds: Buffer,
    phrases: tuple[bytes, ...],
    log1p_counts: Buffer,
    structure: Buffer,
    structure_width: int,
    text_sources: tuple[int, ...],
    structure_sources: tuple[int, ...],
    position_sources: tuple[int, int],
    radii: tuple[int, ...],
    out: Buffer,
) -> bool: ...
def smoothing_logits(
    exp_negative: Buffer,
    local_logits: Buffer,
    log_words: Buffer,
    radii: tuple[int, ...],
    edges: Buffer,
    edge_starts: Buffer,
    table: Buffer,
    table_starts: Buffer,
    bias: float,
    out: Buffer,
    features: Buffer = ...,
) -> None: ...
def feature_reasons(
    contributions: Buffer,
    keep: Buffer,
    features: Buffer,
    caches: list[dict[float, str]],
    describe: Callable[[str, float], str],
    names: tuple[str, ...],
    k: int,
    limit: int,
) -> list[tuple[str, ...]]: ...
def reason_prefixes(
    reasons: list[tuple[str, ...]],
    keep: Buffer,
    scores: Buffer,
    shift: Buffer,
    held: Buffer,
    ruled: dict[int, str],
    cut: float,
    always_kept: float,
    shift_bar: float,
    words: tuple[str, str, str, str],
) -> None: ...
def segment_verdicts(
    row_type: type[RowT],
    texts: list[str],
    keep: Buffer,
    scores: Buffer,
    reasons: list[tuple[str, ...]],
    labels: tuple[str, str],
) -> tuple[RowT, ...]: ...
def control_characters(text: str, limit: int) -> int: ...
def nests_deeper_than(html: str, limit: int) -> bool: ...
def reject_rows(
    segments: tuple[tuple[Any, ...], ...], kept_label: str
) -> tuple[list[str], list[dict[str, Any]]]: ...
def segment_marks(
    texts: list[str], chars: Buffer, commas: Buffer, ends_sentence: Buffer, ends_prose: Buffer
) -> None: ...
def headline_runs(
    texts: list[str],
    words: Buffer,
    min_run: int,
    low_words: float,
    high_words: float,
    prose_line_words: float,
    article_prose_words: float,
) -> list[tuple[int, int, bool]]: ...
def paths_through(paths: list[tuple[int, ...]], depth: int, block: int, out: Buffer) -> None: ...
def short_lines_starting(
    texts: Sequence[str],
    first: int,
    max_chars: int,
    starts: str,
    words: tuple[str, ...] = ...,
    non_ascii_letters: bool = ...,
) -> list[int]: ...
def lines_opening_with(
    texts: Sequence[str], first: int, max_chars: int, prefixes: tuple[str, ...]
) -> list[tuple[int, int]]: ...
def repeats_title(texts: list[str], title: str, min_chars: int, out: Buffer) -> None: ...
def segment_columns(
    links: Sequence[int],
    kinds: Sequence[int],
    depths: Sequence[int],
    pieces: Sequence[int],
    bits: Sequence[int],
    chars: Buffer,
    bit_values: tuple[int, ...],
    matrix: Buffer,
    column: int,
    link_density: Buffer,
) -> None: ...
def sibling_columns(
    groups: Sequence[int],
    chars: Buffer,
    link_density: Buffer,
    share: Buffer,
    links: Buffer,
    size: Buffer,
    mean: Buffer,
) -> None: ...
def main_container(
    paths: Sequence[tuple[int, ...]],
    blocks: Sequence[int],
    chars: Buffer,
    ends_prose: Buffer,
    min_chars: float,
    inside: Buffer,
) -> tuple[int, int, int] | None: ...
def article_markdown(
    texts: Sequence[str],
    kept: Sequence[int],
    columns: tuple[
        Sequence[int], Sequence[int], Sequence[tuple[int, ...]], Sequence[int], Sequence[int]
    ],
    codes: tuple[int, int, int, int, int, int, int],
    kinds: tuple[int, int, int],
) -> str | None: ...
