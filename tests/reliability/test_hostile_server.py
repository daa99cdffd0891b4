"""Hostile server: whatever a server sends back, the client ends with a typed error, in bounded memory.

A loopback server plays every trick on one route per case: bodies over the size cap (declared or
streamed), a gzip or deflate bomb, a body that never ends (fast, and a slow trickle), invalid or
absurd JSON (a deep nest, a 100,000-digit number), garbage instead of HTTP, and redirects (301 to
308) to another origin. Each call must raise an error of our hierarchy (never a bare aiohttp,
``RecursionError`` or ``ValueError``), with the traced memory peak far below the bomb's size, and no
request — so no credential — may ever reach the other origin.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from conversations_sdk import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    ConversationsError,
    ResponseValidationError,
    RetryPolicy,
)
from tests._support.reliability import FigureRecorder, count
from tests.conftest import API_KEY

CAP = 1 << 20  # the client's max_response_size in this test
BOMB_SIZE = count(512, 32) << 20  # what the bombs inflate to (building one takes seconds)
CHUNK = b"x" * (64 << 10)
MEMORY_BOUND = 16 << 20  # traced peak allowed per call: 16x the cap, 1/32 of a bomb

Behaviour = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _compressed_zeros(size: int, wbits: int) -> bytes:
    """``size`` zero bytes compressed, built a MiB at a time (the bomb itself is never in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(size >> 20)]
    return b"".join([*parts, compressor.flush()])


async def _stream(
    request: web.Request, *, length: int | None, headers: dict[str, str]
) -> web.StreamResponse:
    """Send CHUNK after CHUNK, forever (or until ``length``), until the client hangs up."""
    response = web.StreamResponse(headers={"Content-Type": "application/json", **headers})
    if length is None:
        response.enable_chunked_encoding()
    else:
        response.content_length = length
    await response.prepare(request)
    sent = 0
    try:
        while length is None or sent < length:
            await response.write(CHUNK)
            sent += len(CHUNK)
    except (ConnectionError, RuntimeError):
        pass  # the client closed the connection: that is the point
    return response


async def _declared_over_cap(request: web.Request) -> web.StreamResponse:
    return await _stream(request, length=64 << 20, headers={})


async def _endless(request: web.Request) -> web.StreamResponse:
    return await _stream(request, length=None, headers={})


async def _error_endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(status=500, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        while True:
            await response.write(CHUNK)
    except (ConnectionError, RuntimeError):
        pass
    return response


async def _trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        while True:
            await response.write(b" ")
            await asyncio.sleep(0.01)  # the server's pace, not a wait in the test
    except (ConnectionError, RuntimeError):
        pass
    return response


def _body(data: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> Behaviour:
    async def respond(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=data,
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    return respond


class Hostile:
    """The hostile server's cases, the requests it saw, and the other origin's requests."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.elsewhere: list[tuple[str, dict[str, str]]] = []
        self.elsewhere_url = ""
        gzip_bomb = _compressed_zeros(BOMB_SIZE, 31)
        deflate_bomb = _compressed_zeros(BOMB_SIZE, 15)
        self.cases: dict[str, tuple[Behaviour, type[BaseException]]] = {
            "declared-64MiB": (_declared_over_cap, APIError),
            "endless-chunked": (_endless, APIError),
            "endless-error-body": (_error_endless, APIError),
            "endless-trickle": (_trickle, APITimeoutError),
            f"gzip-bomb-{BOMB_SIZE >> 20}MiB": (
                _body(gzip_bomb, headers={"Content-Encoding": "gzip"}),
                APIError,
            ),
            f"deflate-bomb-{BOMB_SIZE >> 20}MiB": (
                _body(deflate_bomb, headers={"Content-Encoding": "deflate"}),
                APIError,
            ),
            "invalid-json": (_body(b'{"id": "conv_1", '), ResponseValidationError),
            "not-utf8": (_body(b'{"id": "\xff\xfe"}'), ResponseValidationError),
            # An object of the wrong shape is read leniently (issue 13); no object is an error.
            "not-an-object": (_body(b'[{"id": 5}]'), ResponseValidationError),
            "deep-nesting": (_body(b"[" * 100_000 + b"]" * 100_000), ResponseValidationError),
            "deep-nesting-error": (
                _body(b"[" * 100_000 + b"]" * 100_000, status=400),
                APIStatusError,
            ),
            "huge-number": (
                _body(
                    b'{"id": "conv_1", "object": "conversation", "created_at": 1'
                    + b"0" * 100_000
                    + b', "metadata": {}}'
                ),
                ResponseValidationError,
            ),
            "bad-content-encoding": (
                _body(b"not gzip", headers={"Content-Encoding": "gzip"}),
                APIConnectionError,
            ),
            "huge-header": (_body(b"{}", headers={"X-Big": "a" * 200_000}), APIConnectionError),
        }
        for code in (301, 302, 303, 307, 308):
            self.cases[f"redirect-{code}"] = (self._redirect(code), APIStatusError)

    def _redirect(self, code: int) -> Behaviour:
        async def respond(request: web.Request) -> web.StreamResponse:
            return web.Response(
                status=code, headers={"Location": self.elsewhere_url + request.path_qs}
            )

        return respond


@pytest.fixture
async def hostile() -> AsyncIterator[tuple[Hostile, str]]:
    """The hostile server and the other origin, both on 127.0.0.1; yields the API base URL."""
    state = Hostile()

    @web.middleware
    async def play(request: web.Request, handler: Any) -> web.StreamResponse:
        case = request.path.rsplit("/", 1)[-1]
        state.seen.append(case)
        await request.read()
        return await state.cases[case][0](request)

    @web.middleware
    async def record_elsewhere(request: web.Request, handler: Any) -> web.StreamResponse:
        state.elsewhere.append((request.path, dict(request.headers)))
        return web.json_response(
            {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}
        )

    server = TestServer(web.Application(middlewares=[play]), host="127.0.0.1", port=0)
    other = TestServer(web.Application(middlewares=[record_elsewhere]), host="127.0.0.1", port=0)
    await server.start_server()
    await other.start_server()
    state.elsewhere_url = str(other.make_url("")).rstrip("/")
    try:
        yield state, str(server.make_url("/v1"))
    finally:
        await server.close()
        await other.close()


async def _measure(call: Callable[[], Awaitable[Any]]) -> tuple[BaseException | None, int, float]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        await call()
    except BaseException as exc:
        error: BaseException | None = exc
    else:
        error = None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, peak, time.perf_counter() - started


async def test_hostile_responses_end_in_typed_errors(
    hostile: tuple[Hostile, str], figure: FigureRecorder
) -> None:
    """Every hostile answer: our typed error, memory bounded, nothing sent to the other origin."""
    state, base_url = hostile
    results: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    async with AsyncClient(
        api_key=API_KEY,
        base_url=base_url,
        max_response_size=CAP,
        timeout=aiohttp.ClientTimeout(total=0.5),
        retry=RetryPolicy.no_backoff(),
    ) as client:
        for name, (_, expected) in state.cases.items():
            for method in ("GET", "POST"):
                call = (
                    (lambda n=name: client.conversations.retrieve(n, max_retries=0))
                    if method == "GET"
                    else (lambda n=name: client.conversations.update(n, metadata={}, max_retries=0))
                )
                error, peak, seconds = await _measure(call)
                results[f"{name} {method}"] = {
                    "error": type(error).__name__ if error else None,
                    "peak_MiB": round(peak / (1 << 20), 2),
                    "seconds": round(seconds, 2),
                }
                if not isinstance(error, expected) or not isinstance(error, ConversationsError):
                    problems.append(f"{name} {method}: {error!r}, expected {expected.__name__}")
                if peak > MEMORY_BOUND:
                    problems.append(f"{name} {method}: traced peak {peak} bytes")
    redirects = [n for n in state.seen if n.startswith("redirect-")]
    figure(
        hostile_responses=len(results),
        typed_errors=sum(r["error"] is not None for r in results.values()) - len(problems),
        max_peak_MiB=max(r["peak_MiB"] for r in results.values()),
        bomb_MiB=BOMB_SIZE >> 20,
        requests_to_other_origin=len(state.elsewhere),
        redirects_followed=len(redirects) - 10,
        cases=results,
    )
    assert not problems, problems
    assert state.elsewhere == [], "a request (and its Authorization header) went to another origin"
    assert len(redirects) == 10  # one request per redirect case and method: none was followed


GARBAGE = {
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    "status-999": b"HTTP/1.1 999 Whatever\r\nContent-Length: 2\r\n\r\n{}",
    "no-status": b"HTTP/1.1\r\n\r\n",
    "binary": bytes(range(256)) * 4,
    "close-at-once": b"",
}


async def test_garbage_instead_of_http_is_a_typed_error(figure: FigureRecorder) -> None:
    """A server that answers with bytes that are not HTTP yields our typed error, never aiohttp's."""
    answers: dict[str, str] = {}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        case = (await reader.readline()).split(b" ")[1].rsplit(b"/", 1)[-1].decode()
        writer.write(GARBAGE[case])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AsyncClient(
            api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, timeout=2.0
        ) as client:
            for case in GARBAGE:
                try:
                    await client.conversations.retrieve(case)
                except ConversationsError as exc:
                    answers[case] = type(exc).__name__
    finally:
        server.close()
        await server.wait_closed()
    figure(garbage_answers=len(GARBAGE), typed_errors=len(answers), errors=answers)
    assert set(answers) == set(GARBAGE)
