"""Synthetic near-copies of an article, as syndication and scraping make them.

Each maker takes the article text and a seeded `random.Random`, and returns a new text:
- `boilerplate`: the syndication wrapper changes (a credit line above, a copyright and
  follow-us line below, the first line replaced by another site's byline when it is short);
- `trimmed`: the last paragraph cut off (a site that shortens the story);
- `whitespace`: line breaks, spaces and indentation changed (another scraper's text dump).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

SITES = ("Metro Daily", "The Valley Courier", "Northern Post", "City Wire", "Coastal Herald")
CREDITS = (
    "This article originally appeared on {site} and is republished with permission.",
    "Reporting by {site} staff; editing by the {site} desk.",
    "Distributed by {site} news service.",
)
FOOTERS = (
    "Copyright 2026 {site}. All rights reserved. Follow us on social media for more.",
    "Sign up for the {site} newsletter to get stories like this in your inbox.",
    "Have a news tip? Contact {site} at tips@example.org.",
)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def boilerplate(text: str, rng: random.Random) -> str:
    site = rng.choice(SITES)
    lines = text.strip().split("\n")
    if len(lines) > 2 and len(lines[0].split()) <= 12:
        lines[0] = f"By {rng.choice(SITES)} staff"  # the byline of another site
    credit = rng.choice(CREDITS).format(site=site)
    footer = rng.choice(FOOTERS).format(site=site)
    return "\n\n".join([credit, "\n".join(lines), footer])


def trimmed(text: str, rng: random.Random) -> str:
    paragraphs = [p for p in _PARAGRAPHS.split(text.strip()) if p.strip()]
    if len(paragraphs) < 2:
        lines = text.strip().split("\n")
        return "\n".join(lines[:-1]) if len(lines) > 1 else text
    return "\n\n".join(paragraphs[:-1])


def whitespace(text: str, rng: random.Random) -> str:
    words = text.split()
    out: list[str] = []
    for word in words:
        out.append(word)
        roll = rng.random()
        out.append("\n" if roll < 0.08 else "  " if roll < 0.2 else "\t" if roll < 0.23 else " ")
    return "   " + "".join(out).rstrip() + "\n\n"


MAKERS: dict[str, Callable[[str, random.Random], str]] = {
    "boilerplate": boilerplate,
    "trimmed": trimmed,
    "whitespace": whitespace,
}
