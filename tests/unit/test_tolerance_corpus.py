"""The tolerant reader over a corpus of off-spec answers, through all eight operations.

Each case is one answer the real API could plausibly send that the spec does not allow (or, for a
few marked ``spec_valid``, that the spec allows although the old reader refused it). For every
case, through the async client and the blocking one alike:

* the call succeeds and the user reads what the server sent (``read``);
* nothing sent is altered: the result's wire form is exactly the body;
* the deviation is recorded in ``validation_issues`` (``issues``: the paths that must be there);
* ``strict=True`` (per call, and on the client) raises ``ResponseValidationError``.

The transport is mocked with aioresponses; no socket is opened.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

from conversations_sdk import AsyncClient, Client, ResponseValidationError, RetryPolicy
from conversations_sdk import models as m
from conversations_sdk._converter import CONVERTER
from conversations_sdk.testing import MockRequest, MockResponse, MockTransport
from tests.conftest import API_KEY, BASE_URL

CONV: dict[str, Any] = {
    "id": "conv_1",
    "object": "conversation",
    "created_at": 1741900000,
    "metadata": {"topic": "demo"},
}
DELETED: dict[str, Any] = {"id": "conv_1", "object": "conversation.deleted", "deleted": True}
MSG: dict[str, Any] = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "hi", "annotations": [], "logprobs": []}],
}
USER: dict[str, Any] = {
    "type": "message",
    "id": "msg_0",
    "status": "completed",
    "role": "user",
    "content": [{"type": "input_text", "text": "hello"}],
}
CALL: dict[str, Any] = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": "{}",
    "status": "completed",
}

NO_BODY = object()  # a 204 answer without a body


def page(*items: Any, **overrides: Any) -> dict[str, Any]:
    """A list page of these items, with its cursors."""
    ids = [i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)]
    body = {
        "object": "list",
        "data": list(items),
        "has_more": False,
        "first_id": ids[0] if ids else "",
        "last_id": ids[-1] if ids else "",
    }
    body.update(overrides)
    return body


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` with keys replaced (``...`` removes a key)."""
    body = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            del body[key]
        else:
            body[key] = value
    return body


@attrs.frozen
class Case:
    """One off-spec answer to one operation."""

    id: str
    op: str
    body: Any
    issues: tuple[str, ...]  # paths that must be in validation_issues
    read: Callable[[Any], object]  # asserts what the user reads
    spec_valid: bool = False  # allowed by the spec: nothing recorded, strict accepts it too
    status: int = 200


def _read_conv(**expected: Any) -> Callable[[Any], object]:
    def check(conv: Any) -> None:
        assert isinstance(conv, m.Conversation)
        for name, value in expected.items():
            got = getattr(conv, name)
            assert got == value, (name, got)
            assert type(got) is type(value), (name, got)

    return check


CONVERSATION_OPS = ["conversations.create", "conversations.retrieve", "conversations.update"]
CONVERSATION_OPS.append("items.delete")
PAGE_OPS = ["items.create", "items.list"]


def conversation_cases() -> Iterator[Case]:
    for op in CONVERSATION_OPS:
        yield from [
            Case(
                f"{op}-created_at-missing",
                op,
                changed(CONV, created_at=...),
                ("$.created_at",),
                _read_conv(created_at=None, id="conv_1"),
            ),
            Case(
                f"{op}-created_at-null",
                op,
                changed(CONV, created_at=None),
                ("$.created_at",),
                _read_conv(created_at=None),
            ),
            Case(
                f"{op}-created_at-string",
                op,
                changed(CONV, created_at="2025-03-14T00:00:00Z"),
                ("$.created_at",),
                _read_conv(created_at="2025-03-14T00:00:00Z"),
            ),
            Case(
                f"{op}-created_at-integral-float",
                op,
                changed(CONV, created_at=1741900000.0),
                (),
                _read_conv(created_at=1741900000.0),
                spec_valid=True,
            ),
            Case(
                f"{op}-metadata-missing",
                op,
                changed(CONV, metadata=...),
                ("$.metadata",),
                _read_conv(metadata=None, created_at=1741900000),
            ),
            Case(
                f"{op}-metadata-array",
                op,
                changed(CONV, metadata=[]),
                ("$.metadata",),
                _read_conv(metadata=[]),
            ),
            Case(
                f"{op}-object-new-constant",
                op,
                changed(CONV, object="conversation.v2"),
                ("$.object",),
                _read_conv(object="conversation.v2", id="conv_1"),
            ),
            Case(
                f"{op}-id-integer",
                op,
                changed(CONV, id=12345),
                ("$.id",),
                _read_conv(id=12345),
            ),
        ]


def _read_deleted(**expected: Any) -> Callable[[Any], object]:
    def check(receipt: Any) -> None:
        assert isinstance(receipt, m.ConversationDeletedResource)
        for name, value in expected.items():
            got = getattr(receipt, name)
            assert got == value, (name, got)
            assert type(got) is type(value), (name, got)

    return check


DELETE_CASES = [
    Case(
        "conversations.delete-deleted-1",
        "conversations.delete",
        changed(DELETED, deleted=1),
        ("$.deleted",),
        _read_deleted(deleted=1, id="conv_1"),
    ),
    Case(
        "conversations.delete-deleted-string",
        "conversations.delete",
        changed(DELETED, deleted="true"),
        ("$.deleted",),
        _read_deleted(deleted="true"),
    ),
    Case(
        "conversations.delete-deleted-missing",
        "conversations.delete",
        changed(DELETED, deleted=...),
        ("$.deleted",),
        _read_deleted(deleted=None, id="conv_1"),
    ),
    Case(
        "conversations.delete-object-new-constant",
        "conversations.delete",
        changed(DELETED, object="conversation.deleted.v2"),
        ("$.object",),
        _read_deleted(object="conversation.deleted.v2", deleted=True),
    ),
    Case(
        "conversations.delete-id-null",
        "conversations.delete",
        changed(DELETED, id=None),
        ("$.id",),
        _read_deleted(id=None, deleted=True),
    ),
]


def _read_page(check_items: Callable[[list[Any]], object], **expected: Any) -> Callable[..., Any]:
    def check(result: Any) -> None:
        assert isinstance(result, m.ConversationItemList)
        for name, value in expected.items():
            got = getattr(result, name)
            assert got == value, (name, got)
            assert type(got) is type(value), (name, got)
        check_items(list(result.data))

    return check


def _types(*expected: type) -> Callable[[list[Any]], None]:
    def check(items: list[Any]) -> None:
        assert [type(i) for i in items] == list(expected)

    return check


def _message_status(status: object) -> Callable[[list[Any]], None]:
    def check(items: list[Any]) -> None:
        assert type(items[0]) is m.Message
        assert items[0].status == status
        assert items[0].content[0].text == "hi"

    return check


def _broken_message(items: list[Any]) -> None:
    good, broken, call = items
    assert type(good) is m.Message
    assert good.content[0].text == "hello"
    assert type(broken) is m.UnknownItem
    assert broken.type == "message"
    assert broken.id == "msg_1"
    assert broken.reason is not None
    assert "$.content" in broken.reason
    assert broken.validation_issues == (m.ValidationIssue("$.content", "an array", "a string"),)
    assert type(call) is m.FunctionToolCallResource
    assert call.call_id == "call_1"


def _broken_part(items: list[Any]) -> None:
    (message,) = items
    part = message.content[0]
    assert type(message) is m.Message
    assert type(part) is m.UnknownContent
    assert part.type == "output_text"
    assert part.text == "hi"
    assert part.reason is not None


def _new_text_part(items: list[Any]) -> None:
    part = items[0].content[0]
    assert type(part) is m.UnknownContent
    assert part.text == "spoken words"
    assert part.reason is None  # a new type, not a broken one


def _call_without_call_id(items: list[Any]) -> None:
    (call,) = items
    assert type(call) is m.FunctionToolCallResource
    assert call.call_id is None
    assert call.name == "get_weather"


def _raw_string_item(items: list[Any]) -> None:
    assert type(items[0]) is m.Message
    assert items[1] == "not an item"


def _float_index(items: list[Any]) -> None:
    annotation = items[0].content[0].annotations[0]
    assert type(annotation) is m.UrlCitationBody
    assert annotation.start_index == 0.0
    assert type(annotation.start_index) is float


URL_ANNOTATION = {
    "type": "url_citation",
    "url": "https://example.com",
    "start_index": 0.0,
    "end_index": 2,
    "title": "Example",
}


def page_cases() -> Iterator[Case]:
    for op in PAGE_OPS:
        message_parts = MSG["content"][0]
        yield from [
            Case(
                f"{op}-empty-null-cursors",
                op,
                page(first_id=None, last_id=None),
                ("$.first_id", "$.last_id"),
                _read_page(_types(), first_id=None, last_id=None, has_more=False),
            ),
            Case(
                f"{op}-message-status-null",
                op,
                page(changed(MSG, status=None)),
                ("$.data[0].status",),
                _read_page(_message_status(None)),
            ),
            Case(
                f"{op}-message-status-missing",
                op,
                page(changed(MSG, status=...)),
                ("$.data[0].status",),
                _read_page(_message_status(None)),
            ),
            Case(
                f"{op}-function-call-without-call_id",
                op,
                page(changed(CALL, call_id=...)),
                ("$.data[0].call_id",),
                _read_page(_call_without_call_id),
            ),
            Case(
                f"{op}-unbuildable-item-among-good-ones",
                op,
                page(USER, changed(MSG, content="hi"), CALL),
                ("$.data[1].content",),
                _read_page(_broken_message),
            ),
            Case(
                f"{op}-unbuildable-content-part",
                op,
                page(changed(MSG, content=[changed(message_parts, annotations="none")])),
                ("$.data[0].content[0].annotations",),
                _read_page(_broken_part),
            ),
            Case(
                f"{op}-item-not-an-object",
                op,
                page(USER, "not an item"),
                ("$.data[1]",),
                _read_page(_raw_string_item),
            ),
            Case(
                f"{op}-object-new-constant",
                op,
                page(USER, object="list.v2"),
                ("$.object",),
                _read_page(_types(m.Message), object="list.v2"),
            ),
            Case(
                f"{op}-has_more-missing",
                op,
                changed(page(USER), has_more=...),
                ("$.has_more",),
                _read_page(_types(m.Message), has_more=None),
            ),
            Case(
                f"{op}-item-id-integer",
                op,
                page(changed(USER, id=7)),
                ("$.data[0].id",),
                _read_page(_types(m.Message)),
            ),
            Case(
                f"{op}-text-wrong-type",
                op,
                page(changed(USER, content=[{"type": "input_text", "text": 42}])),
                ("$.data[0].content[0].text",),
                _read_page(lambda items: items[0].content[0].text == 42 or pytest.fail("text")),
            ),
            Case(
                f"{op}-integral-float-index",
                op,
                page(changed(MSG, content=[changed(message_parts, annotations=[URL_ANNOTATION])])),
                (),
                _read_page(_float_index),
                spec_valid=True,
            ),
            Case(
                f"{op}-new-content-type-with-text",
                op,
                page(changed(MSG, content=[{"type": "output_audio", "text": "spoken words"}])),
                (),
                _read_page(_new_text_part),
                spec_valid=True,  # additive: a new type is not a deviation
            ),
        ]


def _item(expected_type: type, **expected: Any) -> Callable[[Any], object]:
    def check(item: Any) -> None:
        assert type(item) is expected_type
        for name, value in expected.items():
            got = getattr(item, name)
            assert got == value, (name, got)
            assert type(got) is type(value), (name, got)

    return check


RETRIEVE_CASES = [
    Case(
        "items.retrieve-status-null",
        "items.retrieve",
        changed(MSG, status=None),
        ("$.status",),
        _item(m.Message, status=None, id="msg_1"),
    ),
    Case(
        "items.retrieve-role-integer",
        "items.retrieve",
        changed(MSG, role=5),
        ("$.role",),
        _item(m.Message, role=5),
    ),
    Case(
        "items.retrieve-unbuildable",
        "items.retrieve",
        changed(MSG, content={"type": "output_text", "text": "hi"}),
        ("$.content",),
        _item(m.UnknownItem, type="message", id="msg_1"),
    ),
    Case(
        "items.retrieve-call-without-call_id",
        "items.retrieve",
        changed(CALL, call_id=...),
        ("$.call_id",),
        _item(m.FunctionToolCallResource, call_id=None, arguments="{}"),
    ),
    Case(
        "items.retrieve-arguments-object",
        "items.retrieve",
        changed(CALL, arguments={"city": "Paris"}),
        ("$.arguments",),
        _item(m.FunctionToolCallResource, arguments={"city": "Paris"}),
    ),
    Case(
        "items.retrieve-reasoning-summary-string",
        "items.retrieve",
        {"type": "reasoning", "id": "rs_1", "summary": "thinking"},
        ("$.summary",),
        _item(m.UnknownItem, type="reasoning", id="rs_1"),
    ),
    Case(
        "items.retrieve-integral-float-in-logprob",
        "items.retrieve",
        changed(
            MSG,
            content=[
                {
                    "type": "output_text",
                    "text": "hi",
                    "annotations": [],
                    "logprobs": [{"token": "hi", "logprob": -0.5, "bytes": [104.0, 105.0]}],
                }
            ],
        ),
        ("$.content[0].logprobs[0].top_logprobs",),
        _item(m.Message, id="msg_1"),
    ),
]

CASES = [
    *conversation_cases(),
    *DELETE_CASES,
    *page_cases(),
    *RETRIEVE_CASES,
]


def test_the_corpus_is_large_and_covers_every_operation() -> None:
    """At least 60 off-spec answers (the 204 and pagination cases are counted apart), eight ops."""
    ops = {case.op for case in CASES}
    assert len(CASES) + len(NO_CONTENT_CASES) + len(PAGINATION_CASES) >= 60
    assert len(ops) == 8, sorted(ops)


# -- running a case ----------------------------------------------------------------------------

_PATHS = {
    "conversations.create": ("POST", BASE_URL + "/conversations"),
    "conversations.retrieve": ("GET", BASE_URL + "/conversations/conv_1"),
    "conversations.update": ("POST", BASE_URL + "/conversations/conv_1"),
    "conversations.delete": ("DELETE", BASE_URL + "/conversations/conv_1"),
    "items.create": ("POST", BASE_URL + "/conversations/conv_1/items"),
    "items.list": ("GET", re.compile(re.escape(BASE_URL) + r"/conversations/conv_1/items(\?.*)?$")),
    "items.retrieve": ("GET", BASE_URL + "/conversations/conv_1/items/msg_1"),
    "items.delete": ("DELETE", BASE_URL + "/conversations/conv_1/items/msg_1"),
}


class Answers:
    """Canned answers served through a MockTransport, each used once, in the order added.

    ``add``/``get`` take a URL string or a compiled pattern matched against the whole URL.
    """

    def __init__(self) -> None:
        self.queued: list[tuple[str, object, MockResponse]] = []
        self.transport = MockTransport(self.handle)

    def add(self, url: object, method: str, *, status: int = 200, body: bytes = b"") -> None:
        self.queued.append((method, url, MockResponse(status, content=body)))

    def get(self, url: object, *, status: int = 200, body: bytes = b"") -> None:
        self.add(url, "GET", status=status, body=body)

    def handle(self, request: MockRequest) -> MockResponse:
        for index, (method, url, answer) in enumerate(self.queued):
            matched = url.match(request.url) if isinstance(url, re.Pattern) else url == request.url
            if method == request.method and matched:
                del self.queued[index]
                return answer
        raise AssertionError(f"unexpected request {request.method} {request.url}")


@pytest.fixture
def api() -> Answers:
    """Canned answers for this test's clients (pass ``transport=api.transport``)."""
    return Answers()


def mock(api: Answers, case: Case, times: int = 1) -> None:
    method, url = _PATHS[case.op]
    for _ in range(times):
        if case.body is NO_BODY:
            api.add(url, method, status=204, body=b"")
        else:
            api.add(url, method, status=case.status, body=json.dumps(case.body).encode())


async def call_async(client: AsyncClient, op: str, **kwargs: Any) -> Any:
    conversations = client.conversations
    items = conversations.items
    if op == "conversations.create":
        return await conversations.create(metadata={"topic": "demo"}, **kwargs)
    if op == "conversations.retrieve":
        return await conversations.retrieve("conv_1", **kwargs)
    if op == "conversations.update":
        return await conversations.update("conv_1", metadata={"topic": "demo"}, **kwargs)
    if op == "conversations.delete":
        return await conversations.delete("conv_1", **kwargs)
    if op == "items.create":
        return await items.create("conv_1", items=[{"role": "user", "content": "hi"}], **kwargs)
    if op == "items.list":
        return await items.list("conv_1", **kwargs).first_page()
    if op == "items.retrieve":
        return await items.retrieve("msg_1", conversation_id="conv_1", **kwargs)
    assert op == "items.delete"
    return await items.delete("msg_1", conversation_id="conv_1", **kwargs)


def call_blocking(client: Client, op: str, **kwargs: Any) -> Any:
    conversations = client.conversations
    items = conversations.items
    if op == "conversations.create":
        return conversations.create(metadata={"topic": "demo"}, **kwargs)
    if op == "conversations.retrieve":
        return conversations.retrieve("conv_1", **kwargs)
    if op == "conversations.update":
        return conversations.update("conv_1", metadata={"topic": "demo"}, **kwargs)
    if op == "conversations.delete":
        return conversations.delete("conv_1", **kwargs)
    if op == "items.create":
        return items.create("conv_1", items=[{"role": "user", "content": "hi"}], **kwargs)
    if op == "items.list":
        return items.list("conv_1", **kwargs).first_page()
    if op == "items.retrieve":
        return items.retrieve("msg_1", conversation_id="conv_1", **kwargs)
    assert op == "items.delete"
    return items.delete("msg_1", conversation_id="conv_1", **kwargs)


def _exact(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def check_result(case: Case, result: Any) -> None:
    case.read(result)
    # Nothing sent is altered: the wire form is the body, number types and all.
    assert _exact(CONVERTER.unstructure(result)) == _exact(case.body)
    paths = {issue.path for issue in result.validation_issues}
    assert set(case.issues) <= paths, (case.issues, result.validation_issues)
    if case.spec_valid:
        assert result.validation_issues == ()
    else:
        assert result.validation_issues, "a deviation must be recorded"
        for issue in result.validation_issues:  # kinds, never the values sent
            assert isinstance(issue, m.ValidationIssue)
            assert "demo" not in issue.got
            assert "Paris" not in issue.got


@pytest.fixture
def blocking_client(api: Answers) -> Iterator[Client]:
    with Client(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, retry=RetryPolicy.no_backoff()
    ) as client:
        yield client


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_async_reads_what_was_sent(case: Case, api: Answers) -> None:
    """The async client returns the answer, unaltered, with the deviation recorded."""
    mock(api, case)
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        result = await call_async(client, case.op)
    check_result(case, result)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_blocking_reads_what_was_sent(case: Case, api: Answers, blocking_client: Client) -> None:
    """The blocking client returns the very same thing."""
    mock(api, case)
    check_result(case, call_blocking(blocking_client, case.op))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_strict_raises(case: Case, api: Answers) -> None:
    """strict=True per call and on the client raises, naming the paths (spec-valid: accepted)."""
    mock(api, case, times=2)
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        if case.spec_valid:
            check_result(case, await call_async(client, case.op, strict=True))
        else:
            with pytest.raises(ResponseValidationError) as info:
                await call_async(client, case.op, strict=True)
            for path in case.issues:
                assert path.split("[")[0] in str(info.value) or path == "$"
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, max_retries=0, strict=True, transport=api.transport
    ) as strict_client:
        assert strict_client.strict
        if case.spec_valid:
            check_result(case, await call_async(strict_client, case.op))
        else:
            with pytest.raises(ResponseValidationError):
                await call_async(strict_client, case.op)


@pytest.mark.parametrize("case", CASES[::7], ids=lambda c: c.id)
def test_blocking_strict_raises(case: Case, api: Answers) -> None:
    """The blocking client takes strict= too, per client and per call."""
    mock(api, case, times=2)
    with Client(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0, strict=True
    ) as client:
        assert client.strict
        if case.spec_valid:
            check_result(case, call_blocking(client, case.op))
            check_result(case, call_blocking(client, case.op, strict=False))
        else:
            with pytest.raises(ResponseValidationError):
                call_blocking(client, case.op)
            check_result(case, call_blocking(client, case.op, strict=False))


# -- 204 deletes -------------------------------------------------------------------------------

NO_CONTENT_CASES = ["conversations.delete", "items.delete"]


@pytest.mark.parametrize("op", NO_CONTENT_CASES)
@pytest.mark.parametrize("strict", [False, True])
async def test_a_204_delete_is_success(
    op: str, strict: bool, api: Answers, blocking_client: Client
) -> None:
    """A delete answered 204 without a body succeeds, strict or not, and says it had no body."""
    case = Case(op, op, NO_BODY, ("$",), lambda _: None)
    mock(api, case, times=2)
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        results = [await call_async(client, op, strict=strict)]
    results.append(call_blocking(blocking_client, op, strict=strict))
    for result in results:
        assert m.ValidationIssue("$", "a JSON object body", "no body (HTTP 204)") in (
            result.validation_issues
        )
        if op == "conversations.delete":
            assert result == m.ConversationDeletedResource(id="conv_1", deleted=True)
            assert CONVERTER.unstructure(result) == DELETED
        else:
            assert type(result) is m.Conversation
            assert result.id == "conv_1"
            assert result.created_at is None
            assert CONVERTER.unstructure(result) == {"id": "conv_1", "object": "conversation"}


async def test_a_204_elsewhere_is_still_an_error(api: Answers) -> None:
    """Only a delete may answer without a body: a retrieve with no body raises."""
    api.get(BASE_URL + "/conversations/conv_1", status=204, body=b"")
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        with pytest.raises(ResponseValidationError, match="no body"):
            await client.conversations.retrieve("conv_1")


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'"conversation"', b"<html>", b"42"],
    ids=["empty", "null", "array", "string", "html", "number"],
)
async def test_bodies_without_an_object_still_raise(body: bytes, api: Answers) -> None:
    """A 200 with no JSON object in it is an error even when reading leniently."""
    api.get(BASE_URL + "/conversations/conv_1", status=200, body=body)
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        with pytest.raises(ResponseValidationError):
            await client.conversations.retrieve("conv_1")


async def test_error_bodies_stay_typed_errors(api: Answers) -> None:
    """An error answer with an off-spec body is still the status's typed error."""
    from conversations_sdk import NotFoundError

    api.get(BASE_URL + "/conversations/conv_1", status=404, body=b'{"error": "gone"}')
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        with pytest.raises(NotFoundError):
            await client.conversations.retrieve("conv_1")


# -- broken pagination -------------------------------------------------------------------------

LIST_URL = _PATHS["items.list"][1]

PAGINATION_CASES = [
    pytest.param([page(USER, has_more=True, last_id=None)], "no cursor", id="more-without-cursor"),
    pytest.param([page(USER, has_more=True, last_id=5)], "no cursor", id="more-integer-cursor"),
    pytest.param([page(USER, has_more="true")], "not a boolean", id="has_more-string"),
    pytest.param([page(USER, has_more=1)], "not a boolean", id="has_more-integer"),
    pytest.param([page(USER, data="oops")], "not an array", id="data-not-an-array"),
    pytest.param(
        [page(USER, has_more=True, last_id="msg_0"), page(USER, has_more=True, last_id="msg_0")],
        "same cursor",
        id="cursor-does-not-advance",
    ),
]


@pytest.mark.parametrize(("pages", "message"), PAGINATION_CASES)
async def test_pagination_that_cannot_continue_raises(
    pages: list[dict[str, Any]], message: str, api: Answers, blocking_client: Client
) -> None:
    """Walking stops with an error rather than looping, guessing, or skipping history."""
    for body in pages * 2:
        api.get(LIST_URL, body=json.dumps(body).encode())
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        with pytest.raises(ResponseValidationError, match=message):
            _ = [item async for item in client.conversations.items.list("conv_1")]
    with pytest.raises(ResponseValidationError, match=message):
        _ = list(blocking_client.conversations.items.list("conv_1"))


async def test_a_page_without_has_more_ends_the_walk(api: Answers, blocking_client: Client) -> None:
    """Read leniently, a missing has_more ends the walk after its items; the page records it."""
    body = changed(page(USER), has_more=...)
    for _ in range(2):
        api.get(LIST_URL, body=json.dumps(body).encode())
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        pages = [p async for p in client.conversations.items.list("conv_1").pages()]
    assert [p.has_more for p in pages] == [None]
    assert [i.path for i in pages[0].validation_issues] == ["$.has_more"]
    items = list(blocking_client.conversations.items.list("conv_1"))
    assert [i.id for i in items] == ["msg_0"]


# -- nothing silent ----------------------------------------------------------------------------


async def test_one_warning_per_kind_without_values(
    api: Answers, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each (model, field, kind) is logged once per process, and no value sent is ever logged."""
    monkeypatch.setattr("conversations_sdk._converter._tolerant._warned", set())
    secret = "s3cret-VALUE-in-a-wrong-field"
    body = page(changed(USER, id=[secret]), changed(USER, id=[secret]), changed(USER, status=None))
    for _ in range(3):
        api.get(LIST_URL, body=json.dumps(body).encode())
    caplog.set_level(logging.WARNING, logger="conversations_sdk")
    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, transport=api.transport, max_retries=0
    ) as client:
        for _ in range(3):
            result = await client.conversations.items.list("conv_1")
            assert len(result.validation_issues) == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings  # Message.id is an array; Message.status is null
    assert any("Message.id is an array" in w for w in warnings)
    assert any("Message.status is null" in w for w in warnings)
    assert not any(secret in w for w in warnings)


def test_item_issues_are_relative_to_the_item() -> None:
    """An item's own validation_issues start at the item; the page's at the page."""
    body = page(USER, changed(MSG, status=None))
    result = m.ConversationItemList.from_dict(body)
    assert [i.path for i in result.validation_issues] == ["$.data[1].status"]
    assert [i.path for i in result.data[1].validation_issues] == ["$.status"]
    assert result.data[0].validation_issues == ()


def test_a_clean_page_is_the_strict_page() -> None:
    """A well-formed body reads the same leniently and strictly, with no issues."""
    body = page(USER, MSG, CALL)
    lenient = m.ConversationItemList.from_dict(body)
    strict = m.ConversationItemList.from_dict(body, strict=True)
    assert lenient == strict
    assert lenient.validation_issues == ()
    assert _exact(CONVERTER.unstructure(lenient)) == _exact(body)


def test_from_dict_round_trips_and_is_strict_on_request() -> None:
    """from_dict reads leniently by default and raises with strict=True."""
    body = changed(CONV, created_at="soon", extra_field={"kept": True})
    conv = m.Conversation.from_dict(body)
    assert conv.created_at == "soon"
    assert conv.extra == {"extra_field": {"kept": True}}
    assert _exact(CONVERTER.unstructure(conv)) == _exact(body)
    assert m.Conversation.from_dict(CONVERTER.unstructure(conv)) == conv
    with pytest.raises(ResponseValidationError, match=r"\$\.created_at"):
        m.Conversation.from_dict(body, strict=True)
    with pytest.raises(ResponseValidationError):
        m.Conversation.from_dict([], strict=False)  # type: ignore[arg-type]


def test_leniently_read_objects_pickle_and_copy_with_their_issues() -> None:
    """Issues, kept values and the exact wire form survive pickling and deep copies."""
    import pickle

    body = page(changed(MSG, status=None, content="x"), changed(USER, id=3), first_id=None)
    result = m.ConversationItemList.from_dict(body)
    for clone in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):  # noqa: S301
        assert clone == result
        assert clone.validation_issues == result.validation_issues
        assert clone.data[0].reason == result.data[0].reason
        assert _exact(CONVERTER.unstructure(clone)) == _exact(body)
