"""The one place where the SDK reaches into a dependency's private attributes.

Each reach is one small function here, with a comment saying why no public API does the job and
which versions it was checked on, and a test in ``tests/unit/test_compat.py`` that fails the day
the dependency changes what it relies on (so an upgrade breaks a test, not a user).
``tests/unit/test_private_reaches.py`` checks that no other module touches a private attribute
of aiohttp or anyio. Nothing else lives here.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

__all__ = ["close_connector_now", "disable_connection_retry"]


def disable_connection_retry(session: aiohttp.ClientSession) -> None:
    """Stop aiohttp from silently resending a GET/DELETE once after a dropped connection.

    Our retry loop must be the only one, or the attempt count and the retry budget would be
    wrong. aiohttp has no public switch, but lists ``_retry_connection`` among the attributes
    ``ClientSession`` lets callers set (``ClientSession.ATTRS``); checked on 3.14.
    """
    session._retry_connection = False


def close_connector_now(connector: aiohttp.BaseConnector) -> None:
    """Close ``connector``'s sockets now, without a running event loop.

    For a client that was never closed and whose loop is gone (the unclosed-client finalizer):
    ``BaseConnector.close()`` is a coroutine that needs a loop, while aiohttp's own synchronous
    ``_close()`` (3.x) does the same work at once. An aiohttp without it gets nothing done here,
    and the sockets are left to the garbage collector as before; errors of a half-torn-down
    connector are ignored for the same reason.
    """
    close_now = getattr(connector, "_close", None)
    if close_now is not None:
        with contextlib.suppress(Exception):
            close_now()
