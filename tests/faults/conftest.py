"""Fixtures for the fault tests: the scripted loopback server and a real-socket client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from conversations_sdk import AsyncClient, RetryPolicy
from tests._support.fault_server import FaultServer
from tests._support.sessions import SessionProbe
from tests.conftest import API_KEY


@pytest.fixture
async def fault_server() -> AsyncIterator[FaultServer]:
    """A FaultServer listening on 127.0.0.1 for the duration of one test."""
    fault = FaultServer()

    # A middleware, not a route: every request reaches the script, whatever its (decoded) path
    # contains, so routing can never hide what the client put on the wire.
    @web.middleware
    async def catch_all(request: web.Request, handler: Any) -> web.StreamResponse:
        return await fault.handle(request)

    app = web.Application(middlewares=[catch_all])
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    fault.server = server
    try:
        yield fault
    finally:
        await server.close()


@pytest.fixture
def pool() -> SessionProbe:
    """The session_factory of this test's clients, to look into their connection pool."""
    return SessionProbe()


@pytest.fixture
async def fault_client(fault_server: FaultServer, pool: SessionProbe) -> AsyncIterator[AsyncClient]:
    """A real-socket client on the fault server: zero backoff, 5 s timeout; leaks checked at exit."""
    async with AsyncClient(
        api_key=API_KEY,
        base_url=fault_server.url,
        retry=RetryPolicy.no_backoff(),
        timeout=aiohttp.ClientTimeout(total=5.0),
        session_factory=pool,
    ) as client:
        yield client
        pool.assert_no_leaks()
