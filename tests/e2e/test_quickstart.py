"""The README's quickstart runs offline against the embedded emulator and does the main job."""

from __future__ import annotations

import subprocess
import sys

from tests._support.spec_validation import ROOT


def test_quickstart_runs_and_reports_every_step() -> None:
    """examples/quickstart.py exits 0 and prints each step of the main job."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and example
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "", "PYTHONWARNINGS": "error"},
    )
    assert result.returncode == 0, result.stderr
    for step in (
        "created",
        "added items",
        "page 2",
        "retrieved item",
        "updated",
        "deleted item",
        "404 Not Found",
    ):
        assert step in result.stdout
    assert result.stderr == ""
