"""Which servers answer on which event loop, so a blocking call that could never be answered fails.

The async :class:`~conversations_sdk.emulator.Emulator` registers its port here while it serves.
A blocking ``Client`` called from the thread of that emulator's loop (a notebook cell after
``await Emulator().start()``) would block the very thread the emulator needs: the call checks
here first and raises at once instead of waiting for its timeout. It imports only the pure
``_wire`` (the loopback test it shares with the transport): the emulator must not load the
client's converter or models.
"""

from __future__ import annotations

import asyncio
import weakref
from urllib.parse import urlsplit

from ._wire import is_loopback

__all__ = ["LOOP_SERVERS", "register_loop_server", "served_by_this_thread"]

#: port -> (host, the loop serving it).
LOOP_SERVERS: dict[int, tuple[str, weakref.ref[asyncio.AbstractEventLoop]]] = {}


def register_loop_server(host: str, port: int, loop: asyncio.AbstractEventLoop | None) -> None:
    """Record (``loop`` given) or forget (``None``) a server listening on ``port`` in ``loop``."""
    if loop is None:
        LOOP_SERVERS.pop(port, None)
    else:
        LOOP_SERVERS[port] = (host, weakref.ref(loop))


def served_by_this_thread(base_url: str) -> bool:
    """Whether ``base_url`` names a server running on the calling thread's own event loop."""
    loop = asyncio._get_running_loop()
    if loop is None:
        return False
    try:
        parts = urlsplit(base_url)
        port, host = parts.port, parts.hostname or ""
    except ValueError:
        return False
    entry = LOOP_SERVERS.get(port) if port is not None else None
    if entry is None or entry[1]() is not loop:
        return False
    return host == entry[0] or (is_loopback(host) and is_loopback(entry[0]))
