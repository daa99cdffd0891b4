"""Shared by the contract tests and their conftest: the handle of a running Prism, and a recording
proxy in front of it.

Imported as ``tests._support.contract``: the full name keeps it apart from the repository's
``contract/`` npm folder.

Why a proxy: Prism validates what the spec declares and silently ignores the rest. An undeclared
query parameter (``foo=1``, or a misspelt ``include``) gets a 200, and a body key the user never
passed is accepted, so "no 422" alone would let such bugs through. The proxy records every exchange
(method, path, query, both bodies), matches it to the spec's operation, flags query parameters the
operation does not declare, and forwards to Prism. The official SDKs serialise array parameters
with brackets (``include[]=a&include[]=b``), which OpenAPI 3.1 has no style for; the proxy forwards
``name[]`` as ``name`` for array parameters the operation declares, so Prism still validates every
value against the spec's enum.
"""

from __future__ import annotations

import asyncio
import collections
import json
import pathlib
import re
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
from aiohttp import web

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: Request header carrying a test's own tag for one call, so concurrent calls can be told apart.
CALL_TAG = "x-contract-call"
#: operation id -> (responses checked, Prism answers discarded, bodies also checked by
#: tests/_support/spec_validation.py), for the closing summary.
DYNAMIC_STATS: dict[str, tuple[int, int, int]] = {}
# Not forwarded: they describe one hop, and aiohttp sets its own.
_HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding", "keep-alive"}
)


@attrs.frozen
class PrismServer:
    """One running Prism mock: where it listens, its process and the tail of its log."""

    base_url: str
    dynamic: bool
    process: subprocess.Popen[str] = attrs.field(repr=False)
    log: collections.deque[str] = attrs.field(repr=False)  # its last lines, for debugging


@attrs.frozen
class Operation:
    """One operation of the spec: how to recognise its path, and its query parameters."""

    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    query_params: Mapping[str, Mapping[str, Any]]  # name -> schema


def spec_operations(spec: Mapping[str, Any]) -> list[Operation]:
    """Every operation of ``spec``, with a regex for its path template."""
    operations: list[Operation] = []
    for template, item in spec["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = {
                p["name"]: p.get("schema", {})
                for p in [*item.get("parameters", []), *op.get("parameters", [])]
                if p.get("in") == "query"
            }
            operations.append(
                Operation(
                    op["operationId"], method.upper(), template, re.compile(f"^{regex}$"), params
                )
            )
    return operations


@attrs.frozen
class Exchange:
    """One request as the SDK sent it, and Prism's answer."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    request_body: Any
    operation_id: str | None
    problems: tuple[str, ...]
    status: int
    response_body: Any = attrs.field(repr=False)
    tag: str | None
    headers: Mapping[str, str] = attrs.field(repr=False)

    def describe(self) -> str:
        """One line for assertion messages: the request and what went wrong."""
        return f"{self.method} {self.path} {list(self.query)} -> {self.status} {self.problems}"


def violations(body: Any) -> list[str]:
    """Prism's 422 body, reduced to "location: message" lines."""
    if not isinstance(body, dict):
        return [repr(body)]
    return [
        f"{'.'.join(map(str, v.get('location', [])))}: {v.get('message')}"
        for v in body.get("validation", [])
    ]


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class RecordingProxy:
    """A loopback HTTP proxy on its own thread and loop, recording exchanges with one upstream."""

    def __init__(self, upstream: str, operations: list[Operation]) -> None:
        self.upstream = upstream.rstrip("/")
        self._operations = operations
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []
        self._by_tag: dict[str, Exchange] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="contract-proxy")
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""
        self.total = 0

    def start(self) -> None:
        """Start the thread and listen on 127.0.0.1 (OS-chosen port)."""
        self._thread.start()
        self.base_url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)

    async def _start(self) -> str:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64), auto_decompress=True
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Close the listener and the upstream session, then end the thread."""
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._loop.close()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def _match(self, method: str, path: str) -> Operation | None:
        for op in self._operations:
            if op.method == method and op.pattern.match(path):
                return op
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        raw_body = await request.read()
        operation = self._match(request.method, request.path)
        problems: list[str] = []
        if operation is None:
            problems.append(f"no operation of the spec is {request.method} {request.path}")
        sent = tuple((k, v) for k, v in request.query.items())
        forwarded: list[tuple[str, str]] = []
        for key, value in sent:
            name = key
            declared = operation.query_params if operation else {}
            if key.endswith("[]") and declared.get(key[:-2], {}).get("type") == "array":
                name = key[:-2]
            elif key not in declared:
                problems.append(f"query parameter {key!r} is not declared by the spec")
            forwarded.append((name, value))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with self._session.request(
            request.method,
            self.upstream + request.path,
            params=forwarded,
            data=raw_body or None,
            headers=headers,
        ) as upstream:
            body = await upstream.read()
            status = upstream.status
            content_type = upstream.headers.get("Content-Type", "application/json")
        exchange = Exchange(
            method=request.method,
            path=request.path,
            query=sent,
            request_body=_decode(raw_body),
            operation_id=operation.operation_id if operation else None,
            problems=tuple(problems),
            status=status,
            response_body=_decode(body),
            tag=request.headers.get(CALL_TAG),
            headers=dict(request.headers),
        )
        with self._lock:
            self._exchanges.append(exchange)
            self.total += 1
            if exchange.tag is not None:
                self._by_tag[exchange.tag] = exchange
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    def take(self) -> list[Exchange]:
        """The exchanges recorded since the last call, oldest first (and forget them)."""
        with self._lock:
            taken, self._exchanges = self._exchanges, []
            self._by_tag.clear()
        return taken

    def by_tag(self, tag: str) -> Exchange:
        """The exchange whose request carried ``CALL_TAG: tag``."""
        with self._lock:
            return self._by_tag[tag]
