"""The official SDK's ``client.conversations`` surface on the blocking Client, against the emulator.

The blocking twins of tests/e2e/test_dropin_async.py: streaming responses, raw responses, the
first page returned by ``list()``, ``with_options``, key providers, ``session_factory`` and
messages that speak of ``Client`` (issue 15). Every call crosses loopback HTTP (127.0.0.1).
"""

from __future__ import annotations

import threading
from typing import Any

import aiohttp
import pytest

from conversations_sdk import (
    Client,
    ClientClosedError,
    InvalidRequestError,
    NotFoundError,
    PageInfo,
    Pager,
    RetryPolicy,
    StreamAlreadyConsumed,
    StreamedResponse,
)
from conversations_sdk.emulator import Faults, ThreadedEmulator
from conversations_sdk.models import Conversation, ConversationItemList
from tests._support.sessions import SessionProbe

API_KEY = "sk-test-CANARY-blocking-0123456789"  # the key of conftest.py's emulator


def _message(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


@pytest.fixture
def conv(blocking_client: Client) -> Conversation:
    return blocking_client.conversations.create(items=[_message(f"m{n}") for n in range(5)])


class Counter:
    """Records the requests a session sends (an aiohttp trace) and the thread that made it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.made_on: list[int] = []

    def factory(self) -> aiohttp.ClientSession:
        self.made_on.append(threading.get_ident())
        config = aiohttp.TraceConfig()

        async def on_start(_: Any, __: Any, params: aiohttp.TraceRequestStartParams) -> None:
            self.requests.append(f"{params.method} {params.url.path}?{params.url.query_string}")

        config.on_request_start.append(on_start)
        return aiohttp.ClientSession(trace_configs=[config])


# -- 1. with_streaming_response ---------------------------------------------------------------------


def test_streaming_with_block(blocking_client: Client, conv: Conversation) -> None:
    """`with ...with_streaming_response.retrieve(id) as response:` reads the body on demand."""
    with blocking_client.conversations.with_streaming_response.retrieve(conv.id) as response:
        assert isinstance(response, StreamedResponse)
        assert response.status_code == 200
        assert response.request_id is not None
        assert response.http_request.method == response.method == "GET"
        assert response.url.endswith(conv.id)
        assert response.is_closed is False
        parsed = response.parse()
        assert isinstance(parsed, Conversation)
        assert parsed.id == conv.id
        assert response.is_closed is True
        assert response.json()["id"] == conv.id
        assert response.text() == response.read().decode()
        assert b"".join(response.iter_bytes(5)) == response.read()
    assert response.is_closed


def test_streaming_iterators_and_consumption(blocking_client: Client, conv: Conversation) -> None:
    """iter_lines() streams once; read() afterwards is StreamAlreadyConsumed."""
    with blocking_client.conversations.items.with_streaming_response.list(conv.id) as response:
        lines = list(response.iter_lines())
        assert lines
        assert lines[0].startswith("{")
        with pytest.raises(StreamAlreadyConsumed):
            response.read()


def test_streaming_error_on_enter_and_list_parse(
    blocking_client: Client, conv: Conversation
) -> None:
    """An error raises on entering; a streamed list parses to the blocking page object."""
    with (
        pytest.raises(NotFoundError),
        blocking_client.conversations.with_streaming_response.retrieve("conv_missing"),
    ):
        pytest.fail("the block must not run for an error")
    with blocking_client.with_streaming_response.conversations.items.list(
        conv.id, limit=2
    ) as response:
        page = response.parse()
    assert isinstance(page, Pager)
    assert [len(p.data) for p in page.iter_pages()] == [2, 2, 1]


def test_streaming_retries_before_handing_over(
    emulator: ThreadedEmulator, blocking_client: Client, conv: Conversation
) -> None:
    """Two 503s then a 200: the block gets the final success."""
    emulator.set_faults(Faults(mode="503", max_faults=2, methods=["GET"]))
    try:
        with blocking_client.conversations.with_streaming_response.retrieve(conv.id) as response:
            assert response.retries_taken == 2
    finally:
        emulator.set_faults(None)


def test_streaming_misuse_says_what_to_write(blocking_client: Client, conv: Conversation) -> None:
    """`async with` on the blocking streaming call names the plain `with`."""
    manager = blocking_client.conversations.with_streaming_response.retrieve(conv.id)

    async def misuse() -> None:
        async with manager:  # type: ignore[attr-defined]
            pass

    import asyncio

    with pytest.raises(TypeError, match="plain `with"):
        asyncio.run(misuse())


# -- 2. raw responses -------------------------------------------------------------------------------


def test_raw_response_attributes(blocking_client: Client, conv: Conversation) -> None:
    """The blocking raw response has the official attributes and never shows the key."""
    raw = blocking_client.conversations.with_raw_response.retrieve(conv.id)
    assert raw.method == "GET"
    assert raw.url.endswith(conv.id)
    assert raw.text == raw.content.decode()
    assert raw.json()["id"] == conv.id
    assert raw.is_closed
    assert raw.elapsed.total_seconds() > 0
    assert raw.http_request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in repr(raw) + repr(raw.http_request) + repr(raw.http_request.headers)


def test_raw_list_parses_to_the_blocking_page(blocking_client: Client, conv: Conversation) -> None:
    """with_raw_response.list(...).parse() is a Pager: data and the page helpers, blocking."""
    raw = blocking_client.conversations.items.with_raw_response.list(conv.id, limit=2)
    assert raw.http_request.method == "GET"
    assert raw.json()["object"] == "list"
    page = raw.parse()
    assert isinstance(page, Pager)
    assert page.has_next_page()
    assert len(list(page)) == 5


# -- 3. the first page ----------------------------------------------------------------------------


def test_list_returns_the_first_page(blocking_client: Client, conv: Conversation) -> None:
    """`items.list(cid).data` works, with the cursors and every page helper."""
    page = blocking_client.conversations.items.list(conv.id, limit=2, order="asc")
    assert isinstance(page, Pager)
    assert len(page.data) == 2
    assert page.has_more is True
    assert page.object == "list"
    assert page.first_id == page.data[0].id
    assert page.last_id == page.data[1].id
    assert page.request_id is not None
    assert page.has_next_page()
    assert page.next_page_info() == PageInfo(params={"after": page.last_id})
    second = page.get_next_page()
    third = second.get_next_page()
    assert len(third.data) == 1
    assert not third.has_next_page()
    with pytest.raises(RuntimeError, match="has_next_page"):
        third.get_next_page()
    assert isinstance(page.first_page(), ConversationItemList)
    ids = [item.id for item in page]
    assert len(ids) == len(set(ids)) == 5


def test_list_errors_are_raised_by_list(blocking_client: Client) -> None:
    """As in the official SDK, the first page is fetched by list(), so its error is raised there."""
    with pytest.raises(NotFoundError):
        blocking_client.conversations.items.list("conv_missing")


def test_first_page_fetched_once(emulator: ThreadedEmulator, conv: Conversation) -> None:
    """list() fetches page 1; iterating items, pages and iter_pages never fetches it again."""
    counter = Counter()
    with Client(api_key=API_KEY, base_url=emulator.base_url, session_factory=counter.factory) as c:
        page = c.conversations.items.list(conv.id, limit=2)
        assert len(counter.requests) == 1
        assert len(list(page)) == 5
        assert [len(p.data) for p in page.iter_pages()] == [2, 2, 1]
        assert [len(p.data) for p in page.pages()] == [2, 2, 1]
        firsts = [r for r in counter.requests if "after=" not in r]
        assert len(firsts) == 1
        assert len(counter.requests) == 1 + 3 * 2


def test_async_for_over_a_blocking_page_says_for(
    blocking_client: Client, conv: Conversation
) -> None:
    """`async for` over the blocking pager names the plain `for`."""
    page = blocking_client.conversations.items.list(conv.id)
    with pytest.raises(TypeError, match="plain `for"):
        page.__aiter__()


# -- 4. with_options ------------------------------------------------------------------------------


def test_with_options_shares_the_loop_and_leaves_the_original(
    blocking_client: Client, conv: Conversation
) -> None:
    """The copy has its options, runs on the original's loop thread, and closing it is local."""
    threads = set(threading.enumerate())  # the original's loop thread is running already
    copy = blocking_client.with_options(max_retries=0, default_headers={"X-Trace": "1"})
    assert copy.max_retries == 0
    assert blocking_client.max_retries == 2
    raw = copy.conversations.with_raw_response.retrieve(conv.id)
    assert raw.http_request.headers["X-Trace"] == "1"
    assert set(threading.enumerate()) == threads  # no loop thread of its own
    copy.close()
    assert copy.is_closed
    with pytest.raises(ClientClosedError):
        copy.conversations.retrieve(conv.id)
    assert not blocking_client.is_closed
    assert blocking_client.conversations.retrieve(conv.id).id == conv.id


def test_copy_keeps_a_dropped_original_alive(emulator: ThreadedEmulator) -> None:
    """`Client(...).with_options(...)` alone works: the copy holds its original (the pool), and
    once the copy is gone too the original is closed, pool and loop thread, without a warning."""
    import gc

    probe = SessionProbe()
    threads = set(threading.enumerate())
    holder = [
        Client(api_key=API_KEY, base_url=emulator.base_url, session_factory=probe).with_options(
            timeout=30
        )
    ]
    gc.collect()  # nothing but the copy refers to the original
    created = holder[0].conversations.create()
    gc.collect()
    assert holder[0].conversations.retrieve(created.id).id == created.id
    session = probe.session
    assert session is not None
    assert not session.closed
    assert len(set(threading.enumerate()) - threads) == 1  # the original's loop thread

    holder.clear()  # the copy was the last reference to the original
    gc.collect()
    assert probe.sessions[0].closed  # not `session`: mypy would take it as still open
    assert set(threading.enumerate()) <= threads


def test_copy_refuses_pool_settings(blocking_client: Client) -> None:
    """session, session_factory and connection_limit belong to the shared pool."""
    with pytest.raises(InvalidRequestError, match="session_factory"):
        blocking_client.copy(session_factory=aiohttp.ClientSession)
    with pytest.raises(InvalidRequestError, match="connection pool"):
        blocking_client.copy(connection_limit=3)
    with pytest.raises(InvalidRequestError, match="unknown option"):
        blocking_client.copy(nope=True)


# -- 5. key providers -------------------------------------------------------------------------------


def test_key_provider_on_the_blocking_client(emulator: ThreadedEmulator) -> None:
    """A callable api_key works on Client too, asked once per attempt."""
    calls: list[int] = []

    def provider() -> str:
        calls.append(1)
        return API_KEY

    with Client(
        api_key=provider, base_url=emulator.base_url, retry=RetryPolicy.no_backoff()
    ) as client:
        created = client.conversations.create()
        client.conversations.retrieve(created.id)
    assert len(calls) == 2


# -- 6. custom HTTP settings ------------------------------------------------------------------------


def test_session_factory_runs_on_the_loop_thread(
    emulator: ThreadedEmulator, conv: Conversation
) -> None:
    """The factory is called once, on the client's own loop thread, and its session is used."""
    counter = Counter()
    before = set(threading.enumerate())
    with Client(
        api_key=API_KEY, base_url=emulator.base_url, session_factory=counter.factory
    ) as client:
        client.conversations.retrieve(conv.id)
        client.conversations.retrieve(conv.id)
        started = {thread.ident: thread for thread in set(threading.enumerate()) - before}
    (made_on,) = counter.made_on
    assert made_on in started  # a thread the client started: its loop thread...
    assert not started[made_on].is_alive()  # ...which closing the client ended
    assert len(counter.requests) == 2


def test_session_and_http_client_name_session_factory() -> None:
    """`session=` and `http_client=` on Client both point to session_factory=."""
    with pytest.raises(InvalidRequestError, match="session_factory"):
        Client(api_key=API_KEY, session=object())  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="session_factory"):
        Client(api_key=API_KEY, http_client=object())  # type: ignore[arg-type]


# -- 7. messages in the caller's terms --------------------------------------------------------------


def test_messages_name_the_blocking_classes(emulator: ThreadedEmulator) -> None:
    """A blocking user reads Client and Items.retrieve, never AsyncClient or AsyncItems."""
    with Client(base_url=emulator.base_url) as client:
        with pytest.raises(InvalidRequestError, match="pass api_key= to Client ") as caught:
            client.conversations.retrieve("conv_1")
        assert "AsyncClient" not in str(caught.value)
        with pytest.raises(TypeError, match=r"^Items\.retrieve\(\) missing") as wrong:
            client.conversations.items.retrieve("msg_1")  # type: ignore[call-arg]
        assert "Async" not in str(wrong.value)
        with pytest.raises(TypeError, match=r"^Conversations\.create\(\) got an unexpected"):
            client.conversations.create(bogus=1)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match=r"^Items\.list\(\) missing"):
            client.conversations.items.list()  # type: ignore[call-arg]
        raw_items = client.conversations.items.with_raw_response
        with pytest.raises(
            TypeError, match=r"^ItemsWithRawResponse\.retrieve\(\) missing"
        ) as raw_wrong:
            raw_items.retrieve("msg_1")  # type: ignore[call-arg]
        assert "Async" not in str(raw_wrong.value)
    with pytest.raises(ClientClosedError, match="Client"):
        client.conversations.retrieve("conv_1")


def test_a_one_page_list_is_walked_without_another_request(
    emulator: ThreadedEmulator, conv: Conversation
) -> None:
    """When list() got everything in its first page, iterating sends nothing more."""
    counter = Counter()
    with Client(api_key=API_KEY, base_url=emulator.base_url, session_factory=counter.factory) as c:
        page = c.conversations.items.list(conv.id, limit=100)
        assert not page.has_more
        assert len(list(page)) == len(list(page)) == 5
        assert len(counter.requests) == 1
