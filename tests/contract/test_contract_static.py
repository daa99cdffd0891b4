"""Every method of the async client and of the blocking facade, with every parameter the spec
defines, against Prism in static mode: Prism accepts the request (no 422), the request carries
exactly what the caller passed, and the answer parses into the right model classes and round-trips.

Each test runs twice, once per client (``sdk`` fixture), with the same body: the facade cannot
drift from the async client without one of the two failing.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, NoReturn

import pytest

from conversations_sdk import APIStatusError, AsyncClient, Client
from conversations_sdk._converter import CONVERTER
from conversations_sdk.models import (
    Conversation,
    ConversationDeletedResource,
    ConversationItemList,
    EasyInputMessage,
    FunctionCallOutputItemParam,
    FunctionToolCall,
    InputFileContent,
    InputImageContent,
    InputMessage,
    InputTextContent,
    InputTextContentParam,
    ItemReferenceParam,
    MCPApprovalResponse,
    Message,
    OutputMessage,
    OutputTextContent,
    ReasoningItem,
    SummaryTextContent,
)
from tests._support.contract import Exchange, RecordingProxy, violations

API_KEY = "sk-contract-test"
CONV = "conv_123"
INCLUDE = [
    "message.output_text.logprobs",
    "reasoning.encrypted_content",
    "message.input_image.image_url",
    "code_interpreter_call.outputs",
]

# Several input types, as models and as plain dicts, with the JSON each must become on the wire.
INPUT_ITEMS: list[Any] = [
    EasyInputMessage(role="user", content="Hello!"),
    EasyInputMessage(
        role="user",
        content=[
            InputTextContent(text="What is in these?"),
            InputImageContent(image_url="https://example.com/cat.png", detail="low"),
            InputFileContent(file_id="file_123"),
        ],
    ),
    # An assistant message with output_text parts is the full output-message shape: id and status.
    OutputMessage(
        id="msg_1",
        role="assistant",
        status="completed",
        content=[OutputTextContent(text="A cat.", annotations=[], logprobs=[])],
    ),
    FunctionToolCall(call_id="call_1", name="get_weather", arguments='{"city": "Paris"}'),
    FunctionCallOutputItemParam(call_id="call_1", output='{"celsius": 21}'),
    ItemReferenceParam(id="msg_0"),
    {"type": "message", "role": "developer", "content": "Answer briefly."},
    InputMessage(role="system", status="completed", content=[InputTextContent(text="Be kind.")]),
    ReasoningItem(id="rs_1", summary=[SummaryTextContent(text="Looked it up.")]),
    FunctionCallOutputItemParam(call_id="call_2", output=[InputTextContentParam(text="21 C")]),
    # The published spec lists `request_id` as required without declaring it among the properties,
    # so the generated model has no field for it; `extra` is how a caller sends it.
    MCPApprovalResponse(approval_request_id="mcpr_1", approve=True, extra={"request_id": "mcpr_1"}),
]
INPUT_JSON: list[dict[str, Any]] = [
    {"role": "user", "content": "Hello!"},
    {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "What is in these?"},
            {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"},
            {"type": "input_file", "file_id": "file_123"},
        ],
    },
    {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "A cat.", "annotations": [], "logprobs": []}],
        "status": "completed",
    },
    {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    },
    {"type": "function_call_output", "call_id": "call_1", "output": '{"celsius": 21}'},
    {"id": "msg_0"},
    {"type": "message", "role": "developer", "content": "Answer briefly."},
    {
        "role": "system",
        "status": "completed",
        "content": [{"type": "input_text", "text": "Be kind."}],
    },
    {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "Looked it up."}],
    },
    {
        "type": "function_call_output",
        "call_id": "call_2",
        "output": [{"type": "input_text", "text": "21 C"}],
    },
    {
        "type": "mcp_approval_response",
        "approval_request_id": "mcpr_1",
        "approve": True,
        "request_id": "mcpr_1",
    },
]


class Sdk:
    """One of the two clients behind one awaitable calling convention."""

    def __init__(self, kind: str, client: AsyncClient | Client, proxy: RecordingProxy) -> None:
        self.kind = kind
        self.client = client
        self.proxy = proxy

    def _method(self, path: str) -> Callable[..., Any]:
        target: Any = functools.reduce(getattr, path.split("."), self.client)
        return target  # type: ignore[no-any-return]

    async def call(self, path: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``client.<path>(*args, **kwargs)``; the blocking client runs in a worker thread."""
        method = self._method(path)
        try:
            if self.kind == "async":
                return await method(*args, **kwargs)
            return await asyncio.to_thread(method, *args, **kwargs)
        except APIStatusError as exc:
            self.refused(exc)

    def refused(self, exc: APIStatusError) -> NoReturn:
        """Fail with Prism's own verdict (the violated fields), not just the SDK's exception."""
        verdicts = [f"{e.describe()}: {violations(e.response_body)}" for e in self.proxy.take()]
        pytest.fail(f"Prism refused the request ({exc!r}): {verdicts}", pytrace=False)

    async def first_page(self, conversation_id: str, **kwargs: Any) -> ConversationItemList:
        """The first page of ``items.list`` (``await pager`` / ``pager.first_page()``)."""
        try:
            if isinstance(self.client, AsyncClient):
                pager = self.client.conversations.items.list(conversation_id, **kwargs)
                return await pager.first_page()
            client = self.client
            return await asyncio.to_thread(
                lambda: client.conversations.items.list(conversation_id, **kwargs).first_page()
            )
        except APIStatusError as exc:
            self.refused(exc)

    async def pages(self, conversation_id: str, count: int, **kwargs: Any) -> list[Any]:
        """The first ``count`` pages of ``items.list(...).pages()``, then stop iterating."""

        def blocking_pages(client: Client) -> list[Any]:
            taken = []
            for page in client.conversations.items.list(conversation_id, **kwargs).pages():
                taken.append(page)
                if len(taken) == count:
                    break
            return taken

        if not isinstance(self.client, AsyncClient):
            return await asyncio.to_thread(blocking_pages, self.client)
        taken: list[Any] = []
        pager = self.client.conversations.items.list(conversation_id, **kwargs)
        async for page in pager.pages():
            taken.append(page)
            if len(taken) == count:
                break
        return taken


@pytest.fixture
def blocking_client(static_proxy: RecordingProxy) -> Iterator[Client]:
    """The blocking facade on the static Prism (through the proxy), without retries."""
    with Client(
        api_key=API_KEY, base_url=static_proxy.base_url, max_retries=0, strict=True
    ) as client:
        yield client


@pytest.fixture(params=["async", "blocking"])
async def sdk(request: pytest.FixtureRequest, static_proxy: RecordingProxy) -> AsyncIterator[Sdk]:
    """Each client in turn, pointed at the static Prism, with nothing recorded yet."""
    static_proxy.take()
    if request.param == "async":
        async with AsyncClient(
            api_key=API_KEY, base_url=static_proxy.base_url, max_retries=0, strict=True
        ) as client:
            yield Sdk("async", client, static_proxy)
    else:
        yield Sdk("blocking", request.getfixturevalue("blocking_client"), static_proxy)


def accepted(proxy: RecordingProxy, operation_id: str) -> Exchange:
    """The one exchange since the last check: the expected operation, declared params, no 422."""
    sent = proxy.take()
    assert len(sent) == 1, [e.describe() for e in sent]
    exchange = sent[0]
    assert exchange.operation_id == operation_id, exchange.describe()
    assert exchange.problems == (), exchange.describe()
    assert exchange.status == 200, (
        f"Prism refused {exchange.describe()}: {violations(exchange.response_body)}"
    )
    assert exchange.headers.get("Authorization") == f"Bearer {API_KEY}"
    return exchange


def accepted_many(proxy: RecordingProxy, operation_id: str, count: int) -> list[Exchange]:
    """Like :func:`accepted`, for ``count`` exchanges in a row."""
    sent = proxy.take()
    assert len(sent) == count, [e.describe() for e in sent]
    for exchange in sent:
        assert exchange.operation_id == operation_id, exchange.describe()
        assert exchange.problems == (), exchange.describe()
        assert exchange.status == 200, (
            f"Prism refused {exchange.describe()}: {violations(exchange.response_body)}"
        )
    return sent


def query_values(exchange: Exchange, name: str) -> list[str]:
    """The values sent for array parameter ``name`` (``name`` or ``name[]`` form)."""
    return [v for k, v in exchange.query if k in (name, f"{name}[]")]


def round_trips(result: Any, exchange: Exchange) -> None:
    """The parsed model unstructures back to exactly the JSON Prism sent."""
    assert CONVERTER.unstructure(result) == exchange.response_body


async def test_create_conversation(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """create with metadata and several input item types is accepted and parses as Conversation."""
    result = await sdk.call(
        "conversations.create", metadata={"topic": "demo", "user": "u-1"}, items=INPUT_ITEMS
    )
    exchange = accepted(static_proxy, "createConversation")
    assert exchange.request_body == {
        "metadata": {"topic": "demo", "user": "u-1"},
        "items": INPUT_JSON,
    }
    assert isinstance(result, Conversation)
    round_trips(result, exchange)


async def test_create_conversation_without_arguments(
    sdk: Sdk, static_proxy: RecordingProxy
) -> None:
    """create with no argument sends an empty body (no key the caller did not pass) and is accepted."""
    result = await sdk.call("conversations.create")
    exchange = accepted(static_proxy, "createConversation")
    assert exchange.request_body in (None, {})
    assert isinstance(result, Conversation)


async def test_retrieve_conversation(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """retrieve is accepted and parses as Conversation."""
    result = await sdk.call("conversations.retrieve", CONV)
    exchange = accepted(static_proxy, "getConversation")
    assert exchange.path == f"/conversations/{CONV}"
    assert isinstance(result, Conversation)
    round_trips(result, exchange)


async def test_update_conversation(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """update with metadata is accepted and parses as Conversation."""
    result = await sdk.call("conversations.update", CONV, metadata={"topic": "project-x"})
    exchange = accepted(static_proxy, "updateConversation")
    assert exchange.request_body == {"metadata": {"topic": "project-x"}}
    assert isinstance(result, Conversation)
    round_trips(result, exchange)


async def test_delete_conversation(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """delete is accepted and parses as ConversationDeletedResource."""
    result = await sdk.call("conversations.delete", CONV)
    exchange = accepted(static_proxy, "deleteConversation")
    assert isinstance(result, ConversationDeletedResource)
    assert result.deleted is True
    round_trips(result, exchange)


async def test_create_items(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """items.create with several input types and several include values is accepted and parsed."""
    result = await sdk.call("conversations.items.create", CONV, items=INPUT_ITEMS, include=INCLUDE)
    exchange = accepted(static_proxy, "createConversationItems")
    assert exchange.path == f"/conversations/{CONV}/items"
    assert exchange.request_body == {"items": INPUT_JSON}
    assert query_values(exchange, "include") == INCLUDE
    assert isinstance(result, ConversationItemList)
    assert result.data
    assert all(isinstance(item, Message) for item in result.data)
    round_trips(result, exchange)


async def test_list_items_with_every_parameter(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """items.list with after, limit, order and include is accepted and parses into typed items."""
    page = await sdk.first_page(CONV, after="msg_abc", limit=7, order="asc", include=INCLUDE)
    exchange = accepted(static_proxy, "listConversationItems")
    query = dict(exchange.query)
    assert query["after"] == "msg_abc"
    assert query["limit"] == "7"
    assert query["order"] == "asc"
    assert query_values(exchange, "include") == INCLUDE
    assert isinstance(page, ConversationItemList)
    assert page.data
    message = page.data[0]
    assert isinstance(message, Message)
    assert isinstance(message.content[0], InputTextContent)
    round_trips(page, exchange)


async def test_pager_sends_last_id_as_after(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """The next page is requested with after=<last_id>, keeping limit, order and include."""
    first, second = await sdk.pages(CONV, 2, limit=3, order="desc", include=INCLUDE[:2])
    requests = accepted_many(static_proxy, "listConversationItems", 2)
    assert first.has_more
    assert "after" not in dict(requests[0].query)
    assert dict(requests[1].query)["after"] == first.last_id
    for exchange in requests:
        assert (dict(exchange.query)["limit"], dict(exchange.query)["order"]) == ("3", "desc")
        assert query_values(exchange, "include") == INCLUDE[:2]
    assert isinstance(second, ConversationItemList)


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_list_items_orders(sdk: Sdk, static_proxy: RecordingProxy, order: str) -> None:
    """Both spec values of order are accepted."""
    await sdk.first_page(CONV, order=order)
    exchange = accepted(static_proxy, "listConversationItems")
    assert dict(exchange.query) == {"order": order}


async def test_list_items_without_parameters(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """items.list with no option sends no query parameter at all."""
    await sdk.first_page(CONV)
    exchange = accepted(static_proxy, "listConversationItems")
    assert exchange.query == ()


async def test_retrieve_item(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """items.retrieve with include is accepted and parses into the item's model class."""
    item = await sdk.call(
        "conversations.items.retrieve", "msg_abc", conversation_id=CONV, include=INCLUDE
    )
    exchange = accepted(static_proxy, "getConversationItem")
    assert exchange.path == f"/conversations/{CONV}/items/msg_abc"
    assert query_values(exchange, "include") == INCLUDE
    assert isinstance(item, Message)
    round_trips(item, exchange)


async def test_delete_item(sdk: Sdk, static_proxy: RecordingProxy) -> None:
    """items.delete is accepted and parses as the parent Conversation."""
    result = await sdk.call("conversations.items.delete", "msg_abc", conversation_id=CONV)
    exchange = accepted(static_proxy, "deleteConversationItem")
    assert exchange.path == f"/conversations/{CONV}/items/msg_abc"
    assert isinstance(result, Conversation)
    round_trips(result, exchange)
