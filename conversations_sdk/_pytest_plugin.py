"""The pytest plugin of :mod:`conversations_sdk.testing` (fixtures and hooks), documented there.

Imported by ``conversations_sdk.testing`` only when pytest is running, so that importing
``MockTransport`` never imports pytest.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

from .emulator import Emulator, ThreadedEmulator

if TYPE_CHECKING:
    from ._blocking import Client
    from ._client import AsyncClient

# The hooks are listed too: pytest finds them by name, and they are part of what the plugin does.
__all__ = [
    "async_client",
    "client",
    "emulator",
    "emulator_script",
    "pytest_exception_interact",
    "pytest_runtest_makereport",
]

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


# --- the inspector's address in a failing test's report -------------------------------------

_SECTION = "conversations-sdk emulator"


def _inspector_url(item: pytest.Item) -> str | None:
    running = getattr(item, "funcargs", {}).get("emulator")
    if not isinstance(running, (Emulator, ThreadedEmulator)):
        return None  # a project's own fixture named "emulator"
    try:
        return running.inspector_url
    except RuntimeError:  # already stopped
        return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Add the inspector's address to the report of a test that failed while it was running."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and report.when in ("setup", "call"):
        url = _inspector_url(item)
        if url is not None:
            report.sections.append(
                (
                    _SECTION,
                    f"What the code under test stored, in a browser: {url}\n"
                    "(read-only; the emulator stops with the test: run pytest with --pdb, or "
                    "pause the test at a breakpoint(), to browse it)",
                )
            )


@pytest.hookimpl(tryfirst=True)
def pytest_exception_interact(
    node: pytest.Item | pytest.Collector,
    call: pytest.CallInfo[Any],
    report: pytest.TestReport | pytest.CollectReport,
) -> None:
    """Under ``--pdb``, print the address before the prompt, while the emulator still runs."""
    if not isinstance(node, pytest.Item) or not node.config.getoption("usepdb", False):
        return
    url = _inspector_url(node)
    if url is None:
        return
    capture = node.config.pluginmanager.getplugin("capturemanager")
    context = contextlib.nullcontext() if capture is None else capture.global_and_fixture_disabled()
    with context:
        writer = node.config.get_terminal_writer()
        writer.line()  # after the progress dots
        writer.line(f"{_SECTION}: inspector at {url} (until the debugger ends the test)")
