"""Soak variants, on demand only (CHAFF_SOAK=1; see conftest.py): many more pages and kills,
and killed workers are left to their 45 s session timeout instead of being evicted.

    CHAFF_SOAK=1 .venv/bin/pytest tests/faults -m soak -s
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_helpers import in_both_delivery_modes
from kafka_helpers import TopicFactory
from test_rebalance import members_join_and_leave
from test_sigkill import kill_and_restart_repeatedly

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.soak]

# consume_all reads ~1,500 output records a second and gives up after 30 s: keep the
# outputs well under that
SOAK_PAGES = 8_000
SOAK_KILLS = 10
SOAK_ROUNDS = 3


@in_both_delivery_modes
def test_soak_many_sigkills(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path, exactly_once: bool
) -> None:
    kill_and_restart_repeatedly(
        kafka_bootstrap,
        topic_factory,
        tmp_path,
        pages=SOAK_PAGES,
        kills=SOAK_KILLS,
        exactly_once=exactly_once,
    )


@in_both_delivery_modes
@pytest.mark.parametrize("round_", range(SOAK_ROUNDS))
def test_soak_rebalances(
    kafka_bootstrap: str,
    topic_factory: TopicFactory,
    tmp_path: Path,
    exactly_once: bool,
    round_: int,
) -> None:
    members_join_and_leave(kafka_bootstrap, topic_factory, tmp_path, exactly_once=exactly_once)
