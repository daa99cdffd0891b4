"""A pytest plugin for testing code that uses conversations-sdk, offline, against the emulator.

Opt in from your top-level ``conftest.py``::

    pytest_plugins = ["conversations_sdk.testing"]

Fixtures (each test gets its own emulator, so tests never see each other's data):

``emulator``
    A running :class:`~conversations_sdk.emulator.ThreadedEmulator` on 127.0.0.1 and a free port,
    with an in-memory database. Use ``emulator.base_url`` for your own client (any API key is
    accepted), ``emulator.set_faults(Faults(...))`` to make it fail on purpose and
    ``emulator.script.add(...)`` to script the stand-in model's next replies.
``emulator_script``
    The replies the ``emulator`` fixture starts with (default: none). Override it in a test module
    or parametrize it to script ``POST /v1/responses``::

        @pytest.fixture
        def emulator_script():
            return [{"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                    "It is sunny in Paris."]
``client``
    A blocking :class:`~conversations_sdk.Client` bound to ``emulator``, closed after the test.
``async_client``
    An :class:`~conversations_sdk.AsyncClient` bound to ``emulator``, closed after the test. It is
    an async fixture: it needs pytest-asyncio (used when installed) or anyio's pytest plugin.

Both clients retry with :meth:`RetryPolicy.no_backoff`, so a test of retries never sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

from .emulator import ThreadedEmulator

if TYPE_CHECKING:
    from ._blocking import Client
    from ._client import AsyncClient

__all__ = ["async_client", "client", "emulator", "emulator_script"]

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
def emulator_script() -> list[Any] | None:
    """The stand-in model's scripted replies for ``emulator`` (override to script them)."""
    return None


@pytest.fixture
def emulator(emulator_script: list[Any] | None) -> Iterator[ThreadedEmulator]:
    """A fresh emulator for this test, on 127.0.0.1 and a free port, data in memory."""
    with ThreadedEmulator(script=emulator_script) as running:
        yield running


@pytest.fixture
def client(emulator: ThreadedEmulator) -> Iterator[Client]:
    """A blocking client bound to this test's emulator (no retry backoff)."""
    from ._blocking import Client
    from ._retry import RetryPolicy

    with Client(
        api_key=TEST_API_KEY, base_url=emulator.base_url, retry=RetryPolicy.no_backoff()
    ) as blocking_client:
        yield blocking_client


@_async_fixture
async def async_client(emulator: ThreadedEmulator) -> AsyncIterator[AsyncClient]:
    """An async client bound to this test's emulator (no retry backoff)."""
    from ._client import AsyncClient
    from ._retry import RetryPolicy

    async with AsyncClient(
        api_key=TEST_API_KEY, base_url=emulator.base_url, retry=RetryPolicy.no_backoff()
    ) as async_client:
        yield async_client
