"""A local emulator of the OpenAI Conversations API: aiohttp.web and SQLite, no key, no network.

Serve it from a shell::

    python -m conversations_sdk.emulator --port 8765 --db conversations.db
    conversations-sdk serve --port 0

or in-process, with a client bound to it::

    async with emulated_async_client() as client:
        conversation = await client.conversations.create(metadata={"topic": "demo"})

    with emulated_client() as client:
        conversation = client.conversations.create(metadata={"topic": "demo"})

The emulator validates requests against the bundled spec with its own code and stores plain JSON;
it never reuses the SDK's models or converter, so the SDK's end-to-end tests get a second opinion.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from ._faults import Faults
from ._model import Script, ScriptError
from ._server import Emulator, ThreadedEmulator

if TYPE_CHECKING:
    from .._blocking import Client
    from .._client import AsyncClient

__all__ = [
    "Emulator",
    "Faults",
    "Script",
    "ScriptError",
    "ThreadedEmulator",
    "emulated_async_client",
    "emulated_client",
]


@contextlib.asynccontextmanager
async def emulated_async_client(
    *, db: str | None = None, faults: Faults | None = None, **client_options: Any
) -> AsyncIterator[AsyncClient]:
    """Start an emulator on a free loopback port and yield an :class:`AsyncClient` bound to it.

    Both are closed when the block ends. The emulator requires a random API key that only this
    client knows.

    Args:
        db: A SQLite file to keep the data in; ``None`` keeps it in memory.
        faults: Faults the emulator injects from the start (see :class:`Faults`).
        **client_options: More arguments for :class:`AsyncClient` (``max_retries``, ``retry``, ...).

    Yields:
        The client.
    """
    from .._client import AsyncClient

    api_key = secrets.token_urlsafe(24)
    async with Emulator(db=db, api_key=api_key, faults=faults) as emulator:
        client = AsyncClient(api_key=api_key, base_url=emulator.base_url, **client_options)
        async with client:
            yield client


@contextlib.contextmanager
def emulated_client(
    *, db: str | None = None, faults: Faults | None = None, **client_options: Any
) -> Iterator[Client]:
    """Start an emulator thread on a free loopback port and yield a blocking :class:`Client`.

    The blocking twin of :func:`emulated_async_client`; works in scripts and notebooks.

    Args:
        db: A SQLite file to keep the data in; ``None`` keeps it in memory.
        faults: Faults the emulator injects from the start (see :class:`Faults`).
        **client_options: More arguments for :class:`Client`.

    Yields:
        The client.
    """
    from .._blocking import Client

    api_key = secrets.token_urlsafe(24)
    with (
        ThreadedEmulator(db=db, api_key=api_key, faults=faults) as emulator,
        Client(api_key=api_key, base_url=emulator.base_url, **client_options) as client,
    ):
        yield client


# Users import these from here; reprs and docs should say so.
for _name in ("Emulator", "Faults", "Script", "ScriptError", "ThreadedEmulator"):
    globals()[_name].__module__ = __name__
del _name
