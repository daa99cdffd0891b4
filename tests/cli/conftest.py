"""Fixtures for the command line: a threaded emulator on 127.0.0.1 and a way to run ``main``.

``main`` runs its own event loop (``asyncio.run``), so the emulator lives on another thread
(:class:`ThreadedEmulator`) and the tests themselves are plain functions.
"""

from __future__ import annotations

import secrets
import signal
from collections.abc import Iterator

import pytest

from conversations_sdk.emulator import ThreadedEmulator
from tests._support.cli import CLI


@pytest.fixture(scope="module")
def emulator_key() -> str:
    """The API key the module's emulator requires (random: it must never be printed)."""
    return "sk-cli-" + secrets.token_hex(12)


@pytest.fixture(scope="module")
def emulator(emulator_key: str) -> Iterator[ThreadedEmulator]:
    """One in-memory emulator per module; every test makes its own conversations."""
    with ThreadedEmulator(api_key=emulator_key) as running:
        yield running


@pytest.fixture
def cli(
    emulator: ThreadedEmulator,
    emulator_key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[CLI]:
    """Run ``conversations-sdk`` in-process, configured through the SDK's environment variables."""
    monkeypatch.setenv("OPENAI_BASE_URL", emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", emulator_key)
    yield CLI(capsys, emulator)
    emulator.set_faults(None)


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """Let SIGINT raise KeyboardInterrupt, even when the suite was started with SIGINT ignored.

    A job started with ``&`` in a script (and some CI runners) inherits SIGINT ignored: a test
    that sends itself SIGINT would then see nothing happen.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
