"""Every route of the emulator over loopback HTTP, each response checked against the spec."""

from __future__ import annotations

import re
import time

import pytest

from tests._support.emulator_api import API, user_message

ITEMS = "/conversations/{conversation_id}/items"
ITEM = "/conversations/{conversation_id}/items/{item_id}"
CONV = "/conversations/{conversation_id}"


async def test_create_returns_conversation_with_prefixed_id_and_unix_time(api: API) -> None:
    """Create answers a conversation resource: conv_ id, created_at in seconds, metadata echoed."""
    before = int(time.time())
    conversation = await api.create_conversation(metadata={"topic": "demo"})
    assert re.fullmatch(r"conv_[0-9a-f]{48}", conversation["id"])
    assert conversation["object"] == "conversation"
    assert before <= conversation["created_at"] <= int(time.time())
    assert conversation["metadata"] == {"topic": "demo"}


@pytest.mark.parametrize("body", [{}, {"metadata": None, "items": None}], ids=["empty", "nulls"])
async def test_create_without_metadata_gives_empty_metadata(api: API, body: dict) -> None:
    """An empty (or all-null) create body is valid and yields empty metadata."""
    conversation = await api.create_conversation(**body)
    assert conversation["metadata"] == {}


async def test_create_with_no_body_at_all(api: API) -> None:
    """The create body is optional in the spec: no body at all creates a conversation."""
    reply = await api.call("POST", "/conversations", template="/conversations")
    assert reply.status == 200


async def test_string_content_becomes_input_text_part(api: API) -> None:
    """A message with string content is stored as one input_text part, status completed."""
    conversation = await api.create_conversation(items=[user_message("Hello!")])
    reply = await api.call("GET", f"/conversations/{conversation['id']}/items", template=ITEMS)
    [item] = reply.body["data"]
    assert re.fullmatch(r"msg_[0-9a-f]{48}", item["id"])
    assert item == {
        "id": item["id"],
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_text", "text": "Hello!"}],
    }


async def test_assistant_string_content_becomes_output_text(api: API) -> None:
    """An assistant message with string content is stored as an output_text part."""
    conversation = await api.create_conversation()
    [item] = await api.add_items(conversation["id"], [{"role": "assistant", "content": "Hi"}])
    assert item["content"] == [
        {"type": "output_text", "text": "Hi", "annotations": [], "logprobs": []}
    ]


@pytest.mark.parametrize(
    ("item", "prefix"),
    [
        pytest.param(
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            "fc_",
            id="function_call",
        ),
        pytest.param(
            {"type": "function_call_output", "call_id": "c1", "output": "42"},
            "fco_",
            id="function_call_output",
        ),
        pytest.param({"type": "reasoning", "id": "rs_given", "summary": []}, "rs_", id="reasoning"),
        pytest.param(
            {
                "type": "message",
                "role": "user",
                "content": [
                    {
                        "type": "input_image",
                        "detail": "auto",
                        "image_url": "https://example.com/a.png",
                    }
                ],
            },
            "msg_",
            id="message-image",
        ),
    ],
)
async def test_item_types_get_their_prefix(api: API, item: dict, prefix: str) -> None:
    """Each stored item gets a fresh id with its type's prefix and validates as a ConversationItem."""
    conversation = await api.create_conversation()
    [stored] = await api.add_items(conversation["id"], [item])
    assert stored["id"].startswith(prefix)
    assert stored["id"] != item.get("id")
    reply = await api.call(
        "GET", f"/conversations/{conversation['id']}/items/{stored['id']}", template=ITEM
    )
    assert reply.body == stored


async def test_function_call_gets_completed_status(api: API) -> None:
    """A function_call sent without status is stored with status completed (the resource needs one)."""
    conversation = await api.create_conversation()
    [stored] = await api.add_items(
        conversation["id"],
        [{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}],
    )
    assert stored["status"] == "completed"


async def test_item_reference_copies_the_referenced_item(api: API) -> None:
    """An item_reference input stores a copy of the referenced item under a new id."""
    conversation = await api.create_conversation(items=[user_message("original")])
    [original] = (await api.call("GET", f"/conversations/{conversation['id']}/items")).body["data"]
    [copied] = await api.add_items(
        conversation["id"], [{"type": "item_reference", "id": original["id"]}]
    )
    assert copied["id"] != original["id"]
    assert copied["content"] == original["content"]


async def test_retrieve_update_and_delete_conversation(api: API) -> None:
    """Retrieve returns what create returned; update replaces metadata; delete makes it 404."""
    conversation = await api.create_conversation(metadata={"a": "1"})
    path = f"/conversations/{conversation['id']}"
    assert (await api.call("GET", path, template=CONV)).body == conversation
    updated = await api.call("POST", path, json_body={"metadata": {"b": "2"}}, template=CONV)
    assert updated.body == {**conversation, "metadata": {"b": "2"}}
    deleted = await api.call("DELETE", path, template=CONV)
    assert deleted.body == {
        "id": conversation["id"],
        "object": "conversation.deleted",
        "deleted": True,
    }
    assert (await api.call("GET", path)).status == 404


async def test_update_with_null_metadata_clears_it(api: API) -> None:
    """Updating metadata to null leaves the conversation with empty metadata."""
    conversation = await api.create_conversation(metadata={"a": "1"})
    reply = await api.call(
        "POST", f"/conversations/{conversation['id']}", json_body={"metadata": None}, template=CONV
    )
    assert reply.body["metadata"] == {}


async def test_deleting_a_conversation_deletes_its_items(api: API) -> None:
    """After a conversation is deleted, its items are gone too (404), not orphaned."""
    conversation = await api.create_conversation(items=[user_message("x")])
    [item] = (await api.call("GET", f"/conversations/{conversation['id']}/items")).body["data"]
    await api.call("DELETE", f"/conversations/{conversation['id']}")
    reply = await api.call("GET", f"/conversations/{conversation['id']}/items/{item['id']}")
    assert reply.status == 404
    assert (await api.call("GET", f"/conversations/{conversation['id']}/items")).status == 404


async def test_delete_item_returns_the_conversation(api: API) -> None:
    """Deleting an item answers with the conversation resource, and the item is gone."""
    conversation = await api.create_conversation(items=[user_message("a"), user_message("b")])
    first, second = (
        await api.call("GET", f"/conversations/{conversation['id']}/items", params={"order": "asc"})
    ).body["data"]
    reply = await api.call(
        "DELETE", f"/conversations/{conversation['id']}/items/{first['id']}", template=ITEM
    )
    assert reply.status == 200
    assert reply.body == conversation
    remaining = await api.call("GET", f"/conversations/{conversation['id']}/items")
    assert [i["id"] for i in remaining.body["data"]] == [second["id"]]


async def test_include_is_accepted_on_every_item_route(api: API) -> None:
    """include[] values from the spec's enum are accepted (and change nothing here)."""
    conversation = await api.create_conversation(items=[user_message("x")])
    include = [
        ("include[]", "message.input_image.image_url"),
        ("include", "reasoning.encrypted_content"),
    ]
    listed = await api.call(
        "GET", f"/conversations/{conversation['id']}/items", params=include, template=ITEMS
    )
    item_id = listed.body["data"][0]["id"]
    got = await api.call(
        "GET", f"/conversations/{conversation['id']}/items/{item_id}", params=include, template=ITEM
    )
    assert got.status == 200
    added = await api.call(
        "POST",
        f"/conversations/{conversation['id']}/items",
        params=include,
        json_body={"items": [user_message("y")]},
        template=ITEMS,
    )
    assert added.status == 200


async def test_pagination_walks_every_item_exactly_once_in_both_orders(api: API) -> None:
    """Cursor pages (after=last_id) cover all items once, in insertion order, asc and desc."""
    conversation = await api.create_conversation(items=[user_message(f"m{i}") for i in range(20)])
    for i in range(20, 45, 5):
        await api.add_items(conversation["id"], [user_message(f"m{j}") for j in range(i, i + 5)])
    for order, expected in (
        ("asc", [f"m{i}" for i in range(45)]),
        ("desc", [f"m{i}" for i in reversed(range(45))]),
    ):
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            params = {"limit": "7", "order": order, **({"after": after} if after else {})}
            page = (
                await api.call(
                    "GET",
                    f"/conversations/{conversation['id']}/items",
                    params=params,
                    template=ITEMS,
                )
            ).body
            pages += 1
            seen += [item["content"][0]["text"] for item in page["data"]]
            assert page["first_id"] == page["data"][0]["id"]
            assert page["last_id"] == page["data"][-1]["id"]
            if not page["has_more"]:
                break
            after = page["last_id"]
        assert seen == expected
        assert pages == 7


async def test_list_defaults_to_20_newest_first(api: API) -> None:
    """Without parameters, list returns 20 items, newest first, with has_more."""
    conversation = await api.create_conversation(items=[user_message(f"m{i}") for i in range(20)])
    await api.add_items(conversation["id"], [user_message("m20")])
    page = (await api.call("GET", f"/conversations/{conversation['id']}/items")).body
    assert len(page["data"]) == 20
    assert page["data"][0]["content"][0]["text"] == "m20"
    assert page["has_more"] is True


async def test_empty_list_is_spec_valid(api: API) -> None:
    """A conversation without items lists as an empty page that still matches the spec."""
    conversation = await api.create_conversation()
    page = await api.call("GET", f"/conversations/{conversation['id']}/items", template=ITEMS)
    assert page.body["data"] == []
    assert page.body["has_more"] is False


async def test_every_response_has_a_request_id(api: API) -> None:
    """Success and error responses carry an x-request-id header."""
    ok = await api.call("POST", "/conversations", json_body={})
    missing = await api.call("GET", "/conversations/conv_missing")
    assert ok.headers["x-request-id"].startswith("req_")
    assert missing.headers["x-request-id"].startswith("req_")
    assert ok.headers["x-request-id"] != missing.headers["x-request-id"]
