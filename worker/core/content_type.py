"""Decide whether a raw body is HTML or a plain-text dump."""

from __future__ import annotations

import re

from worker.core.verdict import ContentType

_HTML_MARKERS = re.compile(
    rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<div[\s>]|<p[\s>]|<article[\s>]",
    re.IGNORECASE,
)


def normalise_content_type(declared: str | None) -> ContentType | None:
    """Map a declared Content-Type header value to one we handle, or None if unknown."""
    if not declared:
        return None
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type in {"text/html", "application/xhtml+xml"}:
        return "text/html"
    if media_type == "text/plain":
        return "text/plain"
    return None


def sniff_content_type(body: str | bytes) -> ContentType:
    """HTML if the first few kilobytes contain typical HTML tags, else plain text."""
    head = body[:4096] if isinstance(body, bytes) else body[:4096].encode("utf-8", "replace")
    return "text/html" if _HTML_MARKERS.search(head) else "text/plain"
