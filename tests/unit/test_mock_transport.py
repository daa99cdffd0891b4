"""The transport seam: ``transport=`` and ``conversations_sdk.testing.MockTransport``.

What runs above the seam (retries, idempotency keys, timeouts, the size cap, errors, request ids,
raw and streamed responses) must behave the same over a MockTransport as over sockets: the
``parity`` tests run one scenario against a MockTransport and against the real emulator over
loopback, and assert the same outcome.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest

from conversations_sdk import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncClient,
    AsyncTransport,
    Client,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
)
from conversations_sdk.emulator import Faults, ThreadedEmulator
from conversations_sdk.models import Conversation
from conversations_sdk.testing import MockRequest, MockResponse, MockTransport

KEY = "sk-mock-transport-test"
BASE = "http://127.0.0.1:9/v1"
CONV = {"id": "conv_1", "object": "conversation", "created_at": 1741900000, "metadata": {}}
ERROR = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}


def ok(request: MockRequest) -> MockResponse:
    return MockResponse(200, json=CONV, headers={"x-request-id": "req_ok"})


def failing_first(
    times: int, failure: Callable[[], MockResponse]
) -> Callable[[MockRequest], MockResponse]:
    """A handler that fails ``times`` attempts with ``failure()``, then answers a conversation."""
    seen = [0]

    def handler(request: MockRequest) -> MockResponse:
        seen[0] += 1
        return failure() if seen[0] <= times else ok(request)

    return handler


@pytest.fixture
async def mock_client() -> AsyncIterator[tuple[AsyncClient, list[Any]]]:
    """A client over a MockTransport whose handler the test sets through the list it gets."""
    handlers: list[Callable[[MockRequest], Any]] = [ok]
    transport = MockTransport(lambda request: handlers[0](request))
    async with AsyncClient(
        api_key=KEY, base_url=BASE, transport=transport, retry=RetryPolicy.no_backoff()
    ) as client:
        yield client, handlers


# --- the request a handler sees ----------------------------------------------------------------


async def test_handler_sees_the_request_as_sent() -> None:
    """method, url, path, params, headers (case-insensitive, key masked in repr), content, json()."""
    transport = MockTransport(ok)
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=transport) as client:
        await client.conversations.create(metadata={"topic": "demo"})
        await client.conversations.items.list("conv_1", limit=5, order="asc")
    create, listing = transport.requests
    assert (create.method, create.url, create.path) == (
        "POST",
        BASE + "/conversations",
        "/v1/conversations",
    )
    assert create.json() == {"metadata": {"topic": "demo"}}
    assert json.loads(create.content) == create.json()
    assert create.headers["authorization"] == f"Bearer {KEY}"
    assert create.headers["Content-Type"] == "application/json"
    assert create.headers["idempotency-key"].startswith("conversations-sdk-")
    assert KEY not in repr(create.headers)
    assert KEY not in repr(create)
    assert (listing.method, listing.path) == ("GET", "/v1/conversations/conv_1/items")
    assert listing.params == {"limit": "5", "order": "asc"}
    assert listing.content == b""
    assert listing.json() is None


async def test_async_handler_is_awaited() -> None:
    """A coroutine function works as a handler."""

    async def handler(request: MockRequest) -> MockResponse:
        await asyncio.sleep(0)
        return MockResponse(200, json=CONV)

    async with AsyncClient(api_key=KEY, base_url=BASE, transport=MockTransport(handler)) as client:
        assert isinstance(await client.conversations.retrieve("conv_1"), Conversation)


def test_mock_response_bodies() -> None:
    """json= sets the JSON content type (unless given), content= is sent as is, not both."""
    as_json = MockResponse(201, json={"a": 1})
    assert (as_json.status_code, as_json.content) == (201, b'{"a": 1}')
    assert as_json.headers["content-type"] == "application/json"
    raw = MockResponse(content="plain", headers={"Content-Type": "text/plain"})
    assert (raw.status_code, raw.content, raw.headers["content-type"]) == (
        200,
        b"plain",
        "text/plain",
    )
    with pytest.raises(TypeError, match="not both"):
        MockResponse(json={}, content=b"{}")


async def test_handler_returning_something_else_fails_clearly() -> None:
    """A handler bug is reported as such and not retried."""
    transport = MockTransport(lambda request: {"id": "conv_1"})  # type: ignore[arg-type,return-value]
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=transport) as client:
        with pytest.raises(TypeError, match="must return a MockResponse, got dict"):
            await client.conversations.retrieve("conv_1")
    assert len(transport.requests) == 1


async def test_handler_assertion_reaches_the_test_unretried() -> None:
    """An exception other than a connection error or timeout is the test's: raised, not retried."""

    def handler(request: MockRequest) -> MockResponse:
        raise AssertionError("unexpected request")

    transport = MockTransport(handler)
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=transport) as client:
        with pytest.raises(AssertionError, match="unexpected request"):
            await client.conversations.retrieve("conv_1")
    assert len(transport.requests) == 1


# --- behaviour above the seam, over a mock --------------------------------------------------------


async def test_retries_reuse_one_idempotency_key_and_body() -> None:
    """Two 503s then a 200: three attempts, one key, one body, retries_taken == 2."""
    transport = MockTransport(failing_first(2, lambda: MockResponse(503, json=ERROR)))
    async with AsyncClient(
        api_key=KEY, base_url=BASE, transport=transport, retry=RetryPolicy.no_backoff()
    ) as client:
        raw = await client.conversations.with_raw_response.create(metadata={"a": "b"})
    assert (raw.retries_taken, raw.request_id) == (2, "req_ok")
    assert len({r.headers["Idempotency-Key"] for r in transport.requests}) == 1
    assert len({r.content for r in transport.requests}) == 1
    assert len(transport.requests) == 3


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        pytest.param(lambda: APIConnectionError("simulated"), APIConnectionError, id="api-error"),
        pytest.param(
            lambda: ConnectionResetError("reset by peer"), APIConnectionError, id="oserror"
        ),
        pytest.param(lambda: TimeoutError(), APITimeoutError, id="timeout"),
    ],
)
async def test_raised_connection_errors_are_retried(
    failure: Callable[[], BaseException], error: type[APIConnectionError]
) -> None:
    """A handler raising a connection error or timeout is retried, then raised as the SDK's."""

    def handler(request: MockRequest) -> MockResponse:
        raise failure()

    transport = MockTransport(handler)
    async with AsyncClient(
        api_key=KEY, base_url=BASE, transport=transport, retry=RetryPolicy.no_backoff()
    ) as client:
        with pytest.raises(error) as info:
            await client.conversations.retrieve("conv_1")
    assert isinstance(info.value, APIConnectionError)
    assert len(transport.requests) == 3
    assert "GET /v1/conversations/conv_1" in str(info.value) or "simulated" in str(info.value)


async def test_slow_handler_times_out_and_is_retried() -> None:
    """An async handler slower than the timeout is cancelled: APITimeoutError after the retries."""
    cancelled = 0

    async def slow(request: MockRequest) -> MockResponse:
        nonlocal cancelled
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled += 1
            raise
        return MockResponse(200, json=CONV)  # pragma: no cover - always cancelled

    transport = MockTransport(slow)
    async with AsyncClient(
        api_key=KEY,
        base_url=BASE,
        transport=transport,
        timeout=0.05,
        max_retries=1,
        retry=RetryPolicy.no_backoff(),
    ) as client:
        with pytest.raises(APITimeoutError, match="timed out on GET /v1/conversations/conv_1"):
            await client.conversations.retrieve("conv_1")
        # A per-call timeout applies too.
        with pytest.raises(APITimeoutError):
            await client.conversations.retrieve("conv_1", timeout=0.01, max_retries=0)
    assert (len(transport.requests), cancelled) == (3, 3)


async def test_retry_waits_are_recorded_not_slept() -> None:
    """retry-after-ms, Retry-After, then doubling backoff: the waits the client chose, at once."""
    answers = iter(
        [
            MockResponse(429, headers={"retry-after-ms": "1200"}),
            MockResponse(429, headers={"Retry-After": "3"}),
            MockResponse(503),
            MockResponse(503),
            MockResponse(200, json=CONV),
        ]
    )
    transport = MockTransport(lambda request: next(answers))
    async with AsyncClient(
        api_key=KEY,
        base_url=BASE,
        transport=transport,
        max_retries=4,
        retry=RetryPolicy(jitter=0.0),
    ) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await client.conversations.retrieve("conv_1")
        assert loop.time() - started < 5  # 10.2 s of waits, none slept
    assert transport.delays == [1.2, 3.0, 2.0, 4.0]


async def test_status_errors_carry_body_and_request_id(
    mock_client: tuple[AsyncClient, list[Any]],
) -> None:
    """A 404 raises NotFoundError with the request id and the API's error fields."""
    client, handlers = mock_client
    body = {
        "error": {"message": "nope", "type": "invalid_request_error", "param": "p", "code": "c"}
    }
    handlers[0] = lambda request: MockResponse(404, json=body, headers={"X-Request-ID": "req_404"})
    with pytest.raises(NotFoundError) as info:
        await client.conversations.retrieve("conv_1")
    assert (info.value.status_code, info.value.request_id, info.value.message) == (
        404,
        "req_404",
        "nope",
    )
    assert (info.value.param, info.value.code, info.value.body) == ("p", "c", body)


async def test_max_response_size_applies(mock_client: tuple[AsyncClient, list[Any]]) -> None:
    """A body over max_response_size is refused as over a socket, whatever the transport."""
    client, _ = mock_client
    small = client.with_options(max_response_size=10)
    with pytest.raises(APIError, match=r"larger than max_response_size \(10 bytes\)") as info:
        await small.conversations.retrieve("conv_1")
    assert info.value.request_id == "req_ok"
    assert isinstance(await client.conversations.retrieve("conv_1"), Conversation)


async def test_streaming_response_over_a_mock(mock_client: tuple[AsyncClient, list[Any]]) -> None:
    """with_streaming_response streams the handler's body in chunks, then parses it."""
    client, _ = mock_client
    stream = client.conversations.with_streaming_response
    async with stream.retrieve("conv_1") as response:
        assert (response.status_code, response.request_id) == (200, "req_ok")
        chunks = [chunk async for chunk in response.iter_bytes(chunk_size=7)]
    assert len(chunks) > 1
    assert all(len(chunk) <= 7 for chunk in chunks)
    assert json.loads(b"".join(chunks)) == CONV
    async with stream.retrieve("conv_1") as response:
        parsed = await response.parse()
    assert isinstance(parsed, Conversation)
    assert parsed.id == "conv_1"


@pytest.mark.parametrize("header", ["content-type", "Content-Type", "CONTENT-TYPE"])
async def test_streamed_text_uses_the_charset_whatever_the_header_case(header: str) -> None:
    """A custom transport may hand back a plain dict: the charset is found in any case of the
    header name, for the whole body (text) and for the streamed one (iter_text) alike."""
    body = json.dumps({**CONV, "metadata": {"city": "Zürich"}}, ensure_ascii=False)

    def latin1(request: MockRequest) -> MockResponse:
        headers = {header: "application/json; charset=latin-1"}
        return MockResponse(200, content=body.encode("latin-1"), headers=headers)

    async with AsyncClient(api_key=KEY, base_url=BASE, transport=MockTransport(latin1)) as client:
        stream = client.conversations.with_streaming_response
        async with stream.retrieve("conv_1") as response:
            streamed = "".join([text async for text in response.iter_text(chunk_size=3)])
        async with stream.retrieve("conv_1") as response:
            whole = await response.text()
    assert streamed == body
    assert whole == body


async def test_copies_share_the_transport() -> None:
    """with_options/copy keep sending through the caller's transport."""
    transport = MockTransport(ok)
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=transport) as client:
        await client.with_options(timeout=5, max_retries=0).conversations.retrieve("conv_1")
        await client.copy(default_headers={"X-Team": "a"}).conversations.retrieve("conv_1")
    assert len(transport.requests) == 2
    assert transport.requests[1].headers["x-team"] == "a"


async def test_client_never_closes_the_transport() -> None:
    """The caller owns the transport: a closed client's transport serves a new client."""
    transport = MockTransport(ok)
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=transport) as client:
        await client.conversations.retrieve("conv_1")
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=transport) as again:
        await again.conversations.retrieve("conv_1")
    assert len(transport.requests) == 2


async def test_transport_excludes_a_session() -> None:
    """transport= and session=/session_factory= cannot both be given."""
    with pytest.raises(InvalidRequestError, match="transport"):
        AsyncClient(api_key=KEY, transport=MockTransport(ok), session_factory=aiohttp.ClientSession)


async def test_any_object_with_send_is_a_transport() -> None:
    """The seam is structural: an object with ``async send(request, *, timeout)`` works."""

    class Recorded:
        def __init__(self) -> None:
            self.timeouts: list[aiohttp.ClientTimeout] = []

        async def send(self, request: Any, *, timeout: aiohttp.ClientTimeout) -> Any:
            self.timeouts.append(timeout)
            return MockResponse(200, json=CONV)  # not a TransportResponse: converted below

    class Adapter:
        def __init__(self, inner: Recorded) -> None:
            self.inner = inner

        async def send(self, request: Any, *, timeout: aiohttp.ClientTimeout) -> Any:
            got = await self.inner.send(request, timeout=timeout)

            # A plain object with the three attributes: not a _wire.Response.
            return type(
                "Plain",
                (),
                {"status": got.status_code, "headers": dict(got.headers), "body": got.content},
            )()

    inner = Recorded()
    custom: AsyncTransport = Adapter(inner)
    async with AsyncClient(api_key=KEY, base_url=BASE, transport=custom) as client:
        conversation = await client.conversations.retrieve("conv_1", timeout=2.5)
    assert conversation.id == "conv_1"
    assert inner.timeouts == [aiohttp.ClientTimeout(total=2.5)]


def test_blocking_client_runs_the_handler_on_its_loop_thread() -> None:
    """Client(transport=...) works; the handler runs on the client's loop thread, every time."""
    threads: list[threading.Thread] = []

    def handler(request: MockRequest) -> MockResponse:
        threads.append(threading.current_thread())
        return MockResponse(200, json=CONV)

    with Client(api_key=KEY, base_url=BASE, transport=MockTransport(handler)) as client:
        assert client.conversations.retrieve("conv_1").id == "conv_1"
        assert client.with_options(max_retries=0).conversations.retrieve("conv_1").id == "conv_1"
    assert len(threads) == 2
    assert threads[0] is threads[1]
    assert threads[0] is not threading.current_thread()


def test_importing_testing_does_not_import_pytest() -> None:
    """Users of MockTransport alone (unittest, scripts) get no pytest import, nor its plugin."""
    code = (
        "import sys, conversations_sdk.testing as t; "
        "assert 'pytest' not in sys.modules, 'pytest imported'; "
        "assert not hasattr(t, 'emulator'); print(sorted(t.__all__))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.strip() == "['MockHandler', 'MockRequest', 'MockResponse', 'MockTransport']"


# --- parity: the same scenario over a MockTransport and over the emulator ------------------------


@pytest.fixture(scope="module")
def running_emulator() -> Iterator[ThreadedEmulator]:
    with ThreadedEmulator(api_key=KEY) as running:
        yield running


@pytest.fixture(params=["mock", "emulator"])
def backend(
    request: pytest.FixtureRequest, running_emulator: ThreadedEmulator
) -> Iterator[Callable[..., AsyncClient]]:
    """Build a client with a fault: ``make(fault, times, **options)`` over either backend.

    ``fault`` is one of the emulator's fault modes ("503", "429", "reset", "stall"); the mock
    reproduces each as a handler does: a status, a raised connection error, a slow answer.
    """
    running_emulator.set_faults(None)
    # Conversations the emulator stores are fetched back by id, so the mock keeps them too.
    stored: dict[str, Any] = {}

    def mock_handler(fault: str | None, times: int) -> Callable[[MockRequest], Any]:
        seen = [0]

        async def handler(request: MockRequest) -> MockResponse:
            seen[0] += 1
            if fault is not None and seen[0] <= times:
                if fault in ("503", "429"):
                    return MockResponse(int(fault), json=ERROR, headers={"retry-after-ms": "0"})
                if fault == "reset":
                    raise ConnectionResetError("connection reset by peer")
                await asyncio.sleep(30)  # "stall": the client's timeout fires first
            headers = {"x-request-id": f"req_{seen[0]}"}
            if request.method == "POST":
                key = request.headers["Idempotency-Key"]
                body = stored.setdefault(key, {**CONV, "id": f"conv_{len(stored) + 1}"})
                return MockResponse(200, json=body, headers=headers)
            found = [c for c in stored.values() if request.path.endswith("/" + c["id"])]
            if not found:
                return MockResponse(404, json=ERROR, headers=headers)
            return MockResponse(200, json=found[0], headers=headers)

        return handler

    def make(fault: str | None = None, times: int = 0, **options: Any) -> AsyncClient:
        options.setdefault("retry", RetryPolicy.no_backoff())
        if request.param == "mock":
            return AsyncClient(
                api_key=KEY,
                base_url=BASE,
                transport=MockTransport(mock_handler(fault, times)),
                **options,
            )
        if fault is not None:
            running_emulator.set_faults(
                Faults(mode=fault, max_faults=times, retry_after=0, stall_seconds=30)  # type: ignore[arg-type]
            )
        return AsyncClient(api_key=KEY, base_url=running_emulator.base_url, **options)

    yield make
    running_emulator.set_faults(None)


async def test_parity_retry_then_success(backend: Callable[..., AsyncClient]) -> None:
    """Two 503s, then the created conversation: the same result, retries and one object."""
    async with backend("503", 2) as client:
        raw = await client.conversations.with_raw_response.create()
        fetched = await client.conversations.retrieve(raw.parsed.id)
    assert raw.retries_taken == 2
    assert raw.request_id
    assert fetched.id == raw.parsed.id


async def test_parity_status_error_after_retries(backend: Callable[..., AsyncClient]) -> None:
    """429 on every attempt: RateLimitError after max_retries."""
    async with backend("429", 10, max_retries=1) as client:
        with pytest.raises(RateLimitError) as info:
            await client.conversations.create()
    assert info.value.status_code == 429


async def test_parity_connection_error(backend: Callable[..., AsyncClient]) -> None:
    """A reset connection on every attempt: APIConnectionError (not a timeout) after the retries."""
    async with backend("reset", 10, max_retries=1) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.conversations.create()
    assert type(info.value) is APIConnectionError


async def test_parity_timeout(backend: Callable[..., AsyncClient]) -> None:
    """A stalled answer: APITimeoutError when the attempt's timeout passes."""
    async with backend("stall", 10, timeout=0.2, max_retries=0) as client:
        with pytest.raises(APITimeoutError):
            await client.conversations.create()


async def test_parity_not_found_and_size_cap(backend: Callable[..., AsyncClient]) -> None:
    """404 raises NotFoundError with a request id; a body over the cap raises APIError."""
    async with backend() as client:
        with pytest.raises(NotFoundError) as info:
            await client.conversations.retrieve("conv_missing")
        assert info.value.request_id
        created = await client.conversations.create()
        with pytest.raises(APIError, match="max_response_size"):
            await client.with_options(max_response_size=20).conversations.retrieve(created.id)


async def test_parity_streaming(backend: Callable[..., AsyncClient]) -> None:
    """with_streaming_response: the same bytes, streamed, as the parsed object."""
    async with backend() as client:
        created = await client.conversations.create()
        async with client.conversations.with_streaming_response.retrieve(created.id) as response:
            body = b"".join([chunk async for chunk in response.iter_bytes()])
    assert response.status_code == 200
    assert json.loads(body)["id"] == created.id


async def test_parity_internal_error_is_not_hidden(backend: Callable[..., AsyncClient]) -> None:
    """With retries off, the first 503 is the caller's InternalServerError."""
    async with backend("503", 1, max_retries=0) as client:
        with pytest.raises(InternalServerError):
            await client.conversations.create()
