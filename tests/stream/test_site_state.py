"""The worker's site memory without a broker: a batch's profiles count only once it is
committed, a retried batch sees the memory it first saw, revoked partitions are dropped,
and the changelog's values restore what they checkpointed (the restore from a real
changelog topic is in tests/faults/test_site_memory_survives.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from worker.config import Settings
from worker.core.records import Source
from worker.learn.dataset import load_pages
from worker.stream.site_state import SiteMemoryState, decode, encode

FIXTURE = Path(__file__).parents[1] / "fixtures" / "site-memory"


@pytest.fixture(scope="module")
def values() -> list[bytes]:
    pages = [p for p in load_pages(FIXTURE, "text") if p.site == "eater.com"]
    return [
        orjson.dumps({"url": f"https://eater.com/{p.page_id}", "body": p.body("text")})
        for p in pages
    ]


def _note(state: SiteMemoryState, value: bytes, offset: int, partition: int = 0) -> Any:
    processed = state.process(value, Source("pages.raw", partition, offset, None))
    article = next(o for o in processed.outputs if o.kind == "article")
    return orjson.loads(article.value)["site_memory"]


def test_a_batch_counts_once_committed_and_a_retry_sees_the_memory_it_first_saw(
    values: list[bytes],
) -> None:
    state = SiteMemoryState(Settings(site_memory="on"))
    assert _note(state, values[0], 10)["pages_seen"] == 0
    assert _note(state, values[1], 11)["pages_seen"] == 1  # within the batch, in order
    checkpoints = state.changelog_records()
    assert [(c.partition, c.key) for c in checkpoints] == [(0, b"eater.com")]
    assert decode(checkpoints[0].value)[0] == 11
    state.abort_batch()  # the batch failed: it comes again
    assert state.changelog_records() == [] and state.sites == 0
    assert _note(state, values[0], 10)["pages_seen"] == 0
    retried = _note(state, values[1], 11)
    assert retried["pages_seen"] == 1 and retried["checkpoint"] == {"partition": 0, "offset": 10}
    assert state.commit_batch() > 0  # fingerprint hits of the batch
    assert state.sites == 1 and state.bytes > 0
    third = _note(state, values[2], 12)
    assert third["pages_seen"] == 2 and third["checkpoint"] == {"partition": 0, "offset": 11}


def test_partitions_keep_their_own_memory_and_a_revoked_one_is_dropped(
    values: list[bytes],
) -> None:
    state = SiteMemoryState(Settings(site_memory="on"))
    state.partitions = {0, 1}  # as if assigned (the restore reads a real topic)
    _note(state, values[0], 5, partition=0)
    _note(state, values[0], 7, partition=1)
    state.commit_batch()
    assert _note(state, values[1], 6, partition=0)["pages_seen"] == 1
    state.abort_batch()
    state.revoked([1])
    assert state.partitions == {0} and state.sites == 1
    assert _note(state, values[1], 8, partition=1)["pages_seen"] == 0
    assert _note(state, values[1], 6, partition=0)["pages_seen"] == 1


def test_a_changelog_value_restores_what_it_checkpointed(values: list[bytes]) -> None:
    state = SiteMemoryState(Settings(site_memory="on"))
    _note(state, values[0], 3)
    (checkpoint,) = state.changelog_records()
    restored = SiteMemoryState(Settings(site_memory="on"))
    assert restored._restore_one(0, checkpoint.key, checkpoint.value) == {"0/eater.com"}
    assert _note(restored, values[1], 4)["checkpoint"] == {"partition": 0, "offset": 3}
    # A tombstone forgets the site; a value of another version is skipped, not fatal.
    restored._restore_one(0, checkpoint.key, None)
    assert restored.sites == 0
    restored._restore_one(0, checkpoint.key, encode(3, b"not a profile"))
    assert restored.sites == 0
