"""Fixtures of the reliability suite: the session's figures, and ``figure`` to record one.

The machinery the tests import (scale, the live emulator, mixed faults) is in ``support.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._support.reliability import FigureRecorder, Figures


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Figures]:
    """The session's figures, written as JSON when the session ends."""
    collected = Figures()
    yield collected
    target = os.environ.get("RELIABILITY_FIGURES")
    path = Path(target) if target else tmp_path_factory.mktemp("figures") / "figures.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collected.rows, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nreliability figures written to {path}")


@pytest.fixture
def figure(
    figures: Figures, record_property: Callable[[str, object], None], request: pytest.FixtureRequest
) -> FigureRecorder:
    """Record this test's figure: ``figure(success_rate=0.98, duplicates=0)``."""

    def record(**values: Any) -> None:
        name = request.node.name
        figures.record(name, values)
        for key, value in values.items():
            record_property(key, value)

    return record
