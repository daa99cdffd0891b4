"""The blocking Client against the emulator: same API as the async side, threads, loops, lifecycle.

Every call here crosses real loopback HTTP (127.0.0.1) to the threaded emulator.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import pickle
import socket
import threading
import typing
from typing import Any

import aiohttp
import attrs
import pytest

import conversations_sdk
from conversations_sdk import (
    AsyncClient,
    AsyncConversations,
    AsyncItems,
    AsyncPager,
    AsyncStreamedResponse,
    Client,
    ClientClosedError,
    Conversations,
    InvalidRequestError,
    Items,
    NotFoundError,
    Pager,
    RawResponse,
    RetryPolicy,
    StreamedResponse,
)
from conversations_sdk._blocking import (
    ConversationsWithRawResponse,
    ConversationsWithStreamingResponse,
    ItemsWithRawResponse,
    ItemsWithStreamingResponse,
)
from conversations_sdk._blocking._derive import BlockingMethod
from conversations_sdk._resources.conversations import (
    AsyncConversationsWithRawResponse,
    AsyncConversationsWithStreamingResponse,
)
from conversations_sdk._resources.items import (
    AsyncItemsWithRawResponse,
    AsyncItemsWithStreamingResponse,
)
from conversations_sdk.emulator import ThreadedEmulator
from conversations_sdk.models import Conversation, ConversationItem
from conversations_sdk.testing import MockRequest, MockResponse, MockTransport

API_KEY = "sk-test-CANARY-blocking-0123456789"


def _public_methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }


class SessionFactory:
    """A ``session_factory`` that keeps each session it makes and the thread it was called on:
    the client's own loop thread, as ``Client`` documents."""

    def __init__(self) -> None:
        self.sessions: list[aiohttp.ClientSession] = []
        self.threads: list[threading.Thread] = []

    def __call__(self) -> aiohttp.ClientSession:
        self.threads.append(threading.current_thread())
        self.sessions.append(aiohttp.ClientSession())
        return self.sessions[-1]


def _text(item: Any) -> str:
    """The text of a one-part message item."""
    return str(item.content[0].text)


def _message(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


# -- parity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("async_cls", "blocking_cls"),
    [
        pytest.param(AsyncConversations, Conversations, id="conversations"),
        pytest.param(AsyncItems, Items, id="items"),
    ],
)
def test_every_async_method_has_a_blocking_twin(async_cls: type, blocking_cls: type) -> None:
    """Each public async method has a blocking twin with the same parameters and docstring."""
    async_methods = _public_methods(async_cls)
    assert async_methods, "no public methods found: the parity test would pass vacuously"
    for name, method in async_methods.items():
        twin = getattr(blocking_cls, name, None)
        assert twin is not None, f"{blocking_cls.__name__}.{name} is missing"
        assert inspect.signature(twin).parameters == inspect.signature(method).parameters, name
        assert twin.__doc__ == method.__doc__, name


@pytest.mark.parametrize(
    ("async_cls", "blocking_cls"),
    [
        pytest.param(AsyncConversations, Conversations, id="conversations"),
        pytest.param(AsyncItems, Items, id="items"),
        pytest.param(AsyncClient, Client, id="client"),
    ],
)
def test_every_async_property_has_a_blocking_twin(async_cls: type, blocking_cls: type) -> None:
    """Public properties (sub-resources, raw views, settings) exist on the blocking side too."""
    async_props = {n for n, m in vars(async_cls).items() if isinstance(m, property)}
    blocking_props = {n for n, m in vars(blocking_cls).items() if isinstance(m, property)}
    assert async_props, "no properties found: the parity test would pass vacuously"
    assert async_props - {"_async_client"} <= blocking_props


@pytest.mark.parametrize(
    ("async_cls", "blocking_cls"),
    [
        pytest.param(AsyncConversationsWithRawResponse, ConversationsWithRawResponse, id="conv"),
        pytest.param(AsyncItemsWithRawResponse, ItemsWithRawResponse, id="items"),
    ],
)
def test_raw_views_have_blocking_twins(async_cls: type, blocking_cls: type) -> None:
    """Each with_raw_response method has a blocking twin with the same parameters."""
    methods = [n for n in vars(async_cls) if not n.startswith("_") and n != "items"]
    assert methods
    for name in methods:
        async_sig = inspect.signature(getattr(async_cls, name).__wrapped__)
        twin = getattr(blocking_cls, name)
        assert inspect.signature(twin).parameters == async_sig.parameters, name
        # The async view's RawResponse of the method's return; a page parses to a blocking Pager.
        parsed = str(async_sig.return_annotation).replace("AsyncPager[", "Pager[")
        assert inspect.signature(twin).return_annotation == f"RawResponse[{parsed}]", name


@pytest.mark.parametrize(
    ("async_cls", "blocking_cls"),
    [
        pytest.param(
            AsyncConversationsWithStreamingResponse, ConversationsWithStreamingResponse, id="conv"
        ),
        pytest.param(AsyncItemsWithStreamingResponse, ItemsWithStreamingResponse, id="items"),
    ],
)
def test_streaming_views_have_blocking_twins(async_cls: type, blocking_cls: type) -> None:
    """Each with_streaming_response method has a blocking twin with the same parameters."""
    methods = [n for n in vars(async_cls) if not n.startswith("_") and n != "items"]
    assert methods
    for name in methods:
        async_sig = inspect.signature(getattr(async_cls, name).__wrapped__)
        twin = getattr(blocking_cls, name)
        assert inspect.signature(twin).parameters == async_sig.parameters, name
        # ResponseContextManager[T] gives a StreamedResponse[T] whose parse() returns T.
        parsed = str(async_sig.return_annotation).replace("AsyncPager[", "Pager[")
        returned = inspect.signature(twin).return_annotation
        assert returned == f"ResponseContextManager[{parsed}]", name


@pytest.mark.parametrize(
    ("async_cls", "blocking_cls"),
    [
        pytest.param(AsyncPager, Pager, id="pager"),
        pytest.param(AsyncStreamedResponse, StreamedResponse, id="streamed-response"),
    ],
)
def test_page_and_response_helpers_have_blocking_twins(async_cls: type, blocking_cls: type) -> None:
    """Every public attribute of the async page / streamed response exists on the blocking one."""
    public = {n for n in vars(async_cls) if not n.startswith("_")}
    assert {"data", "has_next_page", "get_next_page", "iter_pages"} <= public or {
        "read",
        "parse",
        "iter_bytes",
    } <= public
    missing = public - set(dir(blocking_cls))
    assert not missing, f"{blocking_cls.__name__} lacks {sorted(missing)}"
    for name in public:
        member = getattr(async_cls, name)
        if inspect.isfunction(member) and not name.startswith("__"):
            twin = getattr(blocking_cls, name)
            assert inspect.signature(twin).parameters.keys() == (
                inspect.signature(member).parameters.keys()
            ), name


def test_official_page_and_raw_names_exist_on_both_sides() -> None:
    """The official SDK's page and raw-response names, on both the async and blocking objects."""
    page_names = {
        "data",
        "has_more",
        "first_id",
        "last_id",
        "has_next_page",
        "next_page_info",
        "get_next_page",
        "iter_pages",
        "_request_id",
        "__iter__",
    }
    assert page_names - {"__iter__"} <= set(dir(AsyncPager))
    assert page_names <= set(dir(Pager))
    raw_names = {
        "parse",
        "headers",
        "status_code",
        "request_id",
        "retries_taken",
        "http_request",
        "url",
        "method",
        "content",
        "text",
        "json",
        "elapsed",
        "is_closed",
    }
    assert raw_names <= set(dir(RawResponse)) | set(attrs.fields_dict(RawResponse))
    streamed = {
        "read",
        "text",
        "json",
        "parse",
        "iter_bytes",
        "iter_text",
        "iter_lines",
        "close",
        "headers",
        "status_code",
        "http_request",
        "is_closed",
        "request_id",
        "url",
        "method",
        "elapsed",
        "retries_taken",
    }
    assert streamed <= set(dir(AsyncStreamedResponse))
    assert streamed <= set(dir(StreamedResponse))


def test_return_types_name_the_blocking_results() -> None:
    """Signatures and resolved hints say Pager / RawResponse where the async side says AsyncPager."""
    assert str(inspect.signature(Items.list).return_annotation) == "Pager[ConversationItem]"
    assert typing.get_type_hints(Items.list)["return"] == Pager[ConversationItem]
    raw_list = typing.get_type_hints(ItemsWithRawResponse.list)["return"]
    assert raw_list == RawResponse[Pager[ConversationItem]]
    streamed_list = typing.get_type_hints(ItemsWithStreamingResponse.list)["return"]
    assert streamed_list == conversations_sdk.ResponseContextManager[Pager[ConversationItem]]
    assert typing.get_type_hints(Conversations.create)["return"] is Conversation
    assert inspect.signature(Items.retrieve).return_annotation == "ConversationItem"


BLOCKING_CLASSES = (
    Conversations,
    Items,
    ConversationsWithRawResponse,
    ConversationsWithStreamingResponse,
    ItemsWithRawResponse,
    ItemsWithStreamingResponse,
)


@pytest.mark.parametrize("blocking_cls", BLOCKING_CLASSES, ids=lambda c: c.__name__)
def test_shown_return_is_the_resolved_return(blocking_cls: type) -> None:
    """The return help() shows names exactly the type typing.get_type_hints() gives; the other
    hints are the async method's."""
    public = {name: getattr(conversations_sdk, name) for name in conversations_sdk.__all__}
    twins = [m for m in vars(blocking_cls).values() if isinstance(m, BlockingMethod)]
    assert twins
    for twin in twins:
        hints = typing.get_type_hints(twin)
        shown = inspect.signature(twin).return_annotation

        def read_as_a_reader_would() -> None: ...

        read_as_a_reader_would.__annotations__ = {"return": shown}
        namespace = {**twin.__wrapped__.__globals__, **public}
        resolved = typing.get_type_hints(read_as_a_reader_would, globalns=namespace)
        assert resolved["return"] == hints["return"], shown
        async_hints = typing.get_type_hints(twin.__wrapped__)
        assert {**hints, "return": None} == {**async_hints, "return": None}


def test_client_takes_the_async_client_arguments() -> None:
    """Client's constructor has exactly AsyncClient's parameters, so code ports by renaming."""
    assert inspect.signature(Client).parameters == inspect.signature(AsyncClient).parameters


def test_public_names_report_the_package() -> None:
    """The blocking classes present themselves as conversations_sdk.X in reprs and docs."""
    for name in ("Client", "Conversations", "Items", "Pager"):
        assert getattr(conversations_sdk, name).__module__ == "conversations_sdk"


# -- behaviour against the emulator ------------------------------------------------------------------


def test_crud_round_trip(blocking_client: Client) -> None:
    """The eight operations work and return the same model types as the async client."""
    convs = blocking_client.conversations
    conv = convs.create(metadata={"topic": "demo"}, items=[_message("hello")])
    assert convs.retrieve(conv.id) == conv
    assert convs.update(conv.id, metadata={"topic": "b"}).metadata == {"topic": "b"}
    added = convs.items.create(conv.id, items=[_message("again")])
    assert len(added.data) == 1
    item_id = added.data[0].id
    assert item_id is not None
    item = convs.items.retrieve(item_id, conversation_id=conv.id)
    assert item == added.data[0]
    assert convs.items.delete(item_id, conversation_id=conv.id).id == conv.id
    assert convs.delete(conv.id).deleted is True
    with pytest.raises(NotFoundError):
        convs.retrieve(conv.id)


def test_raw_responses(blocking_client: Client) -> None:
    """with_raw_response gives status, headers, request id and the parsed model, as on the async side."""
    raw = blocking_client.with_raw_response.conversations.create(metadata={"raw": "yes"})
    assert raw.status_code == 200
    assert raw.request_id
    assert raw.parsed.metadata == {"raw": "yes"}
    conv_id = raw.parsed.id
    again = blocking_client.conversations.with_raw_response.retrieve(conv_id)
    assert again.parse() == raw.parsed
    added = blocking_client.conversations.items.with_raw_response.create(
        conv_id, items=[_message("x")]
    )
    assert added.status_code == 200
    first = blocking_client.conversations.with_raw_response.items.list(conv_id)
    assert [i.id for i in first.parsed.data] == [i.id for i in added.parsed.data]


def test_settings_are_readable_without_starting_the_thread(emulator: ThreadedEmulator) -> None:
    """base_url, max_retries, timeout and retry_policy read the settings; no thread is started."""
    policy = RetryPolicy.no_backoff()
    before = set(threading.enumerate())
    client = Client(api_key=API_KEY, base_url=emulator.base_url, max_retries=5, retry=policy)
    try:
        assert client.base_url == emulator.base_url
        assert client.max_retries == 5
        assert client.retry_policy == policy
        assert client.timeout.total is not None
        assert set(threading.enumerate()) == before
    finally:
        client.close()


def test_pager_walks_every_page(blocking_client: Client) -> None:
    """items.list returns a Pager that yields every item across pages, in order."""
    convs = blocking_client.conversations
    conv = convs.create(items=[_message(f"m{i}") for i in range(7)])
    pager = convs.items.list(conv.id, limit=2, order="asc")
    assert isinstance(pager, Pager)
    texts = [_text(item) for item in pager]
    assert texts == [f"m{i}" for i in range(7)]
    pages = list(convs.items.list(conv.id, limit=2, order="asc").pages())
    assert [len(p.data) for p in pages] == [2, 2, 2, 1]
    first = convs.items.list(conv.id, limit=3, order="asc").first_page()
    assert [_text(i) for i in first.data] == ["m0", "m1", "m2"]


def test_bad_arguments_fail_before_sending(blocking_client: Client) -> None:
    """Limits are checked by the same code as the async side: InvalidRequestError, nothing sent."""
    too_many = {f"k{i}": "v" for i in range(17)}
    with pytest.raises(InvalidRequestError) as info:
        blocking_client.conversations.create(metadata=too_many)
    assert info.value.param == "metadata"
    with pytest.raises(InvalidRequestError):
        blocking_client.conversations.items.list("conv_1", limit=0)


async def test_errors_match_the_async_client(
    blocking_client: Client, emulator: ThreadedEmulator
) -> None:
    """A failing call raises the same class with the same attributes as the async client."""
    with pytest.raises(NotFoundError) as blocking_info:
        blocking_client.conversations.retrieve("conv_missing")
    async with AsyncClient(api_key=API_KEY, base_url=emulator.base_url) as aclient:
        with pytest.raises(NotFoundError) as async_info:
            await aclient.conversations.retrieve("conv_missing")
    b, a = blocking_info.value, async_info.value
    assert type(b) is type(a)
    for attr in ("status_code", "type", "code", "param", "body", "message"):
        assert getattr(b, attr) == getattr(a, attr), attr
    assert b.request_id
    assert b.request_id != a.request_id


def test_32_threads_share_one_client(blocking_client: Client) -> None:
    """32 threads calling one client at once each get their own conversation: none lost or crossed."""
    n = 32
    barrier = threading.Barrier(n)
    seen: dict[int, tuple[str, str]] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            conv = blocking_client.conversations.create(metadata={"thread": str(i)})
            again = blocking_client.conversations.retrieve(conv.id)
            seen[i] = (again.id, (again.metadata or {})["thread"])
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(seen) == list(range(n))
    assert all(thread == str(i) for i, (_, thread) in seen.items())
    assert len({conv_id for conv_id, _ in seen.values()}) == n


async def test_blocking_client_inside_a_running_loop(blocking_client: Client) -> None:
    """An async def (like a notebook cell) can call the blocking client directly."""
    asyncio.get_running_loop()
    conv = blocking_client.conversations.create(metadata={"where": "inside a loop"})
    assert blocking_client.conversations.retrieve(conv.id).metadata == {"where": "inside a loop"}


def test_call_from_the_client_loop_thread_raises() -> None:
    """A blocking call or close() made on the client's own loop thread (here from a transport's
    handler, which runs there) fails fast instead of deadlocking; the client keeps working."""
    refused: list[str] = []

    def handler(request: MockRequest) -> MockResponse:
        for reentry in (lambda: client.conversations.retrieve("conv_1"), client.close):
            try:
                reentry()
            except RuntimeError as exc:
                refused.append(str(exc))
        return MockResponse(json={"id": "conv_1", "object": "conversation", "created_at": 1})

    with Client(api_key=API_KEY, transport=MockTransport(handler), max_retries=0) as client:
        assert client.conversations.retrieve("conv_1").id == "conv_1"
        assert len(refused) == 2
        assert all("own event loop thread" in message for message in refused)
        assert client.conversations.retrieve("conv_1").id == "conv_1"
        assert not client.is_closed


# -- lifecycle -----------------------------------------------------------------------------------------


def test_with_block_closes_session_and_thread(emulator: ThreadedEmulator) -> None:
    """Leaving ``with`` closes the client's session and stops its loop thread."""
    factory = SessionFactory()
    with Client(api_key=API_KEY, base_url=emulator.base_url, session_factory=factory) as client:
        client.conversations.create()
    ((session,), (thread,)) = factory.sessions, factory.threads
    assert session.closed
    assert not thread.is_alive()
    assert client.is_closed
    with pytest.raises(ClientClosedError):
        client.conversations.create()
    with pytest.raises(ClientClosedError), client:
        pass


def test_unclosed_client_is_cleaned_at_garbage_collection(emulator: ThreadedEmulator) -> None:
    """A client dropped without close() stops its thread and closes its session, warning-free."""
    factory = SessionFactory()
    client = Client(api_key=API_KEY, base_url=emulator.base_url, session_factory=factory)
    client.conversations.create()
    del client
    gc.collect()
    ((session,), (thread,)) = factory.sessions, factory.threads
    assert not thread.is_alive()
    assert session.closed


def test_unused_client_starts_no_thread(emulator: ThreadedEmulator) -> None:
    """Creating and closing a client that made no call starts no loop thread."""
    before = set(threading.enumerate())
    client = Client(api_key=API_KEY, base_url=emulator.base_url)
    assert "closed" not in repr(client)
    client.close()
    assert set(threading.enumerate()) == before


def test_session_argument_is_refused() -> None:
    """A session made on another loop cannot serve the client's private loop: clear error."""

    class FakeSession:
        pass

    with pytest.raises(InvalidRequestError, match="session"):
        Client(api_key=API_KEY, session=FakeSession())  # type: ignore[arg-type]


def test_bad_settings_fail_at_construction() -> None:
    """Out-of-range settings fail when the Client is built, as they do for AsyncClient."""
    with pytest.raises(InvalidRequestError):
        Client(api_key=API_KEY, max_retries=-1)


def test_repr_is_short_and_secret_free(emulator: ThreadedEmulator) -> None:
    """repr(client) names the base URL only, and a client refuses to be pickled."""
    with Client(api_key=API_KEY, base_url=emulator.base_url) as client:
        text = repr(client)
        assert text == f"<Client base_url={emulator.base_url!r}>"
        assert API_KEY not in text
        assert API_KEY not in repr(client.conversations)
        with pytest.raises(TypeError):
            pickle.dumps(client)


# -- Ctrl-C against a stalled server ----------------------------------------------------------------


class StalledServer:
    """A loopback server that reads a request, never answers, and notes when the client hangs up."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.got_request = threading.Event()
        self.dropped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:  # closed before any client came: the test has already failed
            return
        with conn:
            conn.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            self.got_request.set()
            try:
                while conn.recv(65536):
                    pass
                self.dropped.set()  # EOF: the client closed the connection
            except OSError:
                self.dropped.set()

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)


def test_keyboard_interrupt_drops_the_inflight_request() -> None:
    """Ctrl-C during a call cancels the request: the server sees the connection closed."""
    import signal

    server = StalledServer()
    main = threading.get_ident()

    def interrupt() -> None:
        if server.got_request.wait(10):
            signal.pthread_kill(main, signal.SIGINT)

    helper = threading.Thread(target=interrupt)
    try:
        with Client(
            api_key=API_KEY,
            base_url=f"http://127.0.0.1:{server.port}/v1",
            max_retries=0,
            timeout=30,
            retry=RetryPolicy.no_backoff(),
        ) as client:
            helper.start()
            with pytest.raises(KeyboardInterrupt):
                client.conversations.retrieve("conv_stalled")
            # The interrupt propagated only after the cancellation reached the loop.
            assert server.dropped.wait(5)
    finally:
        helper.join()
        server.close()
