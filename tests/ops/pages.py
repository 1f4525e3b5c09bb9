"""Small synthetic raw pages for ops tests (written for these tests; no third-party text)."""

from __future__ import annotations

import orjson

PROSE = [
    "The city council approved the new school budget on Tuesday after a debate that lasted "
    "well into the evening.",
    "Teachers had asked for smaller classes, and the final plan funds twelve new positions "
    "across the district.",
    "Parents who spoke at the meeting said the change was overdue but welcomed the decision.",
]


def article_page(number: int) -> bytes:
    body = (
        "<html><body><nav><a href='/'>Home</a><a href='/world'>World</a></nav>"
        f"<article><h1>Budget vote number {number}</h1>"
        + "".join(f"<p>{line} (Report {number}.)</p>" for line in PROSE)
        + "</article><footer>Contact | Privacy</footer></body></html>"
    )
    return orjson.dumps(
        {
            "url": f"https://news.example.test/story/{number}",
            "body": body,
            "content_type": "text/html",
            "fetch_time": "2026-11-24T10:00:00Z",
            "scraper": {"name": "ops-test"},
        }
    )


def junk_page(number: int) -> bytes:
    teasers = "\n".join(f"Top story number {number}.{i} -" for i in range(8))
    return orjson.dumps(
        {
            "url": f"https://news.example.test/feed/{number}",
            "body": teasers,
            "content_type": "text/plain",
            "fetch_time": "2026-11-24T10:05:00Z",
        }
    )


NOT_JSON = b'{"url": "https://news.example.test/broken", "body": '
