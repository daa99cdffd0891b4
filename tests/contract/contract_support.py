"""Shared by the contract tests and their conftest: paths, and the handle of a running Prism.

A plain module (imported as ``contract_support``: pytest puts this folder on ``sys.path``) rather
than a package, so its name cannot collide with the repository's ``contract/`` npm folder.
"""

from __future__ import annotations

import collections
import pathlib
import subprocess

import attrs

ROOT = pathlib.Path(__file__).resolve().parents[2]


@attrs.frozen
class PrismServer:
    """One running Prism mock: where it listens and the tail of its log (for failure messages)."""

    base_url: str
    dynamic: bool
    process: subprocess.Popen[str] = attrs.field(repr=False)
    log: collections.deque[str] = attrs.field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines Prism printed, to explain a failure."""
        return "\n".join(list(self.log)[-lines:])
