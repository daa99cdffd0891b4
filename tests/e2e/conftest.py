"""End-to-end fixtures: the SDK's own pytest plugin, used as a user would.

Importing the fixtures here (rather than ``pytest_plugins``, which pytest allows only at the root)
registers ``emulator``, ``client`` and ``async_client`` for this folder.
"""

from __future__ import annotations

from conversations_sdk.testing import async_client, client, emulator, emulator_script

__all__ = ["async_client", "client", "emulator", "emulator_script"]
