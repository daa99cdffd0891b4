"""A canned Conversations API server for benchmarks: raw asyncio, pre-encoded responses.

It must cost the client nothing it would not pay against the real API and stay out of the
client's way: a bare HTTP/1.1 keep-alive parser over :class:`asyncio.Protocol` (no framework, no
per-request JSON encoding), serving responses built once and cached. It does not validate
requests; the emulator is the server that checks behaviour, this one only answers fast.

Routes (with or without the ``/v1`` prefix):

- ``GET /v1/conversations/{id}`` and ``POST /v1/conversations``: a ``ConversationResource``;
- ``GET /v1/conversations/conv_items_<N>/items?limit=&after=``: pages over N items with real
  ``has_more``/``last_id`` cursors (see :mod:`bench._payloads`).

Run ``python -m bench.server [--port 0] [--preload 10000,100000]``: it prints ``READY <port>``
on stdout once listening, and stops on SIGTERM/SIGINT or when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from urllib.parse import parse_qs

from bench import _payloads

_JSON_HEAD = (
    b"HTTP/1.1 %d %s\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: %d\r\n"
    b"x-request-id: req_bench\r\n"
    b"\r\n"
)
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


def _response(status: int, body: bytes) -> bytes:
    return _JSON_HEAD % (status, _REASONS[status], len(body)) + body


def _encode(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _error(status: int, message: str) -> bytes:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    }
    return _response(status, _encode(body))


class CannedApp:
    """Maps a request line to pre-encoded response bytes, caching everything it builds."""

    def __init__(self) -> None:
        self._conversations: dict[str, bytes] = {}
        self._pages: dict[tuple[int, int, int], bytes] = {}

    def preload(self, total: int, limit: int = 100) -> None:
        """Encode every page of an N-item conversation now, so no timed request pays for it."""
        for start in range(0, total, limit):
            self._page(start, limit, total)

    def _conversation(self, conversation_id: str) -> bytes:
        cached = self._conversations.get(conversation_id)
        if cached is None:
            cached = _response(200, _encode(_payloads.conversation(conversation_id)))
            self._conversations[conversation_id] = cached
        return cached

    def _page(self, start: int, limit: int, total: int) -> bytes:
        key = (start, limit, total)
        cached = self._pages.get(key)
        if cached is None:
            cached = _response(200, _encode(_payloads.item_page(start, limit, total)))
            self._pages[key] = cached
        return cached

    def respond(self, method: bytes, target: bytes) -> bytes:
        """The full HTTP response for one request."""
        path, _, query = target.decode("latin-1").partition("?")
        if path.startswith("/v1/"):
            path = path[3:]
        parts = path.strip("/").split("/")
        if parts[0] != "conversations":
            return _error(404, f"no route for {path}")
        if len(parts) == 1 and method == b"POST":
            return self._conversation("conv_bench_created")
        if len(parts) == 2 and method == b"GET":
            return self._conversation(parts[1])
        if len(parts) == 3 and parts[2] == "items" and method == b"GET":
            return self._items(parts[1], query)
        return _error(404, f"no route for {method.decode()} {path}")

    def _items(self, conversation_id: str, query: str) -> bytes:
        total = 0
        if conversation_id.startswith(_payloads.ITEMS_PREFIX):
            total = int(conversation_id[len(_payloads.ITEMS_PREFIX) :])
        params = parse_qs(query)
        try:
            limit = int(params.get("limit", ["20"])[0])
            after = params.get("after")
            start = _payloads.index_of(after[0]) + 1 if after else 0
        except ValueError:
            return _error(400, f"bad query {query!r}")
        if not 1 <= limit <= 100:
            return _error(400, f"limit {limit} outside 1..100")
        return self._page(start, limit, total)


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; requests are answered in order, as they complete."""

    def __init__(self, app: CannedApp) -> None:
        self._app = app
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        transport = self._transport
        assert transport is not None
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = bytes(buffer[:head_end]).lower()
            length = 0
            marker = head.find(b"\r\ncontent-length:")
            if marker >= 0:
                line_end = head.find(b"\r\n", marker + 2)
                length = int(head[marker + 17 : line_end if line_end >= 0 else None])
            elif b"\r\ntransfer-encoding:" in head:
                # No client under test streams a request body; refuse rather than mis-parse.
                transport.write(_error(400, "chunked request bodies are not supported"))
                transport.close()
                return
            if len(buffer) < head_end + 4 + length:
                return
            method, target, _ = bytes(buffer[: buffer.find(b"\r\n")]).split(b" ", 2)
            del buffer[: head_end + 4 + length]
            transport.write(self._app.respond(method, target))
            if b"\r\nconnection: close" in head:
                transport.close()
                return


async def serve(port: int, preload: list[int], *, watch_stdin: bool = False) -> None:
    """Listen on 127.0.0.1:port, print ``READY <port>``, serve until told to stop.

    Args:
        port: TCP port on 127.0.0.1; 0 lets the OS pick one.
        preload: item counts whose pages are encoded before ``READY``.
        watch_stdin: also stop when stdin reaches EOF (the driver holds it open).
    """
    app = CannedApp()
    for total in preload:
        app.preload(total)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(app), "127.0.0.1", port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if watch_stdin:
        # The driver holds our stdin: if it dies without signalling us, EOF still stops us.
        fd = sys.stdin.fileno()
        loop.add_reader(fd, lambda: None if os.read(fd, 1) else stop.set())
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: ``python -m bench.server``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--preload", default="", help="comma-separated item counts to pre-encode")
    parser.add_argument("--watch-stdin", action="store_true", help="stop at EOF on stdin")
    args = parser.parse_args(argv)
    preload = [int(n) for n in args.preload.split(",") if n]
    asyncio.run(serve(args.port, preload, watch_stdin=args.watch_stdin))


if __name__ == "__main__":
    main()
