"""A pytest plugin for testing code that uses conversations-sdk, offline, against the emulator.

Opt in from your top-level ``conftest.py``::

    pytest_plugins = ["conversations_sdk.testing"]

Fixtures (each test gets its own emulator, so tests never see each other's data):

``emulator``
    A running :class:`~conversations_sdk.emulator.ThreadedEmulator` on 127.0.0.1 and a free port,
    with an in-memory database. Use ``emulator.base_url`` for your own client (any API key is
    accepted) and ``emulator.set_faults(Faults(...))`` to make it fail on purpose.
``client``
    A blocking :class:`~conversations_sdk.Client` bound to ``emulator``, closed after the test.
``async_client``
    An :class:`~conversations_sdk.AsyncClient` bound to ``emulator``, closed after the test. It is
    an async fixture: it needs pytest-asyncio (used when installed) or anyio's pytest plugin.

Both clients retry with :meth:`RetryPolicy.no_backoff`, so a test of retries never sleeps, and
are strict (``strict=True``): the emulator answers exactly as the spec says, so any deviation is a
bug worth a failing test rather than a ``validation_issues`` entry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

from .emulator import ThreadedEmulator

if TYPE_CHECKING:
    from ._blocking import Client
    from ._client import AsyncClient

__all__ = ["async_client", "client", "emulator"]

# The emulator fixture needs no key; the clients still send one, as real code does.
TEST_API_KEY = "sk-conversations-sdk-testing"

_F = TypeVar("_F", bound=Callable[..., Any])

try:  # pytest-asyncio runs async fixtures only when they are declared through it.
    import pytest_asyncio

    _FIXTURE: Any = pytest_asyncio.fixture
except ImportError:  # anyio's plugin runs plain async fixtures for its tests
    _FIXTURE = pytest.fixture


def _async_fixture(function: _F) -> _F:
    return cast("_F", _FIXTURE(function))


@pytest.fixture
def emulator() -> Iterator[ThreadedEmulator]:
    """A fresh emulator for this test, on 127.0.0.1 and a free port, data in memory."""
    with ThreadedEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: ThreadedEmulator) -> Iterator[Client]:
    """A blocking client bound to this test's emulator (no retry backoff)."""
    from ._blocking import Client
    from ._retry import RetryPolicy

    with Client(
        api_key=TEST_API_KEY,
        base_url=emulator.base_url,
        retry=RetryPolicy.no_backoff(),
        strict=True,
    ) as blocking_client:
        yield blocking_client


@_async_fixture
async def async_client(emulator: ThreadedEmulator) -> AsyncIterator[AsyncClient]:
    """An async client bound to this test's emulator (no retry backoff)."""
    from ._client import AsyncClient
    from ._retry import RetryPolicy

    async with AsyncClient(
        api_key=TEST_API_KEY,
        base_url=emulator.base_url,
        retry=RetryPolicy.no_backoff(),
        strict=True,
    ) as async_client:
        yield async_client
