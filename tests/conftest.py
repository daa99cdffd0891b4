"""Shared fixtures: a mocked API (aioresponses) and clients aimed at loopback with zero backoff.

Every address here is 127.0.0.1; nothing in the suite may reach the internet.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conversations_sdk import AsyncClient, RetryPolicy
from tests._support.aioresponses_shim import MockAPI

#: A fake key that tests search for in reprs, logs, messages and pickles: it must never appear.
API_KEY = "sk-test-CANARY-0123456789abcdef"
#: Loopback, port 9 (discard): aioresponses intercepts before any socket is opened.
BASE_URL = "http://127.0.0.1:9/v1"


@pytest.fixture(autouse=True)
def _default_sigint() -> Iterator[None]:
    """Give every test Python's own Ctrl-C handling, however the suite was started.

    A job started with ``&`` from a script, and some CI runners, start the suite with SIGINT
    ignored, and ``coverage run`` keeps it so: a test that sends itself SIGINT and waits for the
    KeyboardInterrupt would then wait for ever. The previous handler is restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler or previous is None:
        yield  # already Python's default, or installed outside Python: nothing to restore
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's OPENAI_* variables and proxies out of every test."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "OPENAI_LOG",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The OpenAPI document the SDK implements (spec/conversations.openapi.yaml)."""
    path = Path(__file__).parent.parent / "spec" / "conversations.openapi.yaml"
    with path.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


@pytest.fixture
def mock_api() -> Iterator[MockAPI]:
    """aioresponses (with the aiohttp 3.14 shim) intercepting every aiohttp request."""
    mocked = MockAPI()
    with mocked:
        yield mocked


@pytest.fixture
def retry_policy() -> RetryPolicy:
    """Zero backoff, so retries never sleep."""
    return RetryPolicy.no_backoff()


@pytest.fixture
async def client(mock_api: MockAPI, retry_policy: RetryPolicy) -> AsyncIterator[AsyncClient]:
    """An AsyncClient on the mocked API, with zero backoff; closed after the test."""
    async with AsyncClient(api_key=API_KEY, base_url=BASE_URL, retry=retry_policy) as c:
        yield c
