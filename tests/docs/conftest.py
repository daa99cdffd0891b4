"""Report how many documentation blocks ran and how many were skipped (a skip must stay visible)."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Add one line: blocks run and skipped across the pages tested in this session."""
    ran = skipped = pages = 0
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        props = dict(getattr(report, "user_properties", ()))
        if "docs_blocks_run" in props:
            pages += 1
            ran += int(props["docs_blocks_run"])
            skipped += int(props["docs_blocks_skipped"])
    if pages:
        terminalreporter.write_line(
            f"docs: {ran} Python blocks run on {pages} pages, {skipped} skipped (each with a reason)"
        )
