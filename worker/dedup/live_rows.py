"""Which table rows still hold pages of the window: both stores of the dedup job keep a
batch's pages as one row, and a row goes from the table when its last page leaves."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any


class LiveRows:
    """Per row key, how many of its pages are still in the window."""

    def __init__(self, rows: MutableMapping[str, Any]) -> None:
        self.rows = rows  # the faust table in the job, a dict in tests
        self.counts: dict[str, int] = {}

    def add(self, row_key: str, pages: int = 1) -> None:
        self.counts[row_key] = self.counts.get(row_key, 0) + pages

    def release(self, row_key: str) -> None:
        """One of the row's pages left the window; the row's last page deletes the row."""
        self.counts[row_key] -= 1
        if self.counts[row_key] <= 0:
            del self.counts[row_key]
            # (`in`, then `del`: a faust table's `pop` would read the key first)
            if row_key in self.rows:
                del self.rows[row_key]

    def forget(self, row_key: str) -> None:
        """The row's partition was revoked: stop counting it, leave the table alone."""
        self.counts.pop(row_key, None)
