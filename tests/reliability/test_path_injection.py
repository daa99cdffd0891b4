"""Path injection: for any Unicode ids, the raw request path stays inside the intended route.

Hypothesis draws arbitrary ids (any code point, surrogates included) for every operation that puts
an id in the path. A loopback server records the raw request target exactly as it arrived. Either
the client refuses the id before sending (a dot segment, which would change the route, or a lone
surrogate, which is not text) with :class:`InvalidRequestError`, or the path is exactly the
route's template with each id as one percent-encoded segment, with no query and no fragment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import unquote

import anyio.from_thread
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations_sdk import AsyncClient, InvalidRequestError, NotFoundError, RetryPolicy
from tests._support.reliability import FigureRecorder, count
from tests.conftest import API_KEY

MSG = {"role": "user", "content": "x"}
NOT_FOUND = {
    "error": {"message": "no", "type": "invalid_request_error", "param": None, "code": None}
}

Call = Callable[[AsyncClient, str, str], Awaitable[Any]]
# name -> (call, method, path template with {c} and {i})
OPERATIONS: dict[str, tuple[Call, str, tuple[str, ...]]] = {
    "conversations.retrieve": (lambda c, cid, iid: c.conversations.retrieve(cid), "GET", ("{c}",)),
    "conversations.update": (
        lambda c, cid, iid: c.conversations.update(cid, metadata={}),
        "POST",
        ("{c}",),
    ),
    "conversations.delete": (lambda c, cid, iid: c.conversations.delete(cid), "DELETE", ("{c}",)),
    "items.create": (
        lambda c, cid, iid: c.conversations.items.create(cid, items=[MSG]),
        "POST",
        ("{c}", "items"),
    ),
    "items.list": (lambda c, cid, iid: _first_page(c, cid), "GET", ("{c}", "items")),
    "items.retrieve": (
        lambda c, cid, iid: c.conversations.items.retrieve(iid, conversation_id=cid),
        "GET",
        ("{c}", "items", "{i}"),
    ),
    "items.delete": (
        lambda c, cid, iid: c.conversations.items.delete(iid, conversation_id=cid),
        "DELETE",
        ("{c}", "items", "{i}"),
    ),
}

# Any code point, surrogates and control characters included; plus the pieces attacks are made
# of, so traversal, query, fragment and encoded forms turn up often rather than by luck.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=40)
PIECES = st.sampled_from(
    [
        ".",
        "..",
        "%2e",
        "%2E%2e",
        "%252e",
        "/",
        "\\",
        "?",
        "#",
        "%2f",
        "%",
        "%00",
        "\x00",
        "\r\n",
        "\ud800",
        " ",
    ]
)
IDS = st.one_of(
    ANY_TEXT,
    st.lists(st.one_of(PIECES, ANY_TEXT), min_size=1, max_size=6).map("".join),
)


async def _first_page(client: AsyncClient, cid: str) -> Any:
    return await client.conversations.items.list(cid)


def _must_be_refused(value: str) -> bool:
    """A dot segment (after any number of percent-decodings) or a lone surrogate."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return True
    decoded = value
    while True:
        if decoded in (".", ".."):
            return True
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            return False


class Recorder:
    """The loopback server's record of raw request lines, and the tallies of the property."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.examples = 0
        self.refused = 0
        self.sent = 0
        self.escapes: list[str] = []
        self.by_operation: dict[str, int] = dict.fromkeys(OPERATIONS, 0)


@pytest.fixture
def recorder_and_client() -> Iterator[
    tuple[Recorder, AsyncClient, anyio.from_thread.BlockingPortal]
]:
    """A recording server and a client, both on one loop thread, driven through a portal."""
    recorder = Recorder()

    # A middleware sees every request whatever its path: routing can never hide what was sent.
    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        recorder.requests.append((request.method, request.raw_path))
        await request.read()
        return web.json_response(NOT_FOUND, status=404)

    async def start() -> tuple[TestServer, AsyncClient]:
        server = TestServer(web.Application(middlewares=[record]), host="127.0.0.1", port=0)
        await server.start_server()
        client = AsyncClient(
            api_key=API_KEY,
            base_url=str(server.make_url("/v1")),
            retry=RetryPolicy.no_backoff(),
            max_retries=0,
        )
        return server, client

    async def stop(server: TestServer, client: AsyncClient) -> None:
        await client.aclose()
        await server.close()

    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        server, client = portal.call(start)
        try:
            yield recorder, client, portal
        finally:
            portal.call(stop, server, client)


async def _check(recorder: Recorder, client: AsyncClient, name: str, cid: str, iid: str) -> None:
    call, method, template = OPERATIONS[name]
    before = len(recorder.requests)
    uses_item = "{i}" in template
    if _must_be_refused(cid) or (uses_item and _must_be_refused(iid)):
        with pytest.raises(InvalidRequestError):
            await call(client, cid, iid)
        assert len(recorder.requests) == before, "a refused id still reached the server"
        recorder.refused += 1
        return
    with pytest.raises(NotFoundError):
        await call(client, cid, iid)
    (sent_method, raw_path) = recorder.requests[before]
    assert len(recorder.requests) == before + 1
    path, query_mark, _ = raw_path.partition("?")
    segments = path.split("/")
    parts = ["", "v1", "conversations", *template]
    inside = (
        sent_method == method
        and not query_mark
        and "#" not in raw_path
        and len(segments) == len(parts)
        and all(
            unquote(segment) == (cid if part == "{c}" else iid)
            if part in ("{c}", "{i}")
            else segment == part
            for segment, part in zip(segments, parts, strict=True)
        )
    )
    if not inside:
        recorder.escapes.append(f"{name}({cid!r}, {iid!r}) -> {method} {raw_path}")
    recorder.sent += 1


def test_arbitrary_unicode_ids_never_leave_their_route(
    recorder_and_client: tuple[Recorder, AsyncClient, anyio.from_thread.BlockingPortal],
    figure: FigureRecorder,
) -> None:
    """Every operation, arbitrary Unicode ids: the raw path is always the intended route."""
    recorder, client, portal = recorder_and_client

    @settings(max_examples=count(2_000, 150), deadline=None, database=None)
    @given(name=st.sampled_from(sorted(OPERATIONS)), cid=IDS, iid=IDS)
    def prop(name: str, cid: str, iid: str) -> None:
        recorder.examples += 1
        recorder.by_operation[name] += 1
        portal.call(_check, recorder, client, name, cid, iid)

    prop()
    figure(
        examples=recorder.examples,
        requests_sent=recorder.sent,
        refused_before_sending=recorder.refused,
        paths_outside_route=len(recorder.escapes),
        by_operation=recorder.by_operation,
    )
    assert not recorder.escapes, recorder.escapes[:5]
    assert recorder.sent + recorder.refused == recorder.examples
    # Both outcomes exercised: ids that went out, and ids refused before sending.
    assert recorder.sent > 0
    assert recorder.refused > 0
