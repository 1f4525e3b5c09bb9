"""Split a page into segments: the units the classifier labels.

A text dump's segments are its non-blank lines (one block per line is how scrapers dump
pages). An HTML page's segments are its text blocks in document order, each with the
structure around it (see html_segments). Segment text never contains a newline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from worker.core.verdict import ContentType


@dataclass(frozen=True, slots=True)
class PageSegments:
    content_type: ContentType
    texts: list[str]
    # One row per segment, columns named by html_segments.STRUCTURE_NAMES; None for text dumps.
    structure: npt.NDArray[np.float32] | None = None

    def __len__(self) -> int:
        return len(self.texts)


# A dump keeps some layout: html-text and most scrapers put a blank line around paragraphs
# and headings but none between the items of a list or a menu.
TEXT_STRUCTURE_NAMES: tuple[str, ...] = ("blank_before", "blank_after", "log_run_length")


def text_segments(body: str) -> PageSegments:
    """The non-blank lines of `body` (str.splitlines), each as " ".join(line.split())."""
    # splitlines() breaks at "\r\n" once, as at "\n"; other breaks are rare: those pages (and
    # those with a lone "\r") take the plain way.
    crlf_as_lf = body.replace("\r\n", "\n") if "\r" in body else body
    normalised = _normalised_lines(crlf_as_lf)
    if normalised is None:
        lines = [" ".join(line.split()) for line in body.splitlines()]
        nonblank = np.fromiter(map(bool, lines), dtype=bool, count=len(lines))
    else:
        lines, nonblank = normalised
    texts = list(filter(None, lines))
    if not texts:
        return PageSegments("text/plain", [])
    blank_before = np.empty(len(lines), dtype=bool)
    blank_before[0] = True
    np.logical_not(nonblank[:-1], out=blank_before[1:])
    before = blank_before[nonblank]
    structure = np.empty((len(texts), len(TEXT_STRUCTURE_NAMES)), dtype=np.float32)
    structure[:, 0] = before
    structure[:-1, 1] = before[1:]
    structure[-1, 1] = 1.0
    run = np.cumsum(before)  # run id: a new run starts after every blank line
    structure[:, 2] = np.log1p(np.bincount(run)[run])
    return PageSegments("text/plain", texts, structure)


# Bytes of the page's UTF-8 by what they mean to str.split() and str.splitlines().
_OTHER, _SPACE, _NEWLINE, _INLINE_WHITESPACE, _RARE_BREAK, _MAYBE_WHITESPACE = range(6)
_BYTE_KIND = bytearray(256)
_BYTE_KIND[0x20] = _SPACE
_BYTE_KIND[0x0A] = _NEWLINE
_BYTE_KIND[0x09] = _BYTE_KIND[0x1F] = _INLINE_WHITESPACE
for _byte in (0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E):
    _BYTE_KIND[_byte] = _RARE_BREAK
for _byte in (0xC2, 0xE1, 0xE2, 0xE3):  # lead bytes of the non-ASCII whitespace
    _BYTE_KIND[_byte] = _MAYBE_WHITESPACE
_BYTE_KINDS = bytes(_BYTE_KIND)
# Non-ASCII whitespace by its UTF-8 bytes as one integer: U+0085, U+2028 and U+2029 also
# break lines.
_NON_ASCII_BREAKS = ("\x85", "\u2028", "\u2029")
_NON_ASCII_INLINE = ("\xa0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f")
_NON_ASCII_INLINE += ("\u3000",)


def _utf8_code(character: str) -> int:
    return int.from_bytes(character.encode("utf-8"), "big")


_FEW_LEADS = 64
_BREAK_BYTES = frozenset(c.encode("utf-8") for c in _NON_ASCII_BREAKS)
_WHITESPACE_BYTES = frozenset(c.encode("utf-8") for c in _NON_ASCII_BREAKS + _NON_ASCII_INLINE)
_BREAK_CODES = np.array([_utf8_code(c) for c in _NON_ASCII_BREAKS])
_WHITESPACE_CODES = np.array([_utf8_code(c) for c in _NON_ASCII_BREAKS + _NON_ASCII_INLINE])


def _normalised_lines(body: str) -> tuple[list[str], npt.NDArray[np.bool_]] | None:
    """body.split("\n") with every line whitespace-normalised, and which are not blank; None
    if body holds a line break other than "\n". Only the lines holding some whitespace other
    than single spaces between words go through split and join: numpy finds them."""
    encoded = body.encode("utf-8", "surrogatepass")
    kinds_bytes = encoded.translate(_BYTE_KINDS)
    if bytes((_RARE_BREAK,)) in kinds_bytes:
        return None
    lines = body.split("\n")
    kinds = np.frombuffer(kinds_bytes, dtype=np.uint8)
    # A space is superfluous next to another, a line break or the page's edge.
    is_space = kinds == _SPACE
    is_newline = kinds == _NEWLINE
    space_or_edge = np.ones(kinds.size + 2, dtype=bool)
    np.logical_or(is_space, is_newline, out=space_or_edge[1:-1])
    suspect = is_space & (space_or_edge[:-2] | space_or_edge[2:])
    suspect |= kinds == _INLINE_WHITESPACE
    dirty = np.flatnonzero(suspect)
    leads = np.flatnonzero(kinds == _MAYBE_WHITESPACE)
    if leads.size:
        whitespace = _non_ascii_whitespace(encoded, leads)
        if whitespace is None:
            return None
        dirty = np.concatenate((dirty, whitespace))
    newlines = np.flatnonzero(is_newline)
    line_ends = np.append(newlines, kinds.size)
    nonblank = line_ends > np.concatenate(([0], newlines + 1))  # empty lines are blank
    if dirty.size:
        for line in np.unique(np.searchsorted(newlines, dirty)).tolist():
            lines[line] = " ".join(lines[line].split())
            nonblank[line] = bool(lines[line])
    return lines, nonblank


def _non_ascii_whitespace(
    encoded: bytes, leads: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp] | None:
    """Which of the lead bytes begin a whitespace character; None if one begins a line break.

    Most pages have a few dozen lead bytes (of ’, “, —, ©...): a Python loop is quicker for
    those; pages in an Asian script have thousands.
    """
    if leads.size <= _FEW_LEADS:
        found = []
        for lead in leads.tolist():
            character = encoded[lead : lead + (2 if encoded[lead] == 0xC2 else 3)]
            if character in _WHITESPACE_BYTES:
                if character in _BREAK_BYTES:
                    return None
                found.append(lead)
        return np.asarray(found, dtype=np.intp)
    # The 4 bytes from each lead byte on, as one big-endian integer (a strided view).
    padded = encoded + b"\0\0\0"
    words = np.ndarray((len(encoded),), dtype=">u4", buffer=padded, strides=(1,))[leads]
    # Both kinds of code are compared whole: a 2-byte one (0xC2..) is no 3-byte one (0xE...).
    codes = np.where(words >> 24 == 0xC2, words >> 16, words >> 8)
    if (codes[:, None] == _BREAK_CODES).any():
        return None
    found_leads: npt.NDArray[np.intp] = leads[(codes[:, None] == _WHITESPACE_CODES).any(axis=1)]
    return found_leads


def segment_page(body: str, content_type: ContentType) -> PageSegments:
    if content_type == "text/html":
        from worker.core.html_segments import html_segments  # the HTML parser only when needed

        return html_segments(body)
    return text_segments(body)
