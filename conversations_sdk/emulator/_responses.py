"""The Responses endpoints conversation state depends on: create (plain or streamed), retrieve,
delete, cancel and list input items, answered by the stand-in model of :mod:`._model`.

What a response does to a conversation follows the API: the conversation's items are the model's
context, and when the response completes its input items then its output items are appended to
the conversation, in one transaction with the stored response. A streamed response is computed and
committed first, then sent as Server-Sent Events (:mod:`._response_stream`), so the stream can be
replayed (``GET ...?stream=true``, or a retry with the same ``Idempotency-Key``) event for event.

Background responses (``background: true``) are stored ``queued`` and completed by a task after the
reply's ``delay``; :func:`cancel_response` stops them. A background response the emulator did not
finish before it stopped is marked ``failed`` when the database is opened again.

This module holds the routes, their handlers (each one store read or write) and the background
tasks. Checking a create request and building the resource is :mod:`._response_build`'s job, and
the event stream :mod:`._response_stream`'s; this module must not build either itself. Like every
emulator module, it must not import the SDK's converter or models.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ._body import _read_json
from ._db import JSONObject
from ._http import (
    _APP_KEY_STATE,
    API_PREFIX,
    APIProblem,
    _json_response,
    _not_found,
    _pause,
    _State,
    _state,
)
from ._items import _item_list
from ._model import Script, default_reply
from ._params import _after_seq, _check_include, _idempotency, _list_params, _write
from ._response_build import ResponseSchemas, completed, parse_create, read_input
from ._response_stream import response_events, send_events
from ._store import Transaction

__all__ = ["register_responses"]

# Statuses after which nothing changes any more.
FINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "incomplete"})


class ResponsesState:
    """What the Responses handlers share: the script, the schemas, background tasks."""

    def __init__(self, state: _State, script: Script) -> None:
        self.script = script
        self.schemas = ResponseSchemas(state)
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


# --- handlers ----------------------------------------------------------------------------------


async def create_response(request: web.Request) -> web.StreamResponse:
    """POST /v1/responses"""
    state = _state(request)
    responses = _responses(request)
    sent = await _read_json(request, required=True)
    create = parse_create(state, responses.schemas, sent)
    conversation_id, background = create.conversation_id, create.background
    planned: dict[str, Any] = {}

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        inputs, context = read_input(state, tx, create)
        # Taken last: a request refused above does not use up a scripted reply.
        reply = responses.script.next() or default_reply(inputs)
        if reply.error is not None:
            return reply.error.status, reply.error.body
        final = completed(create, reply, context, inputs)
        planned.update(final=final, inputs=inputs, delay=reply.delay)
        if background:
            queued = {**create.base, "status": "queued"}
            tx.insert_response(queued, conversation_id, inputs)
            return 200, queued
        if conversation_id is not None:
            tx.insert_items(conversation_id, [*inputs, *final["output"]])
        if create.store:
            tx.insert_response(final, conversation_id, inputs)
        return 200, final

    status, payload, replayed = await state.store.write(_idempotency(request, sent), operation)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if status != 200:
        await _pause(state, planned.get("delay", 0.0))
        return _json_response(status, payload, headers)
    if background and planned:
        _start_background(request.app, payload["id"], planned, conversation_id)
    if create.stream:
        if background:
            # The events of a background response are those of what it becomes.
            return await send_events(
                request, response_events(await _settled(request, payload)), headers, 0.0
            )
        return await send_events(
            request, response_events(payload), headers, planned.get("delay", 0.0)
        )
    if not background:
        await _pause(state, planned.get("delay", 0.0))
    return _json_response(200, payload, headers)


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
    selected = (e for e in response_events(response) if e["sequence_number"] > starting_after)
    return await send_events(request, selected, {}, 0.0)


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
    response_id = request.match_info["response_id"]

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        if not tx.delete_response(response_id):
            raise _not_found("Response", response_id)
        return 200, {"id": response_id, "object": "response", "deleted": True}

    response = await _write(request, None, operation)
    _stop_task(_responses(request), response_id)
    return response


async def cancel_response(request: web.Request) -> web.Response:
    """POST /v1/responses/{response_id}/cancel"""
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

    response = await _write(request, None, operation)
    if response.status == 200:
        _stop_task(_responses(request), response_id)
    return response


async def list_input_items(request: web.Request) -> web.Response:
    """GET /v1/responses/{response_id}/input_items"""
    state = _state(request)
    response_id = request.match_info["response_id"]
    _check_include(state, request)
    limit, ascending, after = _list_params(request)

    def operation(tx: Transaction) -> JSONObject:
        if tx.get_response(response_id) is None:
            raise _not_found("Response", response_id)
        after_seq = _after_seq(
            after,
            lambda item_id: tx.response_item_seq(response_id, item_id),
            "this response's input",
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
