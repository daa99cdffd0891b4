"""The emulator's Responses endpoints over raw HTTP: shapes (checked against the spec), storage in
conversations, the stand-in model and its script, streaming, background responses, idempotency."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from conversations_sdk.emulator import Emulator, Script, ScriptError
from tests._support.emulator_api import API, Reply
from tests._support.spec_validation import load_full_spec, validate_response, validate_schema

RESPONSES = "/responses"
ONE = "/responses/{response_id}"
INPUT_ITEMS = "/responses/{response_id}/input_items"
CANCEL = "/responses/{response_id}/cancel"
# A bound on every poll of a background response: never an unbounded wait.
POLL_SECONDS = 10.0


async def create(api: API, **body: Any) -> dict[str, Any]:
    reply = await api.call("POST", RESPONSES, json_body=body, template=RESPONSES)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


async def refused(api: API, status: int, **body: Any) -> dict[str, Any]:
    reply = await api.call("POST", RESPONSES, json_body=body, template=RESPONSES)
    assert reply.status == status, reply.body
    return reply.body["error"]  # type: ignore[no-any-return]


async def conversation_items(api: API, conversation_id: str) -> list[dict[str, Any]]:
    reply = await api.call(
        "GET",
        f"/conversations/{conversation_id}/items",
        params={"order": "asc", "limit": "100"},
        template="/conversations/{conversation_id}/items",
    )
    assert reply.status == 200
    return reply.body["data"]  # type: ignore[no-any-return]


def output_text(response: dict[str, Any]) -> str:
    return "".join(
        part["text"]
        for item in response["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    )


async def wait_for_status(api: API, response_id: str, *statuses: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + POLL_SECONDS
    while True:
        reply = await api.call("GET", f"/responses/{response_id}", template=ONE)
        if reply.body["status"] in statuses:
            return reply.body  # type: ignore[no-any-return]
        assert asyncio.get_running_loop().time() < deadline, reply.body
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def scripted(
    script: list[Any] | None = None, **options: Any
) -> AsyncIterator[tuple[Emulator, API]]:
    """An emulator started with ``script`` (and ``options``), with a raw client bound to it."""
    async with Emulator(script=script, **options) as emulator, aiohttp.ClientSession() as session:
        yield emulator, API(session, emulator.base_url)


# --- create ------------------------------------------------------------------------------------


async def test_string_input_gets_a_spec_valid_completed_response(api: API) -> None:
    response = await create(api, model="gpt-4o", input="What is the capital of France?")
    assert response["object"] == "response"
    assert response["id"].startswith("resp_")
    assert response["status"] == "completed"
    assert response["model"] == "gpt-4o"
    assert output_text(response) == 'Emulated answer to "What is the capital of France?".'
    usage = response["usage"]
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


async def test_the_same_input_always_gets_the_same_answer(api: API) -> None:
    first = await create(api, model="m", input=[{"role": "user", "content": "Same words"}])
    second = await create(api, model="m", input="Same words")
    assert output_text(first) == output_text(second)
    assert first["usage"] == second["usage"]
    assert first["id"] != second["id"]
    assert first["output"][0]["id"] != second["output"][0]["id"]


async def test_request_settings_are_echoed(api: API) -> None:
    tools = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    response = await create(
        api,
        model="m",
        input="x",
        instructions="Be brief.",
        metadata={"app": "tests"},
        temperature=0.2,
        tools=tools,
        tool_choice="required",
    )
    assert response["instructions"] == "Be brief."
    assert response["metadata"] == {"app": "tests"}
    assert response["temperature"] == 0.2
    assert response["tool_choice"] == "required"
    assert response["tools"][0]["name"] == "lookup"
    # The API defaults `strict` to true when a function tool omits it; the spec requires it.
    assert response["tools"][0]["strict"] is True


async def test_with_a_conversation_input_then_output_is_appended_in_order(api: API) -> None:
    conversation = await api.create_conversation(items=[{"role": "developer", "content": "Hi"}])
    first = await create(api, model="m", input="Turn one", conversation=conversation["id"])
    second = await create(
        api,
        model="m",
        input=[{"role": "user", "content": "Turn two"}],
        conversation={"id": conversation["id"]},
    )
    items = await conversation_items(api, conversation["id"])
    assert [(i["type"], i.get("role")) for i in items] == [
        ("message", "developer"),
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
        ("message", "assistant"),
    ]
    assert items[2]["id"] == first["output"][0]["id"]
    assert items[4] == second["output"][0]
    assert items[3]["content"] == [{"type": "input_text", "text": "Turn two"}]
    assert first["conversation"] == {"id": conversation["id"]}
    # The conversation is the context: the second turn reads more tokens than the first.
    assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]


async def test_previous_response_id_chains_the_context(api: API) -> None:
    first = await create(api, model="m", input="One")
    second = await create(api, model="m", input="One", previous_response_id=first["id"])
    assert second["previous_response_id"] == first["id"]
    assert output_text(second) == output_text(first)  # derived only from the input
    assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]


async def test_item_references_reach_items_of_stored_responses(api: API) -> None:
    first = await create(api, model="m", input="Remember this")
    [question] = (
        await api.call("GET", f"/responses/{first['id']}/input_items", template=INPUT_ITEMS)
    ).body["data"]
    answer = first["output"][0]
    conversation = await api.create_conversation()
    await create(
        api,
        model="m",
        conversation=conversation["id"],
        input=[
            {"type": "item_reference", "id": question["id"]},
            {"type": "item_reference", "id": answer["id"]},
        ],
    )
    items = await conversation_items(api, conversation["id"])
    assert [i["content"] for i in items[:2]] == [question["content"], answer["content"]]
    assert items[0]["id"] != question["id"]  # a copy, with an id of its own
    error = await refused(
        api, 404, model="m", input=[{"type": "item_reference", "id": "msg_missing"}]
    )
    assert "msg_missing" in error["message"]


async def test_conversation_and_previous_response_id_together_are_a_400(api: API) -> None:
    conversation = await api.create_conversation()
    first = await create(api, model="m", input="x")
    error = await refused(
        api,
        400,
        model="m",
        input="y",
        conversation=conversation["id"],
        previous_response_id=first["id"],
    )
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "conversation"
    assert "previous_response_id" in error["message"]
    assert await conversation_items(api, conversation["id"]) == []


async def test_unknown_conversation_or_previous_response_is_a_404(api: API) -> None:
    error = await refused(api, 404, model="m", input="x", conversation="conv_missing")
    assert error["param"] == "conversation"
    assert "conv_missing" in error["message"]
    error = await refused(api, 404, model="m", input="x", previous_response_id="resp_missing")
    assert error["param"] == "previous_response_id"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x"}, "model"),
        ({"model": "m", "input": 3}, "input"),
        ({"model": "m", "input": [{"type": "no_such_item"}]}, "input[0].type"),
        ({"model": "m", "input": "x", "metadata": {"k": 1}}, "metadata.k"),
        ({"model": "m", "input": "x", "store": "yes"}, "store"),
        ({"model": "m", "input": "x", "background": True, "store": False}, "background"),
        ({"model": "m", "conversation": {"name": "x"}}, "conversation"),
    ],
)
async def test_bad_input_is_a_400_naming_the_parameter(
    api: API, body: dict[str, Any], param: str
) -> None:
    error = await refused(api, 400, **body)
    assert error["param"] is not None
    assert error["param"].startswith(param), error


async def test_a_compaction_trigger_is_accepted_but_not_stored(api: API) -> None:
    conversation = await api.create_conversation()
    response = await create(
        api,
        model="m",
        input=[{"role": "user", "content": "hi"}, {"type": "compaction_trigger"}],
        conversation=conversation["id"],
    )
    assert [i["type"] for i in await conversation_items(api, conversation["id"])] == [
        "message",
        "message",
    ]
    reply = await api.call("GET", f"/responses/{response['id']}/input_items", template=INPUT_ITEMS)
    assert len(reply.body["data"]) == 1


async def test_bad_json_and_wrong_methods_get_the_api_error_shape(api: API) -> None:
    reply = await api.call(
        "POST", RESPONSES, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400
    reply = await api.call("PUT", "/responses/resp_x")
    assert reply.status == 405


async def test_store_false_answers_but_keeps_no_response(api: API) -> None:
    conversation = await api.create_conversation()
    response = await create(api, model="m", input="x", store=False, conversation=conversation["id"])
    assert response["store"] is False
    reply = await api.call("GET", f"/responses/{response['id']}", template=ONE)
    assert reply.status == 404
    # The conversation still records the turn: conversation state does not depend on `store`.
    assert len(await conversation_items(api, conversation["id"])) == 2


# --- retrieve, delete, input items -------------------------------------------------------------


async def test_retrieve_returns_the_stored_response_and_delete_removes_it(api: API) -> None:
    response = await create(api, model="m", input="keep me")
    got = await api.call("GET", f"/responses/{response['id']}", template=ONE)
    assert got.body == response
    deleted = await api.call("DELETE", f"/responses/{response['id']}", template=ONE)
    assert deleted.status == 200
    assert deleted.body == {"id": response["id"], "object": "response", "deleted": True}
    for method in ("GET", "DELETE"):
        gone = await api.call(method, f"/responses/{response['id']}", template=ONE)
        assert gone.status == 404
        assert gone.body["error"]["code"] == "not_found"
    gone = await api.call("GET", f"/responses/{response['id']}/input_items", template=INPUT_ITEMS)
    assert gone.status == 404


async def test_input_items_paginate_like_conversation_items(api: API) -> None:
    inputs = [{"role": "user", "content": f"message {n}"} for n in range(5)]
    response = await create(api, model="m", input=inputs)
    path = f"/responses/{response['id']}/input_items"

    async def page(**params: str) -> dict[str, Any]:
        reply = await api.call("GET", path, params=params, template=INPUT_ITEMS)
        assert reply.status == 200, reply.body
        return reply.body  # type: ignore[no-any-return]

    everything = await page(order="asc")
    texts = [i["content"][0]["text"] for i in everything["data"]]
    assert texts == [f"message {n}" for n in range(5)]
    assert (await page())["data"] == everything["data"][::-1]  # desc by default
    first = await page(order="asc", limit="2")
    assert first["has_more"] is True
    assert first["last_id"] == everything["data"][1]["id"]
    rest = await page(order="asc", limit="10", after=first["last_id"])
    assert rest["data"] == everything["data"][2:]
    assert rest["has_more"] is False
    for params in ({"limit": "0"}, {"order": "sideways"}, {"include": "nope"}):
        bad = await api.call("GET", path, params=params, template=INPUT_ITEMS)
        assert bad.status == 400
    unknown = await api.call("GET", path, params={"after": "msg_nope"}, template=INPUT_ITEMS)
    assert unknown.status == 404
    assert unknown.body["error"]["param"] == "after"


async def test_input_items_are_the_items_the_conversation_received(api: API) -> None:
    conversation = await api.create_conversation()
    response = await create(api, model="m", input="hello", conversation=conversation["id"])
    reply = await api.call("GET", f"/responses/{response['id']}/input_items", template=INPUT_ITEMS)
    items = await conversation_items(api, conversation["id"])
    assert reply.body["data"] == [items[0]]


# --- scripted replies --------------------------------------------------------------------------


async def test_scripted_replies_are_used_in_order_then_the_default_returns() -> None:
    script = [
        "Scripted text.",
        {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}},
        {"output": ["Two items:", {"function_call": {"name": "f", "arguments": "{}"}}]},
    ]
    async with Emulator(script=script) as emulator, aiohttp.ClientSession() as session:
        api = API(session, emulator.base_url)
        assert output_text(await create(api, model="m", input="a")) == "Scripted text."
        call = (await create(api, model="m", input="b"))["output"]
        assert [i["type"] for i in call] == ["function_call"]
        assert call[0]["name"] == "get_weather"
        assert json.loads(call[0]["arguments"]) == {"city": "Paris"}
        assert call[0]["call_id"].startswith("call_")
        both = (await create(api, model="m", input="c"))["output"]
        assert [i["type"] for i in both] == ["message", "function_call"]
        assert emulator.script.remaining == 0
        assert output_text(await create(api, model="m", input="d")) == 'Emulated answer to "d".'
        emulator.script.add("Added later.")
        assert output_text(await create(api, model="m", input="e")) == "Added later."


async def test_a_scripted_error_is_answered_and_nothing_is_stored() -> None:
    body = {"error": {"message": "Overloaded", "type": "server_error", "param": None, "code": None}}
    script = [
        {"error": {"status": 429, "message": "Slow down", "code": "rate_limit_exceeded"}},
        {"error": {"status": 503, "body": body}},
        "Recovered.",
    ]
    async with Emulator(script=script) as emulator, aiohttp.ClientSession() as session:
        api = API(session, emulator.base_url)
        conversation = await api.create_conversation()
        error = await refused(api, 429, model="m", input="x", conversation=conversation["id"])
        assert error == {
            "message": "Slow down",
            "type": "invalid_request_error",
            "param": None,
            "code": "rate_limit_exceeded",
        }
        reply = await api.call(
            "POST", RESPONSES, json_body={"model": "m", "input": "x"}, template=RESPONSES
        )
        assert (reply.status, reply.body) == (503, body)
        assert await conversation_items(api, conversation["id"]) == []
        response = await create(api, model="m", input="x", conversation=conversation["id"])
        assert output_text(response) == "Recovered."
        assert len(await conversation_items(api, conversation["id"])) == 2


async def test_a_refused_request_does_not_use_up_a_scripted_reply() -> None:
    async with Emulator(script=["Kept."]) as emulator, aiohttp.ClientSession() as session:
        api = API(session, emulator.base_url)
        await refused(api, 404, model="m", input="x", conversation="conv_missing")
        assert emulator.script.remaining == 1
        assert output_text(await create(api, model="m", input="x")) == "Kept."


@pytest.mark.parametrize(
    ("reply", "where"),
    [
        (3, "script[0]"),
        ({"text": 3}, "script[0].text"),
        ({"function_call": {"arguments": {}}}, "script[0].function_call.name"),
        (
            {"function_call": {"name": "f", "arguments": "{nope"}},
            "script[0].function_call.arguments",
        ),
        ({"error": {"status": 200}}, "script[0].error.status"),
        ({"error": {"status": 500, "body": []}}, "script[0].error.body"),
        ({"text": "x", "delay": -1}, "script[0].delay"),
        ({"output": []}, "script[0].output"),
        ({"surprise": 1}, "script[0]"),
    ],
)
def test_a_malformed_scripted_reply_fails_at_once_naming_it(reply: object, where: str) -> None:
    with pytest.raises(ScriptError, match="^" + re.escape(where + ":")):
        Emulator(script=[reply])


def test_a_script_file_is_a_json_list_or_an_object_with_replies(tmp_path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(["a", {"text": "b"}]), encoding="utf-8")
    assert Script.from_file(listed).remaining == 2
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"replies": ["a"]}), encoding="utf-8")
    assert Script.from_file(wrapped).remaining == 1
    broken = tmp_path / "broken.json"
    broken.write_text("[", encoding="utf-8")
    with pytest.raises(ScriptError, match="not valid JSON"):
        Script.from_file(broken)
    broken.write_text('{"text": "a"}', encoding="utf-8")
    with pytest.raises(ScriptError, match="expected a list"):
        Script.from_file(broken)


# --- streaming ---------------------------------------------------------------------------------


def _event_schemas() -> dict[str, str]:
    schemas = load_full_spec()["components"]["schemas"]
    names = {}
    for ref in schemas["ResponseStreamEvent"]["anyOf"]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        for kind in schemas[name]["properties"]["type"]["enum"]:
            names[kind] = name
    return names


EVENT_SCHEMAS = _event_schemas()


def validate_event(event: dict[str, Any]) -> None:
    """Check an event against the spec's schema for its ``type`` (a clearer error than the union)."""
    validate_schema(EVENT_SCHEMAS[event["type"]], event)
    validate_schema("ResponseStreamEvent", event)


TEXT_SEQUENCE = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]


async def read_stream(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[list[dict[str, Any]], int, Reply]:
    """Return the events, how many HTTP chunks carried them, and the reply's status/headers."""
    async with session.request(method, url, **kwargs) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "text/event-stream"
        raw = b""
        chunks = 0
        async for data, end_of_chunk in response.content.iter_chunks():
            raw += data
            chunks += end_of_chunk
        reply = Reply(response.status, None, response.headers)
    events = []
    for block in raw.decode().split("\n\n"):
        if not block:
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        event = json.loads(lines["data"])
        assert lines["event"] == event["type"]
        events.append(event)
    return events, chunks, reply


def collapse(types: list[str]) -> list[str]:
    return [t for i, t in enumerate(types) if i == 0 or t != types[i - 1]]


async def test_stream_sends_the_api_event_sequence_one_chunk_per_event(
    emulator: Emulator,
) -> None:
    async with aiohttp.ClientSession() as session:
        events, chunks, reply = await read_stream(
            session,
            "POST",
            emulator.base_url + RESPONSES,
            json={"model": "m", "input": "Please stream these words", "stream": True},
        )
        assert reply.headers["x-request-id"].startswith("req_")
        assert reply.headers["Cache-Control"] == "no-cache"
        types = [e["type"] for e in events]
        assert collapse(types) == TEXT_SEQUENCE
        deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
        assert len(deltas) > 3
        done = next(e for e in events if e["type"] == "response.output_text.done")
        assert "".join(deltas) == done["text"] == 'Emulated answer to "Please stream these words".'
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        # Every event went out as its own HTTP chunk: deltas really stream.
        assert chunks >= len(events)
        for event in events:
            validate_event(event)
        completed = events[-1]["response"]
        assert events[0]["response"]["status"] == "in_progress"
        assert events[0]["response"]["output"] == []
        stored = await API(session, emulator.base_url).call(
            "GET", f"/responses/{completed['id']}", template=ONE
        )
        assert stored.body == completed


async def test_a_streamed_function_call_sends_argument_deltas() -> None:
    script = [{"function_call": {"name": "get_weather", "arguments": {"city": "Paris", "n": 1}}}]
    async with Emulator(script=script) as emulator, aiohttp.ClientSession() as session:
        events, _, _ = await read_stream(
            session,
            "POST",
            emulator.base_url + RESPONSES,
            json={"model": "m", "input": "x", "stream": True},
        )
    assert collapse([e["type"] for e in events]) == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = "".join(
        e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"
    )
    assert json.loads(deltas) == {"city": "Paris", "n": 1}
    for event in events:
        validate_event(event)


async def test_get_with_stream_replays_the_events_after_a_sequence_number(
    emulator: Emulator, api: API
) -> None:
    response = await create(api, model="m", input="replay me")
    url = f"{emulator.base_url}/responses/{response['id']}"
    async with aiohttp.ClientSession() as session:
        events, _, _ = await read_stream(session, "GET", url, params={"stream": "true"})
        later, _, _ = await read_stream(
            session, "GET", url, params={"stream": "true", "starting_after": "3"}
        )
    assert events[-1]["response"] == response
    assert later == events[4:]
    bad = await api.call("GET", f"/responses/{response['id']}", params={"stream": "maybe"})
    assert bad.status == 400


async def test_a_scripted_error_on_a_stream_is_a_plain_error_response() -> None:
    async with scripted(script=[{"error": {"status": 500}}]) as (_emulator, api):
        reply = await api.call(
            "POST",
            RESPONSES,
            json_body={"model": "m", "input": "x", "stream": True},
            template=RESPONSES,
        )
    assert reply.status == 500
    assert reply.body["error"]["type"] == "server_error"


# --- background responses ----------------------------------------------------------------------


async def test_a_background_response_completes_and_then_appends_to_the_conversation() -> None:
    async with scripted(script=[{"text": "Later.", "delay": 0.2}]) as (_emulator, api):
        conversation = await api.create_conversation()
        queued = await create(
            api, model="m", input="x", background=True, conversation=conversation["id"]
        )
        assert queued["status"] == "queued"
        assert queued["output"] == []
        done = await wait_for_status(api, queued["id"], "completed")
        assert output_text(done) == "Later."
        items = await conversation_items(api, conversation["id"])
        assert [i["id"] for i in items[1:]] == [done["output"][0]["id"]]


async def test_cancel_stops_a_background_response_and_nothing_is_appended() -> None:
    async with scripted(script=[{"text": "Never.", "delay": 60}]) as (_emulator, api):
        conversation = await api.create_conversation()
        queued = await create(
            api, model="m", input="x", background=True, conversation=conversation["id"]
        )
        path = f"/responses/{queued['id']}/cancel"
        cancelled = await api.call("POST", path, template=CANCEL)
        assert cancelled.status == 200
        assert cancelled.body["status"] == "cancelled"
        again = await api.call("POST", path, template=CANCEL)
        assert again.body == cancelled.body  # cancelling twice is harmless
        stored = await api.call("GET", f"/responses/{queued['id']}", template=ONE)
        assert stored.body["status"] == "cancelled"
        assert await conversation_items(api, conversation["id"]) == []


async def test_only_an_unfinished_background_response_can_be_cancelled(api: API) -> None:
    plain = await create(api, model="m", input="x")
    reply = await api.call("POST", f"/responses/{plain['id']}/cancel", template=CANCEL)
    assert reply.status == 400
    assert "background" in reply.body["error"]["message"]
    background = await create(api, model="m", input="x", background=True)
    await wait_for_status(api, background["id"], "completed")
    reply = await api.call("POST", f"/responses/{background['id']}/cancel", template=CANCEL)
    assert reply.status == 400
    reply = await api.call("POST", "/responses/resp_missing/cancel", template=CANCEL)
    assert reply.status == 404


async def test_get_with_stream_waits_for_a_background_response(
    api: API, emulator: Emulator
) -> None:
    emulator.script.add({"text": "Streamed later.", "delay": 0.1})
    queued = await create(api, model="m", input="x", background=True)
    async with aiohttp.ClientSession() as session:
        events, _, _ = await read_stream(
            session, "GET", f"{emulator.base_url}/responses/{queued['id']}?stream=true"
        )
    assert collapse([e["type"] for e in events])[:3] == [
        "response.created",
        "response.queued",
        "response.in_progress",
    ]
    assert events[-1]["type"] == "response.completed"
    assert output_text(events[-1]["response"]) == "Streamed later."
    for event in events:
        validate_event(event)


async def test_a_streamed_background_create_streams_what_it_becomes(
    emulator: Emulator,
) -> None:
    emulator.script.add({"text": "Background words.", "delay": 0.05})
    async with aiohttp.ClientSession() as session:
        events, _, _ = await read_stream(
            session,
            "POST",
            emulator.base_url + RESPONSES,
            json={"model": "m", "input": "x", "background": True, "stream": True},
        )
    assert events[0]["response"]["status"] == "queued"
    assert events[-1]["type"] == "response.completed"
    assert output_text(events[-1]["response"]) == "Background words."


async def test_a_cancelled_response_replays_without_a_terminal_event(
    api: API, emulator: Emulator
) -> None:
    emulator.script.add({"text": "Never.", "delay": 60})
    queued = await create(api, model="m", input="x", background=True)
    await api.call("POST", f"/responses/{queued['id']}/cancel", template=CANCEL)
    async with aiohttp.ClientSession() as session:
        events, _, _ = await read_stream(
            session, "GET", f"{emulator.base_url}/responses/{queued['id']}?stream=true"
        )
    assert [e["type"] for e in events] == [
        "response.created",
        "response.queued",
        "response.in_progress",
    ]


# --- storage and idempotency -------------------------------------------------------------------


async def test_responses_survive_a_restart_and_unfinished_ones_are_marked_failed(tmp_path) -> None:
    db = tmp_path / "responses.db"
    async with scripted(db=db, script=["", {"text": "x", "delay": 60}]) as (emulator, api):
        kept = await create(api, model="m", input="keep")
        pending = await create(api, model="m", input="pending", background=True)
    async with Emulator(db=db) as emulator, aiohttp.ClientSession() as session:
        api = API(session, emulator.base_url)
        assert (await api.call("GET", f"/responses/{kept['id']}", template=ONE)).body == kept
        failed = (await api.call("GET", f"/responses/{pending['id']}", template=ONE)).body
        assert failed["status"] == "failed"
        assert failed["error"]["code"] == "server_error"
        assert await emulator.integrity_check() == "ok"


async def test_an_idempotency_key_replays_the_response_without_a_second_turn() -> None:
    async with scripted(script=["First.", "Second."]) as (emulator, api):
        conversation = await api.create_conversation()
        body = {"model": "m", "input": "x", "conversation": conversation["id"]}
        headers = {"Idempotency-Key": "turn-1"}
        first = await api.call(
            "POST", RESPONSES, json_body=body, headers=headers, template=RESPONSES
        )
        again = await api.call(
            "POST", RESPONSES, json_body=body, headers=headers, template=RESPONSES
        )
        assert again.body == first.body
        assert again.headers["Idempotent-Replayed"] == "true"
        assert len(await conversation_items(api, conversation["id"])) == 2
        assert emulator.script.remaining == 1  # the replay used no scripted reply
        other = await api.call(
            "POST",
            RESPONSES,
            json_body={**body, "input": "y"},
            headers=headers,
            template=RESPONSES,
        )
        assert other.status == 422
        assert other.body["error"]["code"] == "idempotency_key_reused"


async def test_a_streamed_create_replayed_by_its_key_streams_the_same_events(
    emulator: Emulator,
) -> None:
    body = {"model": "m", "input": "stream once", "stream": True}
    headers = {"Idempotency-Key": "stream-1"}
    url = emulator.base_url + RESPONSES
    async with aiohttp.ClientSession() as session:
        first, _, _ = await read_stream(session, "POST", url, json=body, headers=headers)
        again, _, reply = await read_stream(session, "POST", url, json=body, headers=headers)
    assert again == first
    assert reply.headers["Idempotent-Replayed"] == "true"


async def test_concurrent_turns_on_one_conversation_never_interleave(api: API) -> None:
    conversation = await api.create_conversation()
    turns = await asyncio.gather(
        *(
            create(api, model="m", input=f"turn {n}", conversation=conversation["id"])
            for n in range(8)
        )
    )
    items = await conversation_items(api, conversation["id"])
    assert len(items) == 16
    # Each turn's input is immediately followed by its own output.
    by_output = {t["output"][0]["id"]: t for t in turns}
    for user, assistant in zip(items[::2], items[1::2], strict=True):
        turn = by_output[assistant["id"]]
        text = user["content"][0]["text"]
        assert turn["output"][0]["content"][0]["text"] == f'Emulated answer to "{text}".'


async def test_every_created_response_validates_against_the_spec(api: API) -> None:
    response = await create(
        api,
        model="m",
        input=[
            {"role": "system", "content": "S"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "u"}]},
            {"role": "assistant", "content": "a"},
            {"type": "function_call_output", "call_id": "call_1", "output": "42"},
        ],
    )
    validate_response("POST", RESPONSES, 200, response)
    reply = await api.call("GET", f"/responses/{response['id']}/input_items", template=INPUT_ITEMS)
    assert len(reply.body["data"]) == 4


async def test_delete_and_cancel_replay_under_their_idempotency_key(
    api: API, emulator: Emulator
) -> None:
    emulator.script.add({"text": "Never.", "delay": 60})
    queued = await create(api, model="m", input="x", background=True)
    cancel = f"/responses/{queued['id']}/cancel"
    first = await api.call("POST", cancel, headers={"Idempotency-Key": "c1"}, template=CANCEL)
    again = await api.call("POST", cancel, headers={"Idempotency-Key": "c1"}, template=CANCEL)
    assert (first.status, again.status) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.body == first.body
    path = f"/responses/{queued['id']}"
    deleted = await api.call("DELETE", path, headers={"Idempotency-Key": "d1"}, template=ONE)
    replayed = await api.call("DELETE", path, headers={"Idempotency-Key": "d1"}, template=ONE)
    assert (deleted.status, replayed.status) == (200, 200)  # a retried delete is no 404
    assert replayed.body == deleted.body
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert (await api.call("DELETE", path, template=ONE)).status == 404
