# The compiled walk's signature; html_segments._BlockBuilder is the typed way in.
from collections.abc import Callable

from selectolax.lexbor import LexborNode

def html_blocks(
    root: LexborNode,
    rules: tuple[tuple[int, int, int, bool], ...],
    hint_cache: dict[str, int],
    hint_bits: Callable[[str], int],
    link_bit: int,
) -> tuple[
    list[str],
    list[int],
    list[int],
    list[int],
    list[int],
    list[int],
    list[int],
    list[int],
    list[tuple[int, ...]],
]: ...
