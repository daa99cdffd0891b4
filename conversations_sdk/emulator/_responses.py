"""The Responses endpoints conversation state depends on: create (plain or streamed), retrieve,
delete, cancel and list input items, answered by the stand-in model of :mod:`._model`.

What a response does to a conversation follows the API: the conversation's items are the model's
context, and when the response completes its input items then its output items are appended to
the conversation, in one transaction with the stored response. A streamed response is computed and
committed first, then sent as Server-Sent Events, one HTTP chunk per event, so the stream can be
replayed (``GET ...?stream=true``, or a retry with the same ``Idempotency-Key``) event for event.

Background responses (``background: true``) are stored ``queued`` and completed by a task after the
reply's ``delay``; :func:`cancel_response` stops them. A background response the emulator did not
finish before it stopped is marked ``failed`` when the database is opened again.

Like every emulator module, this one must not import the SDK's converter or models.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from typing import Any

from aiohttp import web

from ._body import _read_json, _validate
from ._db import JSONObject
from ._http import (
    _APP_KEY_STATE,
    API_PREFIX,
    APIProblem,
    _json_response,
    _not_found,
    _State,
    _state,
)
from ._items import _item_list, _normalise_items, new_id
from ._model import (
    FunctionCallOutput,
    Reply,
    Script,
    TextOutput,
    default_reply,
    item_tokens,
)
from ._params import _check_include, _check_metadata, _idempotency, _list_params
from ._schema import _complete, _flatten
from ._store import Transaction

__all__ = ["register_responses"]

# Statuses after which nothing changes any more.
FINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete"})
# A delta is a word and the space after it: the stream carries many small events, like the API's.
_DELTA = re.compile(r"\S+\s*|\s+")

# What the response echoes when the request did not set it (the API's defaults).
_DEFAULTS: Mapping[str, Any] = {
    "max_output_tokens": None,
    "max_tool_calls": None,
    "parallel_tool_calls": True,
    "prompt_cache_key": None,
    "reasoning": {"effort": None, "summary": None},
    "safety_identifier": None,
    "service_tier": "default",
    "temperature": 1.0,
    "text": {"format": {"type": "text"}, "verbosity": "medium"},
    "tool_choice": "auto",
    "tools": [],
    "top_logprobs": 0,
    "top_p": 1.0,
    "truncation": "disabled",
}
# Input items that steer the model but are no item of a conversation or of a response's input
# list (no resource schema has them): accepted, never stored.
_NOT_STORED = frozenset({"compaction_trigger"})
# Request fields echoed (when valid for the resource) only if the request set them.
_ECHO_IF_SET = ("user", "prompt", "prompt_cache_retention")


class ResponsesState:
    """What the Responses handlers share: the script, the resource schema, background tasks."""

    def __init__(self, state: _State, script: Script) -> None:
        self.script = script
        self.create_schema = state.schemas["CreateResponse"]
        self.properties, _ = _flatten(state, state.schemas["Response"])
        self.tasks: dict[str, asyncio.Task[None]] = {}
        # Set when a background response reaches a final status (GET ?stream=true waits on it).
        self.finished: dict[str, asyncio.Event] = {}


_KEY = web.AppKey("conversations_emulator_responses", ResponsesState)


def register_responses(app: web.Application, state: _State, script: Script) -> None:
    """Add the Responses routes, and the startup/cleanup hooks of background responses."""
    app[_KEY] = ResponsesState(state, script)
    base = API_PREFIX + "/responses"
    app.router.add_post(base, create_response)
    app.router.add_get(base + "/{response_id}", retrieve_response, allow_head=False)
    app.router.add_delete(base + "/{response_id}", delete_response)
    app.router.add_post(base + "/{response_id}/cancel", cancel_response)
    app.router.add_get(base + "/{response_id}/input_items", list_input_items, allow_head=False)
    app.on_startup.append(_fail_unfinished)
    app.on_cleanup.append(_stop_background)


def _responses(request: web.Request) -> ResponsesState:
    return request.app[_KEY]


# --- building a response -----------------------------------------------------------------------


def _conversation_id(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value["id"])
    return str(value)


def _echoed(state: _State, responses: ResponsesState, body: JSONObject) -> JSONObject:
    """The request settings the response reports: each one sent, or the API's default."""
    echoed: JSONObject = {}
    for name in [*_DEFAULTS, *_ECHO_IF_SET]:
        value = body.get(name)
        schema = responses.properties.get(name)
        if value is not None and schema is not None:
            candidate = _complete(state, value, schema, 0)
            if state.validator.is_valid(candidate, schema):
                echoed[name] = candidate
                continue
        if name in _DEFAULTS:
            echoed[name] = _DEFAULTS[name]
    return echoed


def _output_items(reply: Reply) -> list[JSONObject]:
    items: list[JSONObject] = []
    for entry in reply.output:
        if isinstance(entry, TextOutput):
            part = {"type": "output_text", "text": entry.text, "annotations": [], "logprobs": []}
            items.append(
                {
                    "id": new_id("msg"),
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [part],
                }
            )
        else:
            items.append(_function_call_item(entry))
    return items


def _function_call_item(entry: FunctionCallOutput) -> JSONObject:
    return {
        "id": new_id("fc"),
        "type": "function_call",
        "status": "completed",
        "call_id": entry.call_id or "call_" + secrets.token_hex(12),
        "name": entry.name,
        "arguments": entry.arguments,
    }


def _usage(input_tokens: int, output: list[JSONObject]) -> JSONObject:
    output_tokens = sum(item_tokens(item) for item in output)
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _context(
    tx: Transaction, conversation_id: str | None, previous: str | None
) -> list[JSONObject]:
    """The items the model reads before this request's input: the conversation, or the chain."""
    if conversation_id is not None:
        items, _ = tx.list_items(conversation_id, after_seq=None, limit=2**62, ascending=True)
        return items
    chain: list[list[JSONObject]] = []
    seen: set[str] = set()
    while previous is not None and previous not in seen:
        seen.add(previous)
        earlier = tx.get_response(previous)
        if earlier is None:
            break
        chain.append(tx.response_input_items(previous) + list(earlier.get("output") or []))
        previous = earlier.get("previous_response_id")
    return [item for turn in reversed(chain) for item in turn]


def _resolve_references(tx: Transaction, items: list[Any]) -> list[Any]:
    """Replace references to items of stored responses (not in any conversation) by the items.

    References to conversation items are left for the conversation code, which resolves them.
    """
    resolved = []
    for item in items:
        is_reference = isinstance(item, dict) and (
            item.get("type") == "item_reference"
            or (item.get("type") is None and "role" not in item)
        )
        if is_reference and tx.find_item(str(item.get("id"))) is None:
            found = tx.find_response_item(str(item.get("id")))
            if found is not None:
                item = {k: v for k, v in found.items() if k != "id"}
        resolved.append(item)
    return resolved


def _with_function_defaults(body: JSONObject) -> JSONObject:
    """Fill what the spec requires of a function tool but the API lets callers omit.

    The API accepts ``{"type": "function", "name": ..., "parameters": ...}`` without ``strict``
    (which then defaults to true), although the spec marks it required; so does the emulator.
    """
    tools = body.get("tools")
    if not isinstance(tools, list) or not any(
        isinstance(t, dict) and t.get("type") == "function" for t in tools
    ):
        return body
    filled = [
        {"strict": True, "parameters": None, **t}
        if isinstance(t, dict) and t.get("type") == "function"
        else t
        for t in tools
    ]
    return {**body, "tools": filled}


# --- handlers ----------------------------------------------------------------------------------


async def create_response(request: web.Request) -> web.StreamResponse:
    """POST /v1/responses"""
    state = _state(request)
    responses = _responses(request)
    sent = await _read_json(request, required=True)
    body = _with_function_defaults(sent)
    _validate(state, body, responses.create_schema)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise APIProblem(
            400,
            "Missing required parameter: 'model'.",
            param="model",
            code="missing_required_parameter",
        )
    conversation_id = _conversation_id(body.get("conversation"))
    previous = body.get("previous_response_id")
    if conversation_id is not None and previous is not None:
        raise APIProblem(
            400,
            "Mutually exclusive parameters: Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'.",
            param="conversation",
            code="mutually_exclusive_parameters",
        )
    metadata = _check_metadata(body.get("metadata"))
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        raw_items: list[Any] = [{"type": "message", "role": "user", "content": raw_input}]
    else:
        raw_items = [
            item
            for item in raw_input or []
            if not (isinstance(item, dict) and item.get("type") in _NOT_STORED)
        ]
    store = body.get("store") is not False
    background = body.get("background") is True
    stream = body.get("stream") is True
    if background and not store:
        raise APIProblem(
            400,
            "Background responses must be stored: 'background' requires 'store' to be true.",
            param="background",
            code="invalid_value",
        )
    instructions = body.get("instructions")
    if instructions is not None and not state.validator.is_valid(
        instructions, responses.properties["instructions"]
    ):
        instructions = None  # valid for the request (the spec checked it), not as the resource's
    base: JSONObject = {
        "id": new_id("resp"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "background": background,
        "completed_at": None,
        "conversation": {"id": conversation_id} if conversation_id is not None else None,
        "error": None,
        "incomplete_details": None,
        "instructions": instructions,
        "metadata": metadata,
        "model": model,
        "output": [],
        "previous_response_id": previous,
        "store": store,
        **_echoed(state, responses, body),
    }
    planned: dict[str, Any] = {}

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        if conversation_id is not None and tx.get_conversation(conversation_id) is None:
            raise APIProblem(
                404,
                f"Conversation with id '{conversation_id}' not found.",
                param="conversation",
                code="not_found",
            )
        if previous is not None and tx.get_response(previous) is None:
            raise APIProblem(
                404,
                f"Previous response with id '{previous}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        inputs = _normalise_items(state, tx, _resolve_references(tx, raw_items), "input")
        context = _context(tx, conversation_id, previous)
        # Taken last: a request refused above does not use up a scripted reply.
        reply = responses.script.next() or default_reply(inputs)
        if reply.error is not None:
            return reply.error.status, reply.error.body
        output = _output_items(reply)
        prompt_tokens = sum(item_tokens(i) for i in [*context, *inputs])
        if instructions is not None:
            prompt_tokens += item_tokens(instructions)
        final = {
            **base,
            "completed_at": int(time.time()),
            "output": output,
            "usage": _usage(prompt_tokens, output),
        }
        planned.update(final=final, inputs=inputs, delay=reply.delay)
        if background:
            queued = {**base, "status": "queued"}
            tx.insert_response(queued, conversation_id, inputs)
            return 200, queued
        if conversation_id is not None:
            tx.insert_items(conversation_id, [*inputs, *output])
        if store:
            tx.insert_response(final, conversation_id, inputs)
        return 200, final

    status, payload, replayed = await state.store.write(_idempotency(request, sent), operation)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if status != 200:
        await _pause(state, planned.get("delay", 0.0))
        return _json_response(status, payload, headers)
    if background and planned:
        _start_background(request.app, payload["id"], planned, conversation_id)
    if stream:
        if background:
            # The events of a background response are those of what it becomes.
            return await _stream(request, _events(await _settled(request, payload)), headers, 0.0)
        return await _stream(request, _events(payload), headers, planned.get("delay", 0.0))
    if not background:
        await _pause(state, planned.get("delay", 0.0))
    return _json_response(200, payload, headers)


async def _pause(state: _State, seconds: float) -> None:
    """Wait ``seconds`` (a scripted reply's delay), or less when the emulator is shutting down."""
    if seconds > 0:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(state.closing.wait(), seconds)


def _flag(request: web.Request, name: str) -> bool:
    raw = request.query.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise APIProblem(
            400,
            f"Invalid value for '{name}': expected a boolean, got {raw!r}.",
            param=name,
            code="invalid_value",
        )
    return raw.lower() == "true"


async def retrieve_response(request: web.Request) -> web.StreamResponse:
    """GET /v1/responses/{response_id} (``?stream=true`` replays the response as events)"""
    state = _state(request)
    response_id = request.match_info["response_id"]
    _check_include(state, request)
    stream = _flag(request, "stream")
    _flag(request, "include_obfuscation")
    starting_after = -1
    raw = request.query.get("starting_after")
    if raw is not None:
        try:
            starting_after = int(raw)
        except ValueError:
            raise APIProblem(
                400,
                f"Invalid 'starting_after': expected an integer, got {raw!r}.",
                param="starting_after",
                code="invalid_value",
            ) from None
    response = await _read_response(request, response_id)
    if not stream:
        return _json_response(200, response)
    response = await _settled(request, response)
    events = (e for e in _events(response) if e["sequence_number"] > starting_after)
    return await _stream(request, events, {}, 0.0)


async def _settled(request: web.Request, response: JSONObject) -> JSONObject:
    """The response once its background task has finished (or the emulator is stopping)."""
    finished = _responses(request).finished.get(response["id"])
    if response["status"] in FINAL_STATUSES or finished is None:
        return response
    closing = _state(request).closing
    waiters = {asyncio.ensure_future(finished.wait()), asyncio.ensure_future(closing.wait())}
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return await _read_response(request, response["id"])


async def _read_response(request: web.Request, response_id: str) -> JSONObject:
    response = await _state(request).store.read(lambda tx: tx.get_response(response_id))
    if response is None:
        raise _not_found("Response", response_id)
    return response


async def delete_response(request: web.Request) -> web.Response:
    """DELETE /v1/responses/{response_id}"""
    state = _state(request)
    response_id = request.match_info["response_id"]

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        if not tx.delete_response(response_id):
            raise _not_found("Response", response_id)
        return 200, {"id": response_id, "object": "response", "deleted": True}

    status, payload, replayed = await state.store.write(_idempotency(request, None), operation)
    _stop_task(_responses(request), response_id)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return _json_response(status, payload, headers)


async def cancel_response(request: web.Request) -> web.Response:
    """POST /v1/responses/{response_id}/cancel"""
    state = _state(request)
    response_id = request.match_info["response_id"]

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        response = tx.get_response(response_id)
        if response is None:
            raise _not_found("Response", response_id)
        if not response.get("background"):
            raise APIProblem(
                400,
                "Only responses created with background=true can be cancelled.",
                param="response_id",
                code="invalid_value",
            )
        status = response["status"]
        if status == "cancelled":
            return 200, response
        if status in FINAL_STATUSES:
            raise APIProblem(
                400,
                f"Cannot cancel a response whose status is '{status}'.",
                param="response_id",
                code="invalid_value",
            )
        cancelled = {**response, "status": "cancelled"}
        tx.replace_response(cancelled)
        return 200, cancelled

    status, payload, replayed = await state.store.write(_idempotency(request, None), operation)
    if status == 200:
        _stop_task(_responses(request), response_id)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return _json_response(status, payload, headers)


async def list_input_items(request: web.Request) -> web.Response:
    """GET /v1/responses/{response_id}/input_items"""
    state = _state(request)
    response_id = request.match_info["response_id"]
    _check_include(state, request)
    limit, ascending, after = _list_params(request)

    def operation(tx: Transaction) -> JSONObject:
        if tx.get_response(response_id) is None:
            raise _not_found("Response", response_id)
        after_seq = None
        if after is not None:
            after_seq = tx.response_item_seq(response_id, after)
            if after_seq is None:
                raise APIProblem(
                    404,
                    f"Item with id '{after}' not found in this response's input (param 'after').",
                    param="after",
                    code="not_found",
                )
        items, has_more = tx.list_response_items(
            response_id, after_seq=after_seq, limit=limit, ascending=ascending
        )
        return _item_list(items, has_more)

    return _json_response(200, await state.store.read(operation))


# --- background responses ----------------------------------------------------------------------


def _start_background(
    app: web.Application, response_id: str, planned: Mapping[str, Any], conversation_id: str | None
) -> None:
    responses = app[_KEY]
    responses.finished[response_id] = asyncio.Event()
    task = asyncio.ensure_future(_complete_background(app, response_id, planned, conversation_id))
    responses.tasks[response_id] = task
    task.add_done_callback(lambda _: responses.tasks.pop(response_id, None))


async def _complete_background(
    app: web.Application, response_id: str, planned: Mapping[str, Any], conversation_id: str | None
) -> None:
    state = app[_APP_KEY_STATE]
    responses = app[_KEY]
    final: JSONObject = planned["final"]
    inputs: list[JSONObject] = planned["inputs"]

    def start(tx: Transaction) -> tuple[int, JSONObject]:
        current = tx.get_response(response_id)
        if current is not None and current["status"] == "queued":
            tx.replace_response({**current, "status": "in_progress"})
        return 200, {}

    def finish(tx: Transaction) -> tuple[int, JSONObject]:
        current = tx.get_response(response_id)
        if current is None or current["status"] in FINAL_STATUSES:
            return 200, {}  # deleted or cancelled meanwhile: nothing to append
        done = {**final, "completed_at": int(time.time())}
        tx.replace_response(done)
        if conversation_id is not None and tx.get_conversation(conversation_id) is not None:
            tx.insert_items(conversation_id, [*inputs, *done["output"]])
        return 200, {}

    try:
        await state.store.write(None, start)
        await _pause(state, float(planned["delay"]))
        if not state.closing.is_set():
            await state.store.write(None, finish)
    finally:
        event = responses.finished.pop(response_id, None)
        if event is not None:
            event.set()


def _stop_task(responses: ResponsesState, response_id: str) -> None:
    task = responses.tasks.pop(response_id, None)
    if task is not None:
        task.cancel()


async def _fail_unfinished(app: web.Application) -> None:
    """Mark background responses a previous run left unfinished as failed (their task is gone)."""
    state = app[_APP_KEY_STATE]

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        for response in tx.unfinished_responses():
            error = {
                "code": "server_error",
                "message": "The emulator stopped before this background response completed.",
            }
            tx.replace_response({**response, "status": "failed", "error": error})
        return 200, {}

    await state.store.write(None, operation)


async def _stop_background(app: web.Application) -> None:
    tasks = list(app[_KEY].tasks.values())
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


# --- streaming ---------------------------------------------------------------------------------


def _deltas(text: str) -> list[str]:
    return _DELTA.findall(text) or [""]


def _events(response: JSONObject) -> Iterator[JSONObject]:
    """The API's event sequence for a finished response, with ``sequence_number`` from 0."""
    sequence = 0

    def event(kind: str, **fields: Any) -> JSONObject:
        nonlocal sequence
        out = {"type": kind, "sequence_number": sequence, **fields}
        sequence += 1
        return out

    # The spec's `usage` is not nullable: a response in progress has none yet.
    started = {k: v for k, v in response.items() if k != "usage"}
    started.update(status="in_progress", output=[], completed_at=None, error=None)
    if response.get("background"):
        queued = {**started, "status": "queued"}
        yield event("response.created", response=queued)
        yield event("response.queued", response=queued)
    else:
        yield event("response.created", response=started)
    if response["status"] == "queued":
        return
    yield event("response.in_progress", response=started)
    for index, item in enumerate(response.get("output") or []):
        if item.get("type") == "message":
            yield from _message_events(event, index, item)
        elif item.get("type") == "function_call":
            added = {**item, "status": "in_progress", "arguments": ""}
            yield event("response.output_item.added", output_index=index, item=added)
            for delta in _deltas(item["arguments"]):
                yield event(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=index,
                    delta=delta,
                )
            yield event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                name=item["name"],
                arguments=item["arguments"],
            )
            yield event("response.output_item.done", output_index=index, item=item)
        else:
            yield event("response.output_item.added", output_index=index, item=item)
            yield event("response.output_item.done", output_index=index, item=item)
    # A cancelled (or unfinished) response has no terminal event of its own.
    last = {
        "completed": "response.completed",
        "failed": "response.failed",
        "incomplete": "response.incomplete",
    }.get(response["status"])
    if last is not None:
        yield event(last, response=response)


def _message_events(event: Any, index: int, item: JSONObject) -> Iterator[JSONObject]:
    added = {**item, "status": "in_progress", "content": []}
    yield event("response.output_item.added", output_index=index, item=added)
    for part_index, part in enumerate(item.get("content") or []):
        place = {"item_id": item["id"], "output_index": index, "content_index": part_index}
        text = part.get("text", "") if part.get("type") == "output_text" else None
        empty = {**part, "text": ""} if text is not None else part
        yield event("response.content_part.added", **place, part=empty)
        if text is not None:
            for delta in _deltas(text):
                yield event("response.output_text.delta", **place, delta=delta, logprobs=[])
            yield event("response.output_text.done", **place, text=text, logprobs=[])
        yield event("response.content_part.done", **place, part=part)
    yield event("response.output_item.done", output_index=index, item=item)


async def _stream(
    request: web.Request,
    events: Iterator[JSONObject],
    headers: Mapping[str, str],
    delay: float,
) -> web.StreamResponse:
    """Send ``events`` as Server-Sent Events, one HTTP chunk each; a reply's delay spreads over
    the deltas. A client that goes away ends the stream; the response is already stored."""
    state = _state(request)
    batch = list(events)
    deltas = sum(1 for e in batch if e["type"].endswith(".delta")) or 1
    pause = delay / deltas
    response = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            # Sent before the handler returns, so the error middleware cannot add it afterwards.
            "x-request-id": "req_" + secrets.token_hex(16),
            **headers,
        },
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        for event in batch:
            await response.write(_encode(event))
            if pause and event["type"].endswith(".delta"):
                await _pause(state, pause)
        await response.write_eof()
    except ConnectionError:
        # The client went away mid-stream: nothing to undo, the response is committed.
        pass
    return response


def _encode(event: JSONObject) -> bytes:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n".encode()
