"""The official SDK's ``client.conversations`` surface on AsyncClient, against the emulator.

Streaming responses, full raw responses, pagers that are pages, ``with_options``/``copy``, api_key
providers, ``session_factory`` and the messages of async/blocking misuse (issue 15). Every call
crosses real loopback HTTP to the emulator (127.0.0.1).
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import threading
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import aiohttp
import pytest

from conversations_sdk import (
    NOT_GIVEN,
    APIConnectionError,
    APIError,
    AsyncClient,
    AsyncPager,
    AsyncStreamedResponse,
    ClientClosedError,
    HTTPRequest,
    InvalidRequestError,
    NotFoundError,
    PageInfo,
    RetryPolicy,
    StreamAlreadyConsumed,
    UnclosedClientWarning,
)
from conversations_sdk.emulator import Faults, ThreadedEmulator
from conversations_sdk.models import Conversation
from tests._support.sessions import SessionProbe

KEY = "sk-test-CANARY-dropin-async-0123456789"


def _message(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


class Counter:
    """Counts the requests a session sends (an aiohttp trace), by method and path."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def trace(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()

        async def on_start(_: Any, __: Any, params: aiohttp.TraceRequestStartParams) -> None:
            self.requests.append((params.method, params.url.path))

        config.on_request_start.append(on_start)
        return config


@pytest.fixture(scope="module")
def emu() -> Any:
    with ThreadedEmulator(api_key=KEY) as running:
        yield running


@pytest.fixture
def pool() -> SessionProbe:
    """The session_factory of the ``client`` fixture, to look into its connection pool."""
    return SessionProbe()


@pytest.fixture
async def client(emu: ThreadedEmulator, pool: SessionProbe) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        api_key=KEY, base_url=emu.base_url, retry=RetryPolicy.no_backoff(), session_factory=pool
    ) as opened:
        yield opened


@pytest.fixture
async def conv(client: AsyncClient) -> Conversation:
    return await client.conversations.create(items=[_message(f"m{n}") for n in range(5)])


@pytest.fixture
async def big(client: AsyncClient) -> Conversation:
    """A conversation whose item list is ~4 MB: more than socket buffers hold, so an unread body
    really is still on the wire (and its connection out of the pool)."""
    created = await client.conversations.create()
    for _ in range(5):  # under 1 MB per request body (aiohttp warns above that)
        await client.conversations.items.create(
            created.id, items=[_message("x" * 40_000) for _ in range(20)]
        )
    return created


# -- 1. with_streaming_response ---------------------------------------------------------------------


async def test_streaming_response_attributes_and_parse(
    client: AsyncClient, conv: Conversation, pool: SessionProbe
) -> None:
    """The official APIResponse's attributes; parse() reads, structures, caches and closes."""
    async with client.conversations.with_streaming_response.retrieve(conv.id) as response:
        assert isinstance(response, AsyncStreamedResponse)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.request_id is not None
        assert response.request_id.startswith("req_")
        assert response.http_request.method == "GET"
        assert response.url.endswith(f"/conversations/{conv.id}")
        assert response.method == "GET"
        assert response.http_version == "HTTP/1.1"
        assert response.retries_taken == 0
        assert response.is_closed is False
        parsed = await response.parse()
        assert isinstance(parsed, Conversation)
        assert parsed.id == conv.id
        assert parsed.request_id == response.request_id
        assert response.is_closed is True
        assert await response.parse() is parsed  # cached
        assert response.elapsed.total_seconds() > 0
    assert pool.checked_out() == 0


async def test_streaming_body_is_read_only_when_asked(
    client: AsyncClient, big: Conversation, pool: SessionProbe
) -> None:
    """Inside the block the body stays on the wire (the connection held) until read()."""
    async with client.conversations.items.with_streaming_response.list(
        big.id, limit=100
    ) as response:
        assert pool.checked_out() == 1  # the body is still on the wire
        assert response.is_closed is False
        body = await response.read()
        assert len(body) > 4_000_000
        assert response.is_closed is True
        assert pool.checked_out() == 0  # read whole: the connection went back to the pool


async def test_streaming_exit_without_reading_releases_the_connection(
    client: AsyncClient, big: Conversation, pool: SessionProbe
) -> None:
    """Leaving the block with the body unread drops the connection; the client keeps working."""
    async with client.conversations.items.with_streaming_response.list(
        big.id, limit=100
    ) as response:
        assert pool.checked_out() == 1
    assert response.is_closed is True
    assert pool.checked_out() == 0
    assert (await client.conversations.retrieve(big.id)).id == big.id


async def test_streaming_read_text_json_and_iterators(
    client: AsyncClient, conv: Conversation
) -> None:
    """read/text/json agree; iter_bytes after read() replays the kept body; iter_lines splits."""
    async with client.conversations.items.with_streaming_response.list(conv.id) as response:
        body = await response.read()
        assert await response.text() == body.decode()
        assert (await response.json())["object"] == "list"
        chunks = [chunk async for chunk in response.iter_bytes(7)]
        assert b"".join(chunks) == body
        assert max(map(len, chunks)) == 7
        assert "".join([line async for line in response.iter_lines()]) == body.decode().strip()


async def test_streaming_iter_bytes_streams_then_read_refuses(
    client: AsyncClient, conv: Conversation
) -> None:
    """iter_bytes() without read() streams the body once; reading it again is a typed error."""
    async with client.conversations.with_streaming_response.retrieve(conv.id) as response:
        streamed = b"".join([chunk async for chunk in response.iter_bytes()])
        assert streamed.startswith(b"{")
        assert response.is_closed is True
        with pytest.raises(StreamAlreadyConsumed, match="read\\(\\)"):
            await response.read()


async def test_streaming_error_is_raised_on_enter(client: AsyncClient, pool: SessionProbe) -> None:
    """A failed call raises when the block is entered, as the official SDK does; no body is left."""
    with pytest.raises(NotFoundError) as caught:
        async with client.conversations.with_streaming_response.retrieve("conv_missing"):
            pytest.fail("the block must not run for an error")
    assert caught.value.status_code == 404
    assert pool.checked_out() == 0


async def test_streaming_retries_before_handing_over(
    emu: ThreadedEmulator, client: AsyncClient, conv: Conversation
) -> None:
    """Two 503s then a 200: the block gets the final success, with retries_taken == 2."""
    emu.set_faults(Faults(mode="503", max_faults=2, methods=["GET"]))
    try:
        async with client.conversations.with_streaming_response.retrieve(conv.id) as response:
            assert response.retries_taken == 2
            assert (await response.parse()).id == conv.id
    finally:
        emu.set_faults(None)


async def test_streaming_list_parses_to_the_page(client: AsyncClient, conv: Conversation) -> None:
    """items.with_streaming_response.list(...).parse() is the page object, as in the official SDK."""
    async with client.conversations.items.with_streaming_response.list(
        conv.id, limit=2, order="asc"
    ) as response:
        page = await response.parse()
    assert isinstance(page, AsyncPager)
    assert len(page.data) == 2
    assert page.has_next_page()
    assert [len(p.data) async for p in page.iter_pages()] == [2, 2, 1]


async def test_streaming_every_method_of_both_resources(client: AsyncClient) -> None:
    """create/retrieve/update/delete and the items' create/retrieve/delete all stream."""
    streaming = client.with_streaming_response.conversations
    async with streaming.create(items=[_message("a")]) as response:
        created = await response.parse()
    async with streaming.update(created.id, metadata={"k": "v"}) as response:
        assert (await response.parse()).metadata == {"k": "v"}
    async with streaming.items.create(created.id, items=[_message("b")]) as response:
        added = await response.parse()
    item_id = added.data[0].id
    async with streaming.items.retrieve(item_id, conversation_id=created.id) as response:
        assert (await response.parse()).id == item_id
    async with streaming.items.delete(item_id, conversation_id=created.id) as response:
        assert (await response.parse()).id == created.id
    async with streaming.delete(created.id) as response:
        assert (await response.parse()).deleted is True


async def test_streaming_misuse_says_what_to_write(client: AsyncClient, conv: Conversation) -> None:
    """A plain `with` or an `await` on the async streaming call names `async with`."""
    manager = client.conversations.with_streaming_response.retrieve(conv.id)
    with pytest.raises(TypeError, match="async with"), manager:  # type: ignore[attr-defined]
        pass
    with pytest.raises(TypeError, match="async with"):
        await manager  # type: ignore[misc]


# -- 2. raw responses -------------------------------------------------------------------------------


async def test_raw_response_carries_the_official_attributes(
    client: AsyncClient, conv: Conversation
) -> None:
    """http_request, url, method, content, text (property and call), json(), elapsed, is_closed."""
    raw = await client.conversations.with_raw_response.retrieve(conv.id)
    assert isinstance(raw.http_request, HTTPRequest)
    assert raw.http_request.method == raw.method == "GET"
    assert raw.url == raw.http_request.url
    assert raw.url.endswith(f"/conversations/{conv.id}")
    assert raw.http_request.headers["authorization"] == f"Bearer {KEY}"
    assert raw.content.startswith(b"{")
    assert raw.text == raw.content.decode() == raw.text()
    assert raw.json()["id"] == conv.id
    assert isinstance(raw.elapsed, datetime.timedelta)
    assert raw.elapsed.total_seconds() > 0
    assert raw.is_closed is True
    assert raw.parse().id == conv.id


async def test_raw_response_never_shows_the_key(client: AsyncClient, conv: Conversation) -> None:
    """The request's headers hold the key, but no repr or str of the response shows it."""
    raw = await client.conversations.with_raw_response.retrieve(conv.id)
    for text in (repr(raw), str(raw), repr(raw.http_request), repr(raw.http_request.headers)):
        assert KEY not in text
    assert "[secure]" in repr(raw.http_request.headers)
    async with client.conversations.with_streaming_response.retrieve(conv.id) as response:
        assert KEY not in repr(response) + repr(response.http_request.headers)


# -- 3. pagers that are pages ---------------------------------------------------------------------


async def test_awaited_list_is_the_first_page(client: AsyncClient, conv: Conversation) -> None:
    """`await items.list(...)` has data, cursors, request_id and the page helpers."""
    page = await client.conversations.items.list(conv.id, limit=2, order="asc")
    assert len(page.data) == 2
    assert page.has_more is True
    assert page.object == "list"
    assert page.first_id == page.data[0].id
    assert page.last_id == page.data[1].id
    assert page.request_id is not None
    assert page._request_id == page.request_id
    assert page.has_next_page() is True
    assert page.next_page_info() == PageInfo(params={"after": page.last_id})
    second = await page.get_next_page()
    assert [item.id for item in second.data] != [item.id for item in page.data]
    last = await (await second.get_next_page())
    assert len(last.data) == 1
    assert not last.has_next_page()
    assert last.next_page_info() == PageInfo(params={"after": last.last_id})
    with pytest.raises(RuntimeError, match="has_next_page"):
        await last.get_next_page()


async def test_first_page_is_fetched_once(emu: ThreadedEmulator, conv: Conversation) -> None:
    """Await, then iterate pages and items: the first page is requested once, not per use."""
    counter = Counter()
    session = aiohttp.ClientSession(trace_configs=[counter.trace()])
    try:
        async with AsyncClient(api_key=KEY, base_url=emu.base_url, session=session) as client:
            pager = client.conversations.items.list(conv.id, limit=2)
            page = await pager
            assert page is pager
            assert len([item async for item in pager]) == 5
            assert [len(p.data) async for p in pager.iter_pages()] == [2, 2, 1]
            assert [len(p.data) async for p in pager.pages()] == [2, 2, 1]
            # 1 first page + 2 further pages per walk (three walks), never the first one again.
            assert len(counter.requests) == 1 + 3 * 2
    finally:
        await session.close()


async def test_async_for_over_the_unawaited_call_walks_everything(
    client: AsyncClient, conv: Conversation
) -> None:
    """`async for item in items.list(...)` walks every item of every page."""
    ids = [item.id async for item in client.conversations.items.list(conv.id, limit=2)]
    assert len(ids) == len(set(ids)) == 5


async def test_sync_for_and_forgotten_await_say_what_to_write(
    client: AsyncClient, conv: Conversation
) -> None:
    """A plain `for`, or reading `.data` before awaiting, names the async spelling."""
    pager = client.conversations.items.list(conv.id)
    with pytest.raises(TypeError, match="async for item in"):
        iter(pager)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="await"):
        _ = pager.data
    with pytest.raises(TypeError, match="async with"), client:  # type: ignore[attr-defined]
        pass


async def test_raw_list_parses_to_the_page(client: AsyncClient, conv: Conversation) -> None:
    """with_raw_response.list(...).parse() is the page object (the official SDK's shape)."""
    raw = await client.conversations.items.with_raw_response.list(conv.id, limit=2)
    page = raw.parse()
    assert isinstance(page, AsyncPager)
    assert page.has_next_page()
    assert raw.json()["data"][0]["id"] == page.data[0].id
    assert len([item async for item in page]) == 5


# -- 4. with_options / copy -----------------------------------------------------------------------


async def test_with_options_changes_only_the_copy(
    client: AsyncClient, conv: Conversation, pool: SessionProbe
) -> None:
    """The copy has the new options; the original keeps its own; both share one pool."""
    copy = client.with_options(timeout=5, max_retries=0, default_headers={"X-Trace": "1"})
    assert copy is not client
    assert copy.timeout.total == 5
    assert copy.max_retries == 0
    assert client.timeout.total == 600
    assert client.max_retries == 2
    sent = pool.requests
    raw = await copy.conversations.with_raw_response.retrieve(conv.id)
    assert raw.http_request.headers["X-Trace"] == "1"
    plain = await client.conversations.with_raw_response.retrieve(conv.id)
    assert "X-Trace" not in plain.http_request.headers
    # Both calls went through the one session of the client's pool (the copy made none).
    assert pool.requests == sent + 2


async def test_with_options_merges_or_replaces_headers_and_query(emu: ThreadedEmulator) -> None:
    """default_headers merge over the original's; set_default_headers replace them (same: query)."""
    async with AsyncClient(
        api_key=KEY,
        base_url=emu.base_url,
        default_headers={"X-A": "1"},
        default_query={"a": "1"},
    ) as client:

        async def sent_by(copy: AsyncClient) -> HTTPRequest:
            # What a call of the copy sends, as the emulator answered it.
            raw = await copy.conversations.with_raw_response.create()
            return raw.http_request

        merged = await sent_by(client.copy(default_headers={"X-B": "2"}, default_query={"b": "2"}))
        assert (merged.headers.get("X-A"), merged.headers.get("X-B")) == ("1", "2")
        assert merged.url.endswith("/conversations?a=1&b=2")
        replaced = await sent_by(
            client.copy(set_default_headers={"X-B": "2"}, set_default_query={"b": "2"})
        )
        assert (replaced.headers.get("X-A"), replaced.headers.get("X-B")) == (None, "2")
        assert replaced.url.endswith("/conversations?b=2")
        kept = client.copy(timeout=NOT_GIVEN, max_retries=NOT_GIVEN, api_key=None)
        assert (kept.timeout, kept.max_retries) == (client.timeout, client.max_retries)
        assert (await sent_by(kept)).headers["Authorization"] == f"Bearer {KEY}"
        no_timeout = client.copy(timeout=None)
        assert no_timeout.timeout.total is None
        with pytest.raises(ValueError, match="mutually exclusive"):
            client.copy(default_headers={"X": "1"}, set_default_headers={"Y": "2"})
        with pytest.raises(InvalidRequestError, match="unknown option 'bogus'"):
            client.copy(bogus=1)
        with pytest.raises(InvalidRequestError, match="connection pool"):
            client.copy(connection_limit=5)


async def test_closing_the_copy_keeps_the_pool(
    client: AsyncClient, conv: Conversation, pool: SessionProbe
) -> None:
    """Closing a copy refuses its calls but leaves the shared session open for the original."""
    copy = client.with_options(max_retries=1)
    await copy.conversations.retrieve(conv.id)
    await copy.close()
    with pytest.raises(ClientClosedError):
        await copy.conversations.retrieve(conv.id)
    session = pool.session
    assert session is not None
    assert not session.closed
    assert (await client.conversations.retrieve(conv.id)).id == conv.id


async def test_copy_of_a_dropped_original_keeps_working(emu: ThreadedEmulator) -> None:
    """`AsyncClient(...).with_options(...)` alone: the copy keeps its original (the pool) alive;
    once the copy is gone too, the original is reported unclosed and its pool closed."""
    probe = SessionProbe()
    holder = [
        AsyncClient(api_key=KEY, base_url=emu.base_url, session_factory=probe).with_options(
            max_retries=0
        )
    ]
    copy = holder[0]
    created = await copy.conversations.create()  # the original's pool is open from here on
    gc.collect()  # nothing but the copy refers to the original
    assert (await copy.conversations.retrieve(created.id)).id == created.id
    await copy.aclose()  # a copy never closes the pool it shares
    del copy
    session = probe.session
    assert session is not None
    assert not session.closed

    def drop_the_copy() -> None:
        holder.clear()
        gc.collect()

    try:
        with pytest.warns(UnclosedClientWarning, match="AsyncClient was not closed"):
            drop_the_copy()
        for _ in range(100):  # closed by a task on this loop
            if probe.sessions[0].closed:  # not `session`: mypy would take it as still open
                break
            await asyncio.sleep(0.01)
        assert session.closed
    finally:
        await session.close()


# -- 5. api_key providers ---------------------------------------------------------------------------


async def test_sync_and_async_providers_are_called_per_attempt(
    emu: ThreadedEmulator, conv: Conversation
) -> None:
    """A provider is asked before every attempt, retries included."""
    calls: list[str] = []

    def sync_key() -> str:
        calls.append("sync")
        return KEY

    async def async_key() -> str:
        calls.append("async")
        return KEY

    for provider in (sync_key, async_key):
        async with AsyncClient(
            api_key=provider, base_url=emu.base_url, retry=RetryPolicy.no_backoff()
        ) as client:
            assert (await client.conversations.retrieve(conv.id)).id == conv.id
            emu.set_faults(Faults(mode="503", max_faults=2, methods=["GET"]))
            try:
                await client.conversations.retrieve(conv.id)
            finally:
                emu.set_faults(None)
    assert calls == ["sync"] * 4 + ["async"] * 4


@pytest.mark.parametrize("bad", [None, 42, b"sk-bytes-CANARY", ""], ids=repr)
async def test_a_provider_returning_a_non_string_is_a_typed_error(
    emu: ThreadedEmulator, bad: object
) -> None:
    """Not a non-empty str: InvalidRequestError naming the type, never the value."""
    async with AsyncClient(api_key=lambda: bad, base_url=emu.base_url) as client:  # type: ignore[arg-type,return-value]
        with pytest.raises(InvalidRequestError, match="api_key provider returned") as caught:
            await client.conversations.retrieve("conv_1")
    assert "CANARY" not in str(caught.value)
    assert "CANARY" not in repr(caught.value)
    assert caught.value.param == "api_key"


async def test_a_provider_is_never_printed(emu: ThreadedEmulator) -> None:
    """Neither the client's repr nor a raw request's shows the provider's key."""
    async with AsyncClient(api_key=lambda: KEY, base_url=emu.base_url) as client:
        conv = await client.conversations.create()
        raw = await client.conversations.with_raw_response.retrieve(conv.id)
        assert raw.http_request.headers["Authorization"] == f"Bearer {KEY}"
        assert KEY not in repr(client) + repr(raw) + repr(raw.http_request.headers)


async def test_api_key_of_another_type_is_refused_at_construction() -> None:
    """An api_key that is neither a str nor callable fails at once, naming its type only."""
    with pytest.raises(InvalidRequestError, match="got int"):
        AsyncClient(api_key=12345)  # type: ignore[arg-type]


# -- 6. custom HTTP settings ------------------------------------------------------------------------


async def test_http_client_says_what_to_use_instead() -> None:
    """`http_client=` (the official SDK's httpx client) names session= and session_factory=."""
    with pytest.raises(InvalidRequestError, match="session_factory"):
        AsyncClient(api_key=KEY, http_client=object())  # type: ignore[arg-type]


async def test_session_factory_is_used_and_owned(emu: ThreadedEmulator) -> None:
    """The factory's session carries the requests and is closed with the client."""
    counter = Counter()
    made: list[aiohttp.ClientSession] = []

    def factory() -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(trace_configs=[counter.trace()])
        made.append(session)
        return session

    async with AsyncClient(api_key=KEY, base_url=emu.base_url, session_factory=factory) as client:
        await client.conversations.create()
        await client.conversations.create()
    assert len(made) == 1
    assert len(counter.requests) == 2
    assert made[0].closed


async def test_session_factory_must_return_a_session(emu: ThreadedEmulator) -> None:
    """A factory returning something else fails with a message naming what it returned."""
    async with AsyncClient(
        api_key=KEY,
        base_url=emu.base_url,
        session_factory=lambda: "nope",  # type: ignore[arg-type,return-value]
    ) as client:
        with pytest.raises(TypeError, match="got str"):
            await client.conversations.create()


def test_session_and_factory_are_exclusive() -> None:
    """Both at once is refused."""
    with pytest.raises(InvalidRequestError, match="not both"):
        AsyncClient(
            api_key=KEY,
            session=object(),  # type: ignore[arg-type]
            session_factory=aiohttp.ClientSession,
        )


# -- loop/thread sanity -----------------------------------------------------------------------------


async def test_no_thread_is_left_behind(client: AsyncClient, conv: Conversation) -> None:
    """Streaming and copies start no threads of their own on the async client."""
    before = threading.active_count()
    async with client.with_options(max_retries=0).conversations.with_streaming_response.retrieve(
        conv.id
    ) as response:
        await response.read()
    await asyncio.sleep(0)
    assert threading.active_count() == before


@pytest.mark.parametrize("how", ["read", "iter_bytes"])
async def test_streamed_body_is_capped_like_any_body(
    emu: ThreadedEmulator, conv: Conversation, how: str
) -> None:
    """max_response_size bounds a streamed body too, read whole or chunk by chunk."""
    probe = SessionProbe()
    async with AsyncClient(
        api_key=KEY, base_url=emu.base_url, max_response_size=200, session_factory=probe
    ) as client:
        async with client.conversations.items.with_streaming_response.list(conv.id) as response:

            async def consume() -> None:
                if how == "read":
                    await response.read()
                else:
                    async for _ in response.iter_bytes(64):
                        pass

            with pytest.raises(APIError, match="max_response_size"):
                await consume()
            assert response.is_closed
        assert probe.checked_out() == 0


async def test_iter_lines_splits_every_line_ending() -> None:
    """\\n, \\r\\n and \\r all end a line, even when a CRLF is split across chunks."""

    class Live:
        body = None
        consumed = False
        headers: ClassVar[dict[str, str]] = {"Content-Type": "text/plain; charset=utf-8"}

        async def iter_chunks(self, chunk_size: int | None) -> AsyncIterator[bytes]:
            for chunk in (
                b"a\r",
                b"\nb\rc\n",
                "d\u00e9".encode()[:2],
                "d\u00e9".encode()[2:],
                b"\r",
            ):
                yield chunk

    response: AsyncStreamedResponse[Any] = AsyncStreamedResponse(
        Live(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        lambda body, request_id: body,
        0,
    )
    assert [line async for line in response.iter_lines()] == ["a", "b", "c", "d\u00e9"]


async def test_a_provider_key_with_a_line_break_is_refused(emu: ThreadedEmulator) -> None:
    """A key with CR/LF would inject headers: refused before sending, without echoing it."""
    async with AsyncClient(api_key=lambda: "sk-CANARY\r\nX-Evil: 1", base_url=emu.base_url) as c:
        with pytest.raises(InvalidRequestError, match="CR, LF") as caught:
            await c.conversations.create()
    assert "CANARY" not in str(caught.value)


async def test_an_explicit_authorization_header_wins_over_the_provider(
    emu: ThreadedEmulator,
) -> None:
    """extra_headers' Authorization is sent as given, and the provider is not asked."""
    asked: list[int] = []

    def provider() -> str:
        asked.append(1)
        return "sk-wrong"

    async with AsyncClient(api_key=provider, base_url=emu.base_url) as client:
        raw = await client.conversations.with_raw_response.create(
            extra_headers={"Authorization": f"Bearer {KEY}"}
        )
    assert raw.status_code == 200
    assert asked == []


async def test_a_refused_provider_key_is_not_in_the_traceback_locals(
    emu: ThreadedEmulator,
) -> None:
    """Neither the bad key nor a CR/LF key stays in any frame's locals of the raised error."""
    for bad in (b"sk-bytes-CANARY", "sk-CANARY\nX: 1"):
        async with AsyncClient(api_key=lambda bad=bad: bad, base_url=emu.base_url) as client:  # type: ignore[misc]
            with pytest.raises(InvalidRequestError) as caught:
                await client.conversations.create()
        traceback = caught.value.__traceback__
        sdk_frames = 0
        while traceback is not None:
            frame = traceback.tb_frame
            if "conversations_sdk" in frame.f_code.co_filename:  # not this test's own frame
                sdk_frames += 1
                for value in frame.f_locals.values():
                    assert "CANARY" not in repr(value)
            traceback = traceback.tb_next
        assert sdk_frames >= 2


async def test_a_body_cut_mid_stream_is_a_connection_error() -> None:
    """A server that dies after the headers: reading raises APIConnectionError (never an aiohttp
    exception, never chained to one), and the response ends closed."""
    from aiohttp import web

    async def truncated(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b'{"id": "conv_1", ')
        assert request.transport is not None
        request.transport.close()
        return response

    app = web.Application()
    app.router.add_get("/v1/conversations/{cid}", truncated)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AsyncClient(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1") as client:
            for how in ("read", "iter_bytes"):
                async with client.conversations.with_streaming_response.retrieve("c") as response:

                    async def consume(response: Any = response, how: str = how) -> None:
                        if how == "read":
                            await response.read()
                        else:
                            async for _ in response.iter_bytes():
                                pass

                    with pytest.raises(APIConnectionError) as caught:
                        await consume()
                    assert response.is_closed
                # aiohttp's error is kept as the cause only with every traceback cut off it (its
                # frames hold the request headers), and never as the implicit context.
                cause = caught.value.__cause__
                assert cause is None or cause.__traceback__ is None
                assert caught.value.__context__ is None or caught.value.__suppress_context__
                assert "aiohttp" not in type(caught.value).__module__
    finally:
        await runner.cleanup()
