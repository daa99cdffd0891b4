"""A scripted aiohttp server on 127.0.0.1 (port chosen by the OS) for fault tests over real sockets.

Each test queues behaviours (``"reset"``, ``"stall"``, a status, a truncated body, ...); every request
takes the next one (the last repeats) and is recorded with its raw path, headers and the client's
address (one per connection). ``open_connections()`` counts the connections the server holds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CONV = {"id": "conv_1", "object": "conversation", "created_at": 1741900000, "metadata": {}}

Behaviour = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Recorded:
    """One request as the server saw it."""

    def __init__(self, request: web.Request) -> None:
        self.method = request.method
        self.raw_path = request.raw_path
        self.headers = dict(request.headers)
        # The client's (host, port): the same for every request sent over one connection.
        transport = request.transport
        self.peer = None if transport is None else transport.get_extra_info("peername")


class FaultServer:
    """The scripted server: ``script`` behaviours, ``requests`` recorded, ``url`` to aim at."""

    def __init__(self) -> None:
        self.script: list[Behaviour] = []
        self.requests: list[Recorded] = []
        self.server: TestServer | None = None
        self.stalled = asyncio.Event()

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1"))

    def open_connections(self) -> int:
        """Connections the server holds open right now (idle keep-alive ones included)."""
        assert self.server is not None
        assert self.server.runner is not None
        server = self.server.runner.server
        return 0 if server is None else len(server.connections)

    def then(self, *behaviours: Behaviour) -> FaultServer:
        self.script.extend(behaviours)
        return self

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Recorded(request))
        await request.read()
        behaviour = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return await behaviour(request)


# --- behaviours -----------------------------------------------------------------------------------


def ok(body: Any = CONV, headers: dict[str, str] | None = None) -> Behaviour:
    async def respond(request: web.Request) -> web.StreamResponse:
        return web.json_response(body, headers=headers)

    return respond


def status(code: int, headers: dict[str, str] | None = None) -> Behaviour:
    async def respond(request: web.Request) -> web.StreamResponse:
        body = {"error": {"message": f"status {code}", "type": "t", "param": None, "code": None}}
        return web.json_response(body, status=code, headers=headers)

    return respond


def reset() -> Behaviour:
    """Drop the connection without answering."""

    async def respond(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    return respond


def stall(server: FaultServer) -> Behaviour:
    """Never answer (until the client gives up and the server shuts down)."""

    async def respond(request: web.Request) -> web.StreamResponse:
        server.stalled.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return respond


def truncated(body: Any = CONV) -> Behaviour:
    """Promise the whole body in Content-Length, send half, then drop the connection."""

    async def respond(request: web.Request) -> web.StreamResponse:
        data = json.dumps(body).encode()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        assert request.transport is not None
        request.transport.abort()
        return response

    return respond


def raw(data: bytes, headers: dict[str, str], code: int = 200) -> Behaviour:
    """Send these exact bytes with these headers."""

    async def respond(request: web.Request) -> web.StreamResponse:
        return web.Response(body=data, status=code, headers=headers)

    return respond
