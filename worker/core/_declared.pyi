# The compiled selection's signature; declared.declared_elements is the typed way in.
from selectolax.lexbor import LexborNode

def declared_elements(
    root: LexborNode,
) -> list[tuple[str, dict[str, str | None], str | None, str | None]]: ...
