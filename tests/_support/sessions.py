"""``SessionProbe``: a ``session_factory`` that lets a test look into the pool of a client's session.

The client is given the probe through its public ``session_factory=`` argument: the client calls it
once, inside the running loop, and owns (and closes) the session it returns, exactly as with any
factory. The probe keeps a reference, so a test can ask how many connections are checked out or
idle, and counts the requests the session sent (an aiohttp trace). The session is built like the
one the client makes for itself: a ``TCPConnector`` of 1000 connections, no cookie jar.

aiohttp has no public count of a pool's connections: :meth:`SessionProbe.checked_out` and
:meth:`SessionProbe.idle` read the connector's private sets. That reach is confined to this module,
for tests that are about the aiohttp layer (connections released after errors and streams).
"""

from __future__ import annotations

from typing import Any

import aiohttp


class SessionProbe:
    """Make the client's session (``session_factory=probe``) and keep an eye on its pool."""

    def __init__(self, *, limit: int = 1000) -> None:
        self.limit = limit
        self.sessions: list[aiohttp.ClientSession] = []
        self.requests = 0

    def __call__(self) -> aiohttp.ClientSession:
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._count)
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.limit),
            cookie_jar=aiohttp.DummyCookieJar(),
            trace_configs=[trace],
        )
        self.sessions.append(session)
        return session

    async def _count(self, *_: Any) -> None:
        self.requests += 1

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session the client asked for, or ``None`` while it has sent nothing."""
        assert len(self.sessions) <= 1, f"the factory was called {len(self.sessions)} times"
        return self.sessions[0] if self.sessions else None

    def checked_out(self) -> int:
        """Connections handed out by the pool and not yet returned (0 if no session yet)."""
        connector = self._connector()
        return 0 if connector is None else len(connector._acquired)

    def idle(self) -> int:
        """Connections kept in the pool for reuse (0 if no session yet)."""
        connector = self._connector()
        return 0 if connector is None else sum(len(c) for c in connector._conns.values())

    def assert_no_leaks(self) -> None:
        """Every connection the client took from the pool has been returned or closed."""
        leaked = self.checked_out()
        assert not leaked, f"{leaked} connection(s) still checked out"

    def _connector(self) -> Any:
        session = self.session
        return None if session is None else session.connector
