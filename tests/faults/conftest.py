"""The soak variants of the fault scenarios run only on demand: with CHAFF_SOAK=1 they are
collected as usual, otherwise they are deselected (reported as such, never skipped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_helpers import SOAK

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SOAK:
        return
    soak = [
        item
        for item in items
        if item.get_closest_marker("soak") is not None and HERE in Path(item.path).parents
    ]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if item not in soak]
