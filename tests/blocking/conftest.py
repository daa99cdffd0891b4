"""Fixtures of the blocking tests: one threaded emulator per module, a fresh Client per test.

The emulator listens on 127.0.0.1 only; clients use zero backoff, so no test ever sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conversations_sdk import Client, RetryPolicy
from conversations_sdk.emulator import ThreadedEmulator

API_KEY = "sk-test-CANARY-blocking-0123456789"


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedEmulator]:
    """An emulator on its own loop thread, shared by the tests of one module."""
    with ThreadedEmulator(api_key=API_KEY) as emu:
        yield emu


@pytest.fixture
def blocking_client(emulator: ThreadedEmulator) -> Iterator[Client]:
    """A blocking Client on the emulator with zero backoff; closed after the test."""
    with Client(
        api_key=API_KEY, base_url=emulator.base_url, retry=RetryPolicy.no_backoff(), strict=True
    ) as client:
        yield client
