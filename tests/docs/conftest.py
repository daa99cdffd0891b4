"""Report how many documentation blocks ran, were skipped, continued others or read the key."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Add one line: blocks run and skipped across the pages tested in this session."""
    ran = skipped = continued = env = pages = 0
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        props = dict(getattr(report, "user_properties", ()))
        if "docs_blocks_run" in props:
            pages += 1
            ran += int(props["docs_blocks_run"])
            skipped += int(props["docs_blocks_skipped"])
            continued += int(props.get("docs_blocks_continued", 0))
            env += int(props.get("docs_blocks_env", 0))
    if pages:
        terminalreporter.write_line(
            f"docs: {ran} Python blocks run on {pages} pages, {skipped} skipped (each with a "
            f"reason); {continued} continue the block before them, {env} read OPENAI_API_KEY"
        )
