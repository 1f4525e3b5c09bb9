# The compiled walk's signature; html_walk.compiled_walk is the typed way in.
from collections.abc import Callable
from typing import TypeAlias

from selectolax.lexbor import LexborNode

# texts, links, pieces, bits, depths, blocks, kinds, groups, paths: one entry per run;
# then "\n".join(texts) as UTF-8
Columns: TypeAlias = tuple[
    list[str],
    list[int],
    list[int],
    list[int],
    list[int],
    list[int],
    list[int],
    list[int],
    list[tuple[int, ...]],
    bytes,
]

def html_blocks(
    root: LexborNode,
    rules: tuple[tuple[int, int, int, bool], ...],
    hint_cache: dict[str, int],
    hint_bits: Callable[[str], int],
    link_bit: int,
    skipped: tuple[int, ...],
    line_break: int,
    skipped_classes: tuple[tuple[int, str], ...] = (),
) -> Columns: ...
