"""Bad input is a 4xx with the API's error body, never a 5xx: one row per kind of mistake."""

from __future__ import annotations

from typing import Any

import pytest

from tests._support.emulator_api import API, user_message

CONV_ID = "{conv}"


def _metadata(pairs: int = 1, key_len: int = 1, value_len: int = 1) -> dict[str, str]:
    return {
        f"{i:0{key_len}d}"[-key_len:] if key_len else str(i): "v" * value_len for i in range(pairs)
    }


BODY_CASES = [
    pytest.param("POST", "/conversations", b"{not json", 400, None, id="create-malformed-json"),
    pytest.param("POST", "/conversations", b"[1, 2]", 400, None, id="create-body-not-object"),
    pytest.param("POST", "/conversations", b'{"metadata": NaN}', 400, None, id="create-nan"),
    pytest.param(
        "POST", "/conversations", {"metadata": "x"}, 400, "metadata", id="metadata-not-object"
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"metadata": {"k": 1}},
        400,
        "metadata.k",
        id="metadata-value-not-string",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"metadata": {f"k{i}": "v" for i in range(17)}},
        400,
        "metadata",
        id="metadata-17-pairs",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"metadata": {"k" * 65: "v"}},
        400,
        "metadata",
        id="metadata-key-65",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"metadata": {"k": "v" * 513}},
        400,
        "metadata.k",
        id="metadata-value-513",
    ),
    pytest.param("POST", "/conversations", {"items": "x"}, 400, "items", id="items-not-array"),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [user_message("x")] * 21},
        400,
        "items",
        id="create-21-items",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [{"type": "message", "role": "robot", "content": "x"}]},
        400,
        "items[0].role",
        id="bad-role",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [{"type": "message", "role": "user", "content": 5}]},
        400,
        "items[0].content",
        id="content-wrong-type",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [{"type": "no_such_item"}]},
        400,
        "items[0].type",
        id="unknown-item-type",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [{"type": "function_call", "name": "f"}]},
        400,
        "items[0].call_id",
        id="function-call-missing-field",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [{"type": "item_reference", "id": "msg_missing"}]},
        404,
        None,
        id="reference-unknown-item",
    ),
    pytest.param(
        "POST",
        "/conversations",
        {"items": [{"type": "compaction_trigger"}]},
        400,
        "items[0].type",
        id="input-only-item-type",
    ),
    pytest.param(
        "POST", f"/conversations/{CONV_ID}", {}, 400, "metadata", id="update-missing-metadata"
    ),
    pytest.param("POST", f"/conversations/{CONV_ID}/items", {}, 400, "items", id="items-missing"),
    pytest.param(
        "POST",
        f"/conversations/{CONV_ID}/items",
        {"items": [user_message("x")] * 21},
        400,
        "items",
        id="add-21-items",
    ),
    pytest.param("POST", f"/conversations/{CONV_ID}/items", b"", 400, None, id="add-no-body"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "param"), BODY_CASES)
async def test_bad_bodies_are_refused_with_the_api_error_body(
    api: API, method: str, path: str, body: Any, status: int, param: str | None
) -> None:
    """Malformed or out-of-spec bodies get a 4xx naming the parameter, and store nothing."""
    conversation = await api.create_conversation()
    path = path.replace(CONV_ID, conversation["id"])
    if isinstance(body, bytes):
        reply = await api.call(
            method, path, data=body, headers={"Content-Type": "application/json"}
        )
    else:
        reply = await api.call(method, path, json_body=body)
    assert reply.status == status, reply.body
    assert reply.body["error"]["param"] == param
    assert reply.body["error"]["message"]
    items = await api.call("GET", f"/conversations/{conversation['id']}/items")
    assert items.body["data"] == []


QUERY_CASES = [
    pytest.param({"limit": "0"}, "limit", id="limit-0"),
    pytest.param({"limit": "101"}, "limit", id="limit-101"),
    pytest.param({"limit": "ten"}, "limit", id="limit-not-int"),
    pytest.param({"order": "sideways"}, "order", id="order-unknown"),
    pytest.param({"include": "everything"}, "include", id="include-unknown"),
]


@pytest.mark.parametrize(("params", "param"), QUERY_CASES)
async def test_bad_list_parameters_are_400(api: API, params: dict[str, str], param: str) -> None:
    """Out-of-range limit, unknown order, unknown cursor or include value: 400 naming it."""
    conversation = await api.create_conversation()
    reply = await api.call("GET", f"/conversations/{conversation['id']}/items", params=params)
    assert reply.status == 400
    assert reply.body["error"]["param"] == param


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/conversations/conv_nope", id="retrieve"),
        pytest.param("DELETE", "/conversations/conv_nope", id="delete"),
        pytest.param("GET", "/conversations/conv_nope/items", id="list"),
        pytest.param("GET", "/conversations/conv_nope/items/msg_nope", id="retrieve-item"),
        pytest.param("DELETE", "/conversations/conv_nope/items/msg_nope", id="delete-item"),
    ],
)
async def test_unknown_conversation_is_404(api: API, method: str, path: str) -> None:
    """Every route answers 404 with an error body for a conversation that does not exist."""
    reply = await api.call(method, path)
    assert reply.status == 404
    assert "conv_nope" in reply.body["error"]["message"]


async def test_update_without_body_changes_nothing(api: API) -> None:
    """The update body is optional in the spec: no body answers the conversation unchanged."""
    conversation = await api.create_conversation(metadata={"a": "1"})
    reply = await api.call("POST", f"/conversations/{conversation['id']}")
    assert (reply.status, reply.body) == (200, conversation)


async def test_unknown_cursor_is_404(api: API) -> None:
    """An ``after`` cursor naming no item of the conversation is 404 naming the parameter."""
    conversation = await api.create_conversation()
    reply = await api.call(
        "GET", f"/conversations/{conversation['id']}/items", params={"after": "msg_nope"}
    )
    assert reply.status == 404
    assert reply.body["error"]["param"] == "after"


async def test_unknown_conversation_on_writes_is_404(api: API) -> None:
    """Updating or adding items to a missing conversation is 404."""
    update = await api.call("POST", "/conversations/conv_nope", json_body={"metadata": {}})
    add = await api.call(
        "POST", "/conversations/conv_nope/items", json_body={"items": [user_message("x")]}
    )
    assert (update.status, add.status) == (404, 404)


async def test_unknown_item_is_404(api: API) -> None:
    """Retrieving or deleting an item that is not in the conversation is 404."""
    conversation = await api.create_conversation()
    for method in ("GET", "DELETE"):
        reply = await api.call(method, f"/conversations/{conversation['id']}/items/msg_nope")
        assert reply.status == 404


async def test_item_of_another_conversation_is_404(api: API) -> None:
    """An item id is only found through its own conversation."""
    first = await api.create_conversation(items=[user_message("x")])
    second = await api.create_conversation()
    [item] = (await api.call("GET", f"/conversations/{first['id']}/items")).body["data"]
    reply = await api.call("GET", f"/conversations/{second['id']}/items/{item['id']}")
    assert reply.status == 404


async def test_unknown_route_and_method_are_json_errors(api: API) -> None:
    """No such path is 404 and a wrong method is 405, both with the API's error body."""
    assert (await api.call("GET", "/nowhere")).status == 404
    reply = await api.call("PUT", "/conversations")
    assert reply.status == 405
    assert "POST" in reply.headers["Allow"]


async def test_deeply_nested_json_is_400(api: API) -> None:
    """A pathologically nested body is refused, not a crash."""
    body = b'{"metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = await api.call(
        "POST", "/conversations", data=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400
