"""AsyncClient against a mocked API: exact requests, errors, retries, lifecycle and secrecy."""

from __future__ import annotations

import asyncio
import gc
import logging
import pickle
import traceback
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses.core import normalize_url  # type: ignore[attr-defined]
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from conversations_sdk import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AsyncConversations,
    AsyncItems,
    AsyncPager,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RawResponse,
    ResponseValidationError,
    RetryPolicy,
    UnprocessableEntityError,
    _logging,
)
from conversations_sdk.models import (
    Conversation,
    ConversationDeletedResource,
    ConversationItemList,
    Message,
)
from conversations_sdk.testing import MockRequest, MockResponse, MockTransport
from tests._support.aioresponses_shim import MockAPI
from tests._support.sessions import SessionProbe
from tests.conftest import API_KEY, BASE_URL

CONV = {"id": "conv_1", "object": "conversation", "created_at": 1741900000, "metadata": {"a": "b"}}
DELETED = {"id": "conv_1", "object": "conversation.deleted", "deleted": True}
MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "user",
    "content": [{"type": "input_text", "text": "Hello!"}],
}
ITEM_LIST = {
    "object": "list",
    "data": [MESSAGE],
    "first_id": "msg_1",
    "last_id": "msg_1",
    "has_more": False,
}
USER_ITEM = {"type": "message", "role": "user", "content": "Hello!"}
ERROR_BODY = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}


def calls(mock: MockAPI, method: str, url: str) -> list[Any]:
    """The requests aioresponses recorded for one method and URL (query compared sorted)."""
    return mock.requests.get((method, normalize_url(URL(url))), [])


def all_calls(mock: MockAPI) -> list[Any]:
    """Every recorded request, whatever its URL."""
    return [call for recorded in mock.requests.values() for call in recorded]


# --- a MockTransport answering by method and URL (tests not about the aiohttp layer) -----------


class Routes:
    """Canned answers by (method, URL), served through a MockTransport that records every request.

    ``add`` queues answers for one method and URL (the query compared decoded and sorted, as
    aioresponses does); each attempt takes the next one, and with ``repeat=True`` the last stays.
    An unexpected request fails the test.
    """

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[MockResponse]] = {}
        self.repeat: set[tuple[str, str]] = set()
        self.transport = MockTransport(self.handle)

    @staticmethod
    def _key(method: str, url: str) -> tuple[str, str]:
        split = urllib.parse.urlsplit(url)
        query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(split.query)))
        return method, split._replace(query=query).geturl()

    def add(self, method: str, url: str, *answers: MockResponse, repeat: bool = False) -> None:
        key = self._key(method, url)
        self.answers.setdefault(key, []).extend(answers)
        if repeat:
            self.repeat.add(key)

    def handle(self, request: MockRequest) -> MockResponse:
        key = self._key(request.method, request.url)
        queued = self.answers.get(key)
        if not queued:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        return queued[0] if key in self.repeat and len(queued) == 1 else queued.pop(0)

    def sent(self, method: str | None = None, url: str | None = None) -> list[MockRequest]:
        wanted = None if method is None or url is None else self._key(method, url)
        return [
            r
            for r in self.transport.requests
            if (method is None or r.method == method)
            and (wanted is None or self._key(r.method, r.url) == wanted)
        ]


@pytest.fixture
def api() -> Routes:
    """Canned API answers, through a MockTransport."""
    return Routes()


@pytest.fixture
async def mclient(api: Routes) -> AsyncIterator[AsyncClient]:
    """An AsyncClient over ``api``'s MockTransport, with zero backoff; closed after the test."""
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, retry=RetryPolicy.no_backoff(), transport=api.transport
    ) as c:
        yield c


# --- every method sends exactly the documented request ----------------------------------------

Call = Callable[[AsyncClient], Awaitable[Any]]

METHOD_CASES = [
    pytest.param(
        lambda c: c.conversations.create(items=[USER_ITEM], metadata={"topic": "demo"}),
        "POST",
        "/conversations",
        {"items": [USER_ITEM], "metadata": {"topic": "demo"}},
        CONV,
        Conversation,
        id="conversations.create",
    ),
    pytest.param(
        lambda c: c.conversations.create(),
        "POST",
        "/conversations",
        {},
        CONV,
        Conversation,
        id="conversations.create-empty",
    ),
    pytest.param(
        lambda c: c.conversations.retrieve("conv_1"),
        "GET",
        "/conversations/conv_1",
        None,
        CONV,
        Conversation,
        id="conversations.retrieve",
    ),
    pytest.param(
        lambda c: c.conversations.update("conv_1", metadata={"topic": "x"}),
        "POST",
        "/conversations/conv_1",
        {"metadata": {"topic": "x"}},
        CONV,
        Conversation,
        id="conversations.update",
    ),
    pytest.param(
        lambda c: c.conversations.update("conv_1", metadata=None),
        "POST",
        "/conversations/conv_1",
        {"metadata": None},
        CONV,
        Conversation,
        id="conversations.update-clear",
    ),
    pytest.param(
        lambda c: c.conversations.delete("conv_1"),
        "DELETE",
        "/conversations/conv_1",
        None,
        DELETED,
        ConversationDeletedResource,
        id="conversations.delete",
    ),
    pytest.param(
        lambda c: c.conversations.items.create(
            "conv_1", items=[USER_ITEM], include=["message.output_text.logprobs"]
        ),
        "POST",
        "/conversations/conv_1/items?include[]=message.output_text.logprobs",
        {"items": [USER_ITEM]},
        ITEM_LIST,
        ConversationItemList,
        id="items.create",
    ),
    pytest.param(
        lambda c: c.conversations.items.list(
            "conv_1",
            after="msg_0",
            limit=10,
            order="asc",
            include=["message.input_image.image_url", "reasoning.encrypted_content"],
        ),
        "GET",
        "/conversations/conv_1/items?after=msg_0&limit=10&order=asc"
        "&include[]=message.input_image.image_url&include[]=reasoning.encrypted_content",
        None,
        ITEM_LIST,
        AsyncPager,  # awaited: the pager, now also its first page (the official SDK's shape)
        id="items.list-first-page",
    ),
    pytest.param(
        lambda c: c.conversations.items.retrieve(
            "msg_1", conversation_id="conv_1", include=["message.output_text.logprobs"]
        ),
        "GET",
        "/conversations/conv_1/items/msg_1?include[]=message.output_text.logprobs",
        None,
        MESSAGE,
        Message,
        id="items.retrieve",
    ),
    pytest.param(
        lambda c: c.conversations.items.delete("msg_1", conversation_id="conv_1"),
        "DELETE",
        "/conversations/conv_1/items/msg_1",
        None,
        CONV,
        Conversation,
        id="items.delete",
    ),
]


@pytest.mark.parametrize(("call", "method", "path", "body", "payload", "cls"), METHOD_CASES)
async def test_method_sends_exact_request(
    api: Routes,
    mclient: AsyncClient,
    call: Call,
    method: str,
    path: str,
    body: Any,
    payload: Any,
    cls: type,
) -> None:
    """Each operation sends its method, URL, query, JSON body and headers, and parses the answer."""
    url = BASE_URL + path
    api.add(method, url, MockResponse(200, json=payload, headers={"x-request-id": "req_1"}))
    result = await call(mclient)
    assert isinstance(result, cls)
    (sent,) = api.sent(method, url)
    headers = sent.headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("conversations-sdk/")
    if body is None:
        assert sent.content == b""
        assert "Content-Type" not in headers
    else:
        assert sent.json() == body
        assert headers["Content-Type"] == "application/json"
    if method in ("POST", "DELETE"):
        assert headers["Idempotency-Key"].startswith("conversations-sdk-")
    else:
        assert "Idempotency-Key" not in headers


async def test_redirects_are_not_followed(client: AsyncClient, mock_api: MockAPI) -> None:
    """aiohttp is told not to follow redirects: a 3xx is the caller's to see (an APIStatusError)."""
    mock_api.get(BASE_URL + "/conversations/conv_1", payload=CONV)
    await client.conversations.retrieve("conv_1")
    (sent,) = all_calls(mock_api)
    assert sent.kwargs["allow_redirects"] is False


async def test_path_ids_are_encoded_on_the_wire(client: AsyncClient, mock_api: MockAPI) -> None:
    """An ID with '/', '?' and '#' stays one path segment of the requested URL."""
    mock_api.get(URL(BASE_URL + "/conversations/a%2Fb%3Fx%3D1%23f", encoded=True), payload=CONV)
    await client.conversations.retrieve("a/b?x=1#f")
    (key,) = mock_api.requests
    assert key[1].raw_path == "/v1/conversations/a%2Fb%3Fx%3D1%23f"
    assert key[1].query_string == ""


async def test_extra_headers_query_and_body(api: Routes, mclient: AsyncClient) -> None:
    """extra_* arguments add to (and override) the request the method builds."""
    url = BASE_URL + "/conversations?trace=1"
    api.add("POST", url, MockResponse(200, json=CONV))
    await mclient.conversations.create(
        metadata={"a": "b"},
        extra_headers={"X-Custom": "yes", "Idempotency-Key": "mine"},
        extra_query={"trace": "1"},
        extra_body={"metadata": {"c": "d"}, "future_field": 1},
    )
    (sent,) = api.sent("POST", url)
    assert sent.headers["X-Custom"] == "yes"
    assert sent.headers["Idempotency-Key"] == "mine"
    assert sent.json() == {"metadata": {"c": "d"}, "future_field": 1}


async def test_model_input_items_are_unstructured(api: Routes, mclient: AsyncClient) -> None:
    """Typed input models are sent as the same JSON as the equivalent dicts."""
    from conversations_sdk.models import EasyInputMessage

    url = BASE_URL + "/conversations/conv_1/items"
    api.add("POST", url, MockResponse(200, json=ITEM_LIST))
    await mclient.conversations.items.create(
        "conv_1", items=[EasyInputMessage(role="user", content="Hello!")]
    )
    (sent,) = api.sent("POST", url)
    sent_items = sent.json()["items"]
    assert sent_items[0]["role"] == "user"
    assert sent_items[0]["content"] == "Hello!"


async def test_default_headers_org_and_project(api: Routes) -> None:
    """organization, project and default_headers are sent on every request."""
    api.add("GET", BASE_URL + "/conversations/conv_1", MockResponse(200, json=CONV))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=BASE_URL,
        organization="org_1",
        project="proj_1",
        default_headers={"X-App": "demo"},
        transport=api.transport,
    ) as c:
        await c.conversations.retrieve("conv_1")
    (sent,) = api.sent()
    headers = sent.headers
    assert (headers["OpenAI-Organization"], headers["OpenAI-Project"], headers["X-App"]) == (
        "org_1",
        "proj_1",
        "demo",
    )


async def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch, api: Routes) -> None:
    """OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID are honoured."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/env/")
    monkeypatch.setenv("OPENAI_ORG_ID", "org_env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_env")
    api.add("GET", "http://127.0.0.1:9/env/conversations/conv_1", MockResponse(200, json=CONV))
    async with AsyncClient(transport=api.transport) as c:
        assert c.base_url == "http://127.0.0.1:9/env"
        await c.conversations.retrieve("conv_1")
    (sent,) = api.sent()
    assert sent.headers["Authorization"] == "Bearer sk-env"
    assert sent.headers["OpenAI-Organization"] == "org_env"
    assert sent.headers["OpenAI-Project"] == "proj_env"


def test_default_base_url() -> None:
    """Without configuration the client targets the public API."""
    assert AsyncClient(api_key="k").base_url == "https://api.openai.com/v1"


async def test_missing_key_fails_at_first_request(api: Routes) -> None:
    """No key is a clear error naming OPENAI_API_KEY, raised before anything is sent."""
    async with AsyncClient(base_url=BASE_URL, transport=api.transport) as c:
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            await c.conversations.retrieve("conv_1")
    assert not api.sent()


# --- bad input never reaches the wire -----------------------------------------------------------

BAD_INPUT = [
    pytest.param(lambda c: c.conversations.retrieve(""), "conversation_id", id="empty-id"),
    pytest.param(lambda c: c.conversations.delete(".."), "conversation_id", id="dot-dot"),
    pytest.param(
        lambda c: c.conversations.items.retrieve("%2e", conversation_id="c"),
        "item_id",
        id="encoded-dot",
    ),
    pytest.param(
        lambda c: c.conversations.items.delete("m", conversation_id=""),
        "conversation_id",
        id="empty-parent",
    ),
    pytest.param(
        lambda c: c.conversations.create(metadata={f"k{i}": "v" for i in range(17)}),
        "metadata",
        id="metadata-17",
    ),
    pytest.param(
        lambda c: c.conversations.update("c", metadata={"k": 1}), "metadata['k']", id="metadata-int"
    ),
    pytest.param(lambda c: c.conversations.create(items=[{}] * 21), "items", id="items-21"),
    pytest.param(lambda c: c.conversations.items.create("c", items=[]), "items", id="items-empty"),
    pytest.param(
        lambda c: c.conversations.items.create("c", items=[USER_ITEM], include=["bogus"]),
        "include[0]",
        id="include-unknown",
    ),
    pytest.param(lambda c: c.conversations.items.list("c", limit=0), "limit", id="limit-0"),
    pytest.param(lambda c: c.conversations.items.list("c", limit=101), "limit", id="limit-101"),
    pytest.param(lambda c: c.conversations.items.list("c", order="up"), "order", id="order"),
    pytest.param(lambda c: c.conversations.items.list("c", after=""), "after", id="after-empty"),
    pytest.param(lambda c: c.conversations.retrieve("c", timeout=-1), "timeout", id="timeout"),
    pytest.param(
        lambda c: c.conversations.retrieve("c", max_retries=-1), "max_retries", id="retries"
    ),
]


@pytest.mark.parametrize(("call", "param"), BAD_INPUT)
async def test_bad_input_is_refused_before_sending(
    api: Routes, mclient: AsyncClient, call: Callable[[AsyncClient], Any], param: str
) -> None:
    """Invalid arguments raise InvalidRequestError naming the parameter; no request is made."""

    async def run() -> None:
        result = call(mclient)  # items.list raises on call: it returns a pager, not a coroutine
        if asyncio.iscoroutine(result):
            await result

    with pytest.raises(InvalidRequestError) as info:
        await run()
    assert info.value.param == param
    assert not api.sent()


# --- statuses and errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        pytest.param(400, BadRequestError, id="400"),
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(409, ConflictError, id="409"),
        pytest.param(422, UnprocessableEntityError, id="422"),
        pytest.param(429, RateLimitError, id="429"),
        pytest.param(500, InternalServerError, id="500"),
        pytest.param(503, InternalServerError, id="503"),
        pytest.param(301, APIStatusError, id="301-not-followed"),
    ],
)
async def test_status_raises_its_class(
    api: Routes, mclient: AsyncClient, status: int, cls: type[APIStatusError]
) -> None:
    """A non-2xx status raises its class with status, request id and the API's error fields."""
    body = {"error": {"message": "nope", "type": "t", "param": "p", "code": "c"}}
    headers = {"x-request-id": "req_9", "Location": "http://127.0.0.1:9/elsewhere"}
    api.add(
        "GET", BASE_URL + "/conversations/conv_1", MockResponse(status, json=body, headers=headers)
    )
    with pytest.raises(cls) as info:
        await mclient.conversations.retrieve("conv_1", max_retries=0)
    error = info.value
    assert type(error) is cls
    assert (error.status_code, error.request_id, error.message) == (status, "req_9", "nope")
    assert (error.type, error.param, error.code, error.body) == ("t", "p", "c", body)
    assert len(api.sent()) == 1


async def test_invalid_success_body_is_a_validation_error(
    api: Routes, mclient: AsyncClient
) -> None:
    """Strict: a 200 whose body is not a conversation raises ResponseValidationError with the
    request id."""
    api.add(
        "GET",
        BASE_URL + "/conversations/conv_1",
        MockResponse(200, json={"id": 5}, headers={"x-request-id": "req_v"}),
    )
    with pytest.raises(ResponseValidationError) as info:
        await mclient.conversations.retrieve("conv_1", strict=True)
    assert info.value.request_id == "req_v"


async def test_raw_response_and_request_id(api: Routes, mclient: AsyncClient) -> None:
    """with_raw_response gives status, headers, request id and the parsed object."""
    api.add(
        "GET",
        BASE_URL + "/conversations/conv_1",
        MockResponse(200, json=CONV, headers={"x-request-id": "req_r"}),
    )
    raw = await mclient.conversations.with_raw_response.retrieve("conv_1")
    assert isinstance(raw, RawResponse)
    assert (raw.status_code, raw.request_id, raw.retries_taken) == (200, "req_r", 0)
    assert raw.headers["X-Request-ID"] == "req_r"
    assert isinstance(raw.parse(), Conversation)
    assert raw.parsed.id == "conv_1"


async def test_raw_response_everywhere(api: Routes, mclient: AsyncClient) -> None:
    """Every method has a raw twin, through the resource and through the client."""
    api.add(
        "GET",
        BASE_URL + "/conversations/c/items",
        MockResponse(200, json=ITEM_LIST, headers={"x-request-id": "r1"}),
    )
    api.add(
        "DELETE",
        BASE_URL + "/conversations/c/items/m",
        MockResponse(200, json=CONV, headers={"x-request-id": "r2"}),
    )
    page = await mclient.with_raw_response.conversations.items.list("c")
    assert page.request_id == "r1"
    # As in the official SDK, a raw list parses to the page object (data and the page helpers).
    assert isinstance(page.parsed, AsyncPager)
    assert [item.id for item in page.parse().data] == ["msg_1"]
    assert page.parse().has_next_page() is False
    deleted = await mclient.conversations.items.with_raw_response.delete("m", conversation_id="c")
    assert deleted.request_id == "r2"
    assert isinstance(deleted.parsed, Conversation)


# --- retries ------------------------------------------------------------------------------------


async def test_retries_reuse_the_idempotency_key(api: Routes, mclient: AsyncClient) -> None:
    """Two 503s then a 200: three attempts, one idempotency key, the result returned."""
    url = BASE_URL + "/conversations"
    api.add(
        "POST",
        url,
        MockResponse(503, json=ERROR_BODY),
        MockResponse(503, json=ERROR_BODY),
        MockResponse(200, json=CONV, headers={"x-request-id": "req_ok"}),
    )
    raw = await mclient.conversations.with_raw_response.create(metadata={"a": "b"})
    assert raw.retries_taken == 2
    sent = api.sent("POST", url)
    assert len(sent) == 3
    assert len({c.headers["Idempotency-Key"] for c in sent}) == 1
    assert {c.content for c in sent} == {sent[0].content}


async def test_caller_idempotency_key_is_used(api: Routes, mclient: AsyncClient) -> None:
    """An explicit idempotency_key is sent on every attempt."""
    url = BASE_URL + "/conversations/c/items/m"
    api.add("DELETE", url, MockResponse(500), MockResponse(200, json=CONV))
    await mclient.conversations.items.delete("m", conversation_id="c", idempotency_key="key-1")
    assert [c.headers["Idempotency-Key"] for c in api.sent("DELETE", url)] == ["key-1", "key-1"]


async def test_each_call_gets_its_own_key(api: Routes, mclient: AsyncClient) -> None:
    """Two separate calls never share an idempotency key."""
    url = BASE_URL + "/conversations"
    api.add("POST", url, MockResponse(200, json=CONV), repeat=True)
    await mclient.conversations.create()
    await mclient.conversations.create()
    keys = [c.headers["Idempotency-Key"] for c in api.sent("POST", url)]
    assert len(set(keys)) == 2


@pytest.mark.parametrize(
    ("status", "headers", "attempts"),
    [
        pytest.param(503, {}, 3, id="503-retried-twice"),
        pytest.param(429, {}, 3, id="429-retried"),
        pytest.param(408, {}, 3, id="408-retried"),
        pytest.param(409, {}, 3, id="409-retried"),
        pytest.param(404, {}, 1, id="404-not-retried"),
        pytest.param(400, {}, 1, id="400-not-retried"),
        pytest.param(401, {}, 1, id="401-not-retried"),
        pytest.param(403, {}, 1, id="403-not-retried"),
        pytest.param(422, {}, 1, id="422-not-retried"),
        pytest.param(503, {"x-should-retry": "false"}, 1, id="server-forbids"),
        pytest.param(400, {"x-should-retry": "true"}, 3, id="server-requests"),
    ],
)
async def test_retry_rules(
    api: Routes, mclient: AsyncClient, status: int, headers: dict[str, str], attempts: int
) -> None:
    """The documented statuses are retried max_retries (2) times; the others are not."""
    url = BASE_URL + "/conversations/conv_1"
    api.add("GET", url, MockResponse(status, json=ERROR_BODY, headers=headers), repeat=True)
    with pytest.raises(APIStatusError):
        await mclient.conversations.retrieve("conv_1")
    assert len(api.sent("GET", url)) == attempts


async def test_per_call_and_client_max_retries(api: Routes) -> None:
    """max_retries on the call overrides the client's, in both directions."""
    url = BASE_URL + "/conversations/conv_1"
    api.add("GET", url, MockResponse(500), repeat=True)
    async with AsyncClient(
        api_key=API_KEY,
        base_url=BASE_URL,
        max_retries=0,
        retry=RetryPolicy.no_backoff(),
        transport=api.transport,
    ) as c:
        with pytest.raises(InternalServerError):
            await c.conversations.retrieve("conv_1")
        assert len(api.sent("GET", url)) == 1
        with pytest.raises(InternalServerError):
            await c.conversations.retrieve("conv_1", max_retries=1)
        assert len(api.sent("GET", url)) == 3


async def test_connection_errors_are_retried_and_chained(
    client: AsyncClient, mock_api: MockAPI
) -> None:
    """aiohttp connection errors are retried, then raised as APIConnectionError from the cause."""
    url = BASE_URL + "/conversations/conv_1"
    mock_api.get(url, exception=aiohttp.ClientConnectionError("reset"), repeat=True)
    with pytest.raises(APIConnectionError) as info:
        await client.conversations.retrieve("conv_1")
    assert type(info.value) is APIConnectionError
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectionError)
    assert len(calls(mock_api, "GET", url)) == 3


async def test_timeouts_are_retried(client: AsyncClient, mock_api: MockAPI) -> None:
    """A timeout raises APITimeoutError (a connection error) after the retries."""
    url = BASE_URL + "/conversations/conv_1"
    mock_api.get(url, exception=asyncio.TimeoutError(), repeat=True)
    with pytest.raises(APITimeoutError):
        await client.conversations.retrieve("conv_1")
    assert len(calls(mock_api, "GET", url)) == 3


async def test_certificate_errors_are_not_retried(client: AsyncClient, mock_api: MockAPI) -> None:
    """A TLS certificate failure cannot be fixed by retrying, so it is raised at once."""
    import ssl

    from aiohttp.client_reqrep import ConnectionKey

    key = ConnectionKey("127.0.0.1", 9, True, True, None, None, None, None)
    cert_error = aiohttp.ClientConnectorCertificateError(
        connection_key=key, certificate_error=ssl.SSLCertVerificationError("bad cert")
    )
    url = BASE_URL + "/conversations/conv_1"
    mock_api.get(url, exception=cert_error, repeat=True)
    with pytest.raises(APIConnectionError, match="certificate"):
        await client.conversations.retrieve("conv_1")
    assert len(calls(mock_api, "GET", url)) == 1


async def test_chained_connection_error_holds_no_frames_or_proxy_credentials(
    client: AsyncClient, mock_api: MockAPI
) -> None:
    """Issue 14 item 6: the chained aiohttp error keeps its class and message but no traceback
    (aiohttp's frames hold the request headers) and no proxy password in its connection key."""
    import warnings

    from aiohttp.client_reqrep import ConnectionKey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # BasicAuth, as aiohttp builds it
        auth = aiohttp.BasicAuth("proxyuser", "proxy-secret")
    key = ConnectionKey(
        "127.0.0.1", 9, False, True, URL("http://proxyuser:proxy-secret@127.0.0.1:3128"), auth,
        None, None,
    )  # fmt: skip
    refused = ConnectionRefusedError(111, "refused")
    try:
        raise refused
    except ConnectionRefusedError:
        pass  # gives the inner error a traceback, as a real one has
    url = BASE_URL + "/conversations/conv_1"
    mock_api.get(url, exception=aiohttp.ClientConnectorError(key, refused), repeat=True)
    with pytest.raises(APIConnectionError) as info:
        await client.conversations.retrieve("conv_1", max_retries=0)
    cause = info.value.__cause__
    assert isinstance(cause, aiohttp.ClientConnectorError)
    assert "refused" in str(info.value)
    assert cause.__traceback__ is None
    assert refused.__traceback__ is None
    assert "proxy-secret" not in repr(cause) + repr(vars(cause)) + str(cause)


async def test_response_error_is_never_chained(client: AsyncClient, mock_api: MockAPI) -> None:
    """aiohttp's ClientResponseError (its repr shows request headers) never escapes or chains."""
    url = BASE_URL + "/conversations/conv_1"
    request_info = aiohttp.RequestInfo(
        URL(url),
        "GET",
        CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {API_KEY}"})),
        URL(url),
    )
    mock_api.get(
        url, exception=aiohttp.ClientResponseError(request_info, (), status=500), repeat=True
    )
    with pytest.raises(APIConnectionError) as info:
        await client.conversations.retrieve("conv_1")
    assert info.value.__cause__ is None
    # Not even as the implicit context (which `from None` only hides from the printout).
    assert info.value.__context__ is None
    assert API_KEY not in repr(info.value) + str(info.value)


async def test_server_delays_are_honoured(api: Routes) -> None:
    """retry-after-ms and Retry-After set the wait; without them the backoff doubles."""
    url = BASE_URL + "/conversations/conv_1"
    api.add(
        "GET",
        url,
        MockResponse(429, headers={"retry-after-ms": "1200"}),
        MockResponse(429, headers={"Retry-After": "3"}),
        MockResponse(503),
        MockResponse(503),
        MockResponse(200, json=CONV),
    )
    async with AsyncClient(
        api_key=API_KEY,
        base_url=BASE_URL,
        max_retries=4,
        retry=RetryPolicy(jitter=0.0),
        transport=api.transport,
    ) as c:
        await c.conversations.retrieve("conv_1")
    # MockTransport records the waits the client chose instead of sleeping them.
    assert api.transport.delays == [1.2, 3.0, 2.0, 4.0]


async def test_retry_budget_prevents_storms(api: Routes) -> None:
    """Against a server failing everything, 1,000 concurrent calls make at most 1,100 attempts."""
    url = BASE_URL + "/conversations/conv_1"
    api.add("GET", url, MockResponse(503), repeat=True)
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, retry=RetryPolicy.no_backoff(), transport=api.transport
    ) as c:
        results = await asyncio.gather(
            *(c.conversations.retrieve("conv_1") for _ in range(1000)), return_exceptions=True
        )
    assert all(isinstance(r, InternalServerError) for r in results)
    assert 1000 < len(api.sent("GET", url)) <= 1100


async def test_budget_can_be_disabled(api: Routes) -> None:
    """RetryPolicy(budget=None) retries every call fully."""
    url = BASE_URL + "/conversations/conv_1"
    api.add("GET", url, MockResponse(503), repeat=True)
    policy = RetryPolicy(initial_backoff=0, max_backoff=0, max_retry_after=0, budget=None)
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, retry=policy, transport=api.transport
    ) as c:
        for _ in range(10):
            with pytest.raises(InternalServerError):
                await c.conversations.retrieve("conv_1")
    assert len(api.sent("GET", url)) == 30


async def test_per_call_timeout_reaches_aiohttp(client: AsyncClient, mock_api: MockAPI) -> None:
    """timeout=seconds becomes a total ClientTimeout; a ClientTimeout is passed through."""
    url = BASE_URL + "/conversations/conv_1"
    mock_api.get(url, payload=CONV, repeat=True)
    await client.conversations.retrieve("conv_1", timeout=2.5)
    custom = aiohttp.ClientTimeout(sock_read=1.0)
    await client.conversations.retrieve("conv_1", timeout=custom)
    await client.conversations.retrieve("conv_1")
    first, second, third = calls(mock_api, "GET", url)
    assert first.kwargs["timeout"] == aiohttp.ClientTimeout(total=2.5)
    assert second.kwargs["timeout"] == custom
    assert third.kwargs["timeout"] == aiohttp.ClientTimeout(total=600, sock_connect=5)


# --- lifecycle ----------------------------------------------------------------------------------


async def test_closed_client_refuses_calls(api: Routes) -> None:
    """After aclose() every call raises ClientClosedError (also a RuntimeError); close twice is fine."""
    c = AsyncClient(api_key=API_KEY, base_url=BASE_URL, transport=api.transport)
    await c.aclose()
    await c.aclose()
    assert c.is_closed
    with pytest.raises(ClientClosedError):
        await c.conversations.retrieve("conv_1")
    with pytest.raises(RuntimeError):
        async with c:
            pass
    assert not api.sent()


async def test_unclosed_client_warns(mock_api: MockAPI) -> None:
    """An owned session left open when the client is collected emits a ResourceWarning."""
    mock_api.get(BASE_URL + "/conversations/conv_1", payload=CONV)
    # The client owns the factory's session; the probe keeps a reference so that aiohttp's own
    # unclosed-session warning cannot fire after the block.
    probe = SessionProbe()
    holder = [AsyncClient(api_key=API_KEY, base_url=BASE_URL, session_factory=probe)]
    await holder[0].conversations.retrieve("conv_1")
    session = probe.session
    assert session is not None

    def drop_client() -> None:
        holder.clear()
        gc.collect()

    try:
        with pytest.warns(ResourceWarning, match="AsyncClient was not closed"):
            drop_client()
    finally:
        await session.close()


def test_unused_client_does_not_warn() -> None:
    """A client that never sent a request holds no session, so collecting it is silent."""
    c = AsyncClient(api_key=API_KEY)
    del c
    gc.collect()


def test_client_settings_are_validated() -> None:
    """Out-of-range constructor arguments fail at construction."""
    with pytest.raises(InvalidRequestError, match="max_retries"):
        AsyncClient(api_key="k", max_retries=-1)
    with pytest.raises(InvalidRequestError, match="max_response_size"):
        AsyncClient(api_key="k", max_response_size=0)
    with pytest.raises(InvalidRequestError, match="timeout"):
        AsyncClient(api_key="k", timeout=0)


def test_public_classes_live_at_the_package_root() -> None:
    """Reprs, pickles and docs show conversations_sdk, not private modules."""
    for cls in (AsyncClient, AsyncConversations, AsyncItems, AsyncPager, RawResponse, RetryPolicy):
        assert cls.__module__ == "conversations_sdk"


# --- secrets ------------------------------------------------------------------------------------


async def test_api_key_never_leaks(
    client: AsyncClient,
    mock_api: MockAPI,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The key is absent from reprs, errors (str, repr, args, pickles) and logs at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="conversations_sdk")
    url = BASE_URL + "/conversations/conv_1"
    mock_api.get(url, status=401, payload={"error": {"message": "bad key"}})
    mock_api.get(url, exception=aiohttp.ClientConnectionError("down"), repeat=True)
    with pytest.raises(AuthenticationError) as status_info:
        await client.conversations.retrieve("conv_1")
    with pytest.raises(APIConnectionError) as conn_info:
        await client.conversations.retrieve("conv_1")
    texts = [repr(client), repr(client.with_options()), repr(client.conversations), caplog.text]
    for error in (status_info.value, conn_info.value):
        texts += [str(error), repr(error), repr(error.args), repr(vars(error))]
        # As a renderer of traceback locals shows it: the request engine's frames hold the client,
        # its options (the key among them) and the request (its Authorization header).
        rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
        assert "options = ClientOptions(" in "".join(rendered.format())
        texts.append("".join(rendered.format()))
        texts.append(pickle.dumps(error).decode("latin-1"))
        assert type(pickle.loads(pickle.dumps(error))) is type(error)  # noqa: S301 - our own bytes
    assert all(API_KEY not in text for text in texts)
    assert "GET /conversations/conv_1 401" in caplog.text
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(client)


def test_openai_log_turns_on_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """OPENAI_LOG=debug sets the conversations_sdk logger to DEBUG with a handler."""
    logger = logging.getLogger("conversations_sdk")
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setenv("OPENAI_LOG", "debug")
    before = list(logger.handlers)
    try:
        _logging.setup_logging()
        assert logger.level == logging.DEBUG
        assert len(logger.handlers) == len(before) + 1
    finally:
        for handler in logger.handlers[len(before) :]:
            logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def _proxy_environment(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    # Whatever the machine running the tests has set, in either case, is cleared first.
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_environment_proxy_for_remote_hosts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY is used for the API host, never for loopback, and NO_PROXY is honoured.

    A unit test of the transport's pure decision: what NO_PROXY changes cannot be shown over a
    socket without resolving a remote name (the test below shows the proxy carrying a call).
    """
    from conversations_sdk._transport import proxy_for

    _proxy_environment(
        monkeypatch, HTTPS_PROXY="http://127.0.0.1:3128", NO_PROXY="internal.example"
    )
    proxies = urllib.request.getproxies()
    assert proxy_for(proxies, URL("https://api.openai.com/v1")) == "http://127.0.0.1:3128"
    assert proxy_for(proxies, URL("https://internal.example/v1")) is None
    assert proxy_for(proxies, URL("http://127.0.0.1:8000/v1")) is None
    assert proxy_for(proxies, URL("http://localhost:8000/v1")) is None
    assert proxy_for(proxies, URL("http://[::1]:8000/v1")) is None
    assert proxy_for({}, URL("https://api.openai.com/v1")) is None  # a caller's session


async def test_environment_proxy_carries_calls_to_remote_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With HTTP_PROXY set, a call to a remote host goes through the proxy (here a loopback
    server answering as the API would); a call to a loopback base_url goes straight there."""
    targets: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        targets.append(request.raw_path)  # absolute-form when sent to a proxy
        return web.json_response(CONV)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        _proxy_environment(monkeypatch, HTTP_PROXY=f"http://127.0.0.1:{server.port}")
        async with AsyncClient(api_key=API_KEY, base_url="http://api.example.test/v1") as client:
            assert (await client.conversations.retrieve("conv_1")).id == "conv_1"
        assert targets == ["http://api.example.test/v1/conversations/conv_1"]
        # The proxy now refuses connections: reaching the server proves the call went direct.
        _proxy_environment(monkeypatch, HTTP_PROXY="http://127.0.0.1:9")
        direct = f"http://127.0.0.1:{server.port}/v1"
        async with AsyncClient(api_key=API_KEY, base_url=direct, max_retries=0) as client:
            assert (await client.conversations.retrieve("conv_1")).id == "conv_1"
        assert targets[1:] == ["/v1/conversations/conv_1"]


def test_client_used_from_a_second_loop_fails_clearly(mock_api: MockAPI) -> None:
    """A client whose session was made in one loop refuses, clearly, to run in another."""
    mock_api.get(BASE_URL + "/conversations/conv_1", payload=CONV, repeat=True)
    client = AsyncClient(api_key=API_KEY, base_url=BASE_URL)

    async def retrieve() -> None:
        await client.conversations.retrieve("conv_1")

    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first.run_until_complete(retrieve())
        with pytest.raises(RuntimeError, match="another event loop"):
            second.run_until_complete(retrieve())
        first.run_until_complete(client.aclose())
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    ("api_key", "extra", "param"),
    [
        pytest.param(API_KEY + "\r\nX-Evil: 1", None, "headers['Authorization']", id="key-crlf"),
        pytest.param(API_KEY, {"X-Trace": "a\nb"}, "headers['X-Trace']", id="extra-lf"),
        pytest.param(API_KEY, {"X-Trace": 5}, "headers['X-Trace']", id="extra-not-str"),
    ],
)
async def test_header_injection_is_refused(
    api: Routes, api_key: str, extra: dict[str, Any] | None, param: str
) -> None:
    """Header values with CR/LF/NUL (or not strings) are refused, without echoing the value."""
    async with AsyncClient(api_key=api_key, base_url=BASE_URL, transport=api.transport) as c:
        with pytest.raises(InvalidRequestError) as info:
            await c.conversations.retrieve("conv_1", extra_headers=extra)
    assert info.value.param == param
    assert API_KEY not in str(info.value) + repr(info.value)
    assert not api.sent()


async def test_caller_idempotency_key_with_crlf_is_refused(api: Routes) -> None:
    """A caller's Idempotency-Key holding CR/LF is refused before anything is sent."""
    async with AsyncClient(api_key=API_KEY, base_url=BASE_URL, transport=api.transport) as c:
        with pytest.raises(InvalidRequestError) as info:
            await c.conversations.create(idempotency_key="key\r\nX-Evil: 1")
    assert info.value.param == "headers['Idempotency-Key']"
    assert not api.sent()


async def test_log_records_name_the_call_not_its_content(
    api: Routes, mclient: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Logs carry method, path, status, elapsed, attempt and request id, never bodies."""
    caplog.set_level(logging.DEBUG, logger="conversations_sdk")
    url = BASE_URL + "/conversations"
    api.add(
        "POST",
        url,
        MockResponse(503, headers={"x-request-id": "req_bad"}),
        MockResponse(200, json=CONV, headers={"x-request-id": "req_ok"}),
    )
    await mclient.conversations.create(metadata={"secret-ish": "Hello body"})
    messages = [r.getMessage() for r in caplog.records if r.name == "conversations_sdk"]
    assert any(
        m.startswith("POST /conversations 503 (") and "attempt 1, request_id=req_bad" in m
        for m in messages
    )
    assert any(m.startswith("retrying POST /conversations in 0.000 s") for m in messages)
    assert any(" ms, attempt 2, request_id=req_ok)" in m for m in messages)
    assert "Hello body" not in caplog.text
    assert "conv_1" not in caplog.text


async def test_returned_models_carry_the_request_id(api: Routes, mclient: AsyncClient) -> None:
    """Every returned object exposes the response's x-request-id as request_id."""
    api.add(
        "GET",
        BASE_URL + "/conversations/conv_1",
        MockResponse(200, json=CONV, headers={"x-request-id": "req_m"}),
    )
    conversation = await mclient.conversations.retrieve("conv_1")
    assert conversation.request_id == "req_m"


def test_annotations_resolve_at_runtime() -> None:
    """typing.get_type_hints works on every public method (Sphinx and the blocking facade use it)."""
    import typing

    for cls in (AsyncConversations, AsyncItems):
        for name in ("create", "retrieve", "update", "delete", "list"):
            method = getattr(cls, name, None)
            if method is not None:
                assert "timeout" in typing.get_type_hints(method)
    assert "retry" in typing.get_type_hints(AsyncClient.__init__)
