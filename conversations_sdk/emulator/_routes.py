"""The Conversations API's routes: conversations and their items, each handler one store operation.

A handler reads its parameters (:mod:`._params`) and body (:mod:`._body`, validated against the
spec's request schema), normalises input items before the transaction (:mod:`._items`), then runs
one read or one idempotent write on the store. Refusals are raised as
:class:`~._http.APIProblem`, which the error middleware turns into the API's error body.
:func:`register_conversations` adds the routes under ``/v1/conversations``; the Responses
routes are in :mod:`._responses`.

Like every emulator module, this one must not import the SDK's converter or models.
"""

from __future__ import annotations

import time

from aiohttp import web

from ._body import _read_body, _read_json
from ._db import JSONObject
from ._http import API_PREFIX, _json_response, _not_found, _state
from ._items import _finish_items, _item_list, _prepare_items, _raw_item_list, new_id
from ._params import _after_seq, _check_include, _check_metadata, _list_params, _write
from ._store import Transaction

__all__ = ["register_conversations"]

# --- handlers ----------------------------------------------------------------------------------


async def create_conversation(request: web.Request) -> web.Response:
    """POST /v1/conversations"""
    state = _state(request)
    body = await _read_json(request, required=False, schema=state.schemas["CreateConversationBody"])
    metadata = _check_metadata(body.get("metadata"))
    items = body.get("items") or []
    conversation_id = new_id("conv")
    created_at = int(time.time())
    prepared = await _prepare_items(request, state, items, "items")

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        stored = _finish_items(state, tx, items, prepared, "items")
        conversation = tx.insert_conversation(conversation_id, created_at, metadata)
        tx.insert_items(conversation_id, stored)
        return 200, conversation

    return await _write(request, body, operation, conversation_id=conversation_id)


async def retrieve_conversation(request: web.Request) -> web.Response:
    """GET /v1/conversations/{conversation_id}"""
    conversation_id = request.match_info["conversation_id"]
    conversation = await _state(request).store.read(lambda tx: tx.get_conversation(conversation_id))
    if conversation is None:
        raise _not_found("Conversation", conversation_id)
    return _json_response(200, conversation)


async def update_conversation(request: web.Request) -> web.Response:
    """POST /v1/conversations/{conversation_id}"""
    state = _state(request)
    conversation_id = request.match_info["conversation_id"]
    raw = await _read_body(request)
    body: JSONObject | None = None
    metadata: JSONObject | None = None
    # The spec makes this body optional: without one there is nothing to change.
    if raw.strip():
        body = await _read_json(
            request, required=True, schema=state.schemas["UpdateConversationBody"]
        )
        metadata = _check_metadata(body["metadata"])

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        if metadata is None:
            conversation = tx.get_conversation(conversation_id)
        else:
            conversation = tx.update_metadata(conversation_id, metadata)
        if conversation is None:
            raise _not_found("Conversation", conversation_id)
        return 200, conversation

    return await _write(request, body, operation, conversation_id=conversation_id)


async def delete_conversation(request: web.Request) -> web.Response:
    """DELETE /v1/conversations/{conversation_id}"""
    conversation_id = request.match_info["conversation_id"]

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        if not tx.delete_conversation(conversation_id):
            raise _not_found("Conversation", conversation_id)
        return 200, {"id": conversation_id, "object": "conversation.deleted", "deleted": True}

    return await _write(request, None, operation, conversation_id=conversation_id)


async def create_items(request: web.Request) -> web.Response:
    """POST /v1/conversations/{conversation_id}/items"""
    state = _state(request)
    conversation_id = request.match_info["conversation_id"]
    _check_include(state, request)
    body = await _read_json(request, required=True, schema=state.items_body_schema)
    items = body["items"]
    prepared = await _prepare_items(request, state, items, "items")

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        if tx.get_conversation(conversation_id) is None:
            raise _not_found("Conversation", conversation_id)
        stored = _finish_items(state, tx, items, prepared, "items")
        tx.insert_items(conversation_id, stored)
        return 200, _item_list(stored, has_more=False)

    return await _write(request, body, operation, conversation_id=conversation_id)


async def list_items(request: web.Request) -> web.Response:
    """GET /v1/conversations/{conversation_id}/items"""
    state = _state(request)
    conversation_id = request.match_info["conversation_id"]
    _check_include(state, request)
    limit, ascending, after = _list_params(request)

    def operation(tx: Transaction) -> tuple[list[tuple[str, str]], bool]:
        if tx.get_conversation(conversation_id) is None:
            raise _not_found("Conversation", conversation_id)
        after_seq = _after_seq(
            after, lambda item_id: tx.item_seq(conversation_id, item_id), "this conversation"
        )
        return tx.list_items_json(
            conversation_id, after_seq=after_seq, limit=limit, ascending=ascending
        )

    rows, has_more = await state.store.read(operation)
    return _raw_item_list(rows, has_more)


async def retrieve_item(request: web.Request) -> web.Response:
    """GET /v1/conversations/{conversation_id}/items/{item_id}"""
    state = _state(request)
    conversation_id = request.match_info["conversation_id"]
    item_id = request.match_info["item_id"]
    _check_include(state, request)

    def operation(tx: Transaction) -> JSONObject:
        if tx.get_conversation(conversation_id) is None:
            raise _not_found("Conversation", conversation_id)
        item = tx.get_item(conversation_id, item_id)
        if item is None:
            raise _not_found("Item", item_id)
        return item

    return _json_response(200, await state.store.read(operation))


async def delete_item(request: web.Request) -> web.Response:
    """DELETE /v1/conversations/{conversation_id}/items/{item_id}"""
    conversation_id = request.match_info["conversation_id"]
    item_id = request.match_info["item_id"]

    def operation(tx: Transaction) -> tuple[int, JSONObject]:
        conversation = tx.get_conversation(conversation_id)
        if conversation is None:
            raise _not_found("Conversation", conversation_id)
        if not tx.delete_item(conversation_id, item_id):
            raise _not_found("Item", item_id)
        return 200, conversation

    return await _write(request, None, operation, conversation_id=conversation_id)


def register_conversations(app: web.Application) -> None:
    """Add the conversation and item routes under ``/v1/conversations`` to ``app``."""
    conv = API_PREFIX + "/conversations"
    app.router.add_post(conv, create_conversation)
    app.router.add_get(conv + "/{conversation_id}", retrieve_conversation, allow_head=False)
    app.router.add_post(conv + "/{conversation_id}", update_conversation)
    app.router.add_delete(conv + "/{conversation_id}", delete_conversation)
    app.router.add_post(conv + "/{conversation_id}/items", create_items)
    app.router.add_get(conv + "/{conversation_id}/items", list_items, allow_head=False)
    app.router.add_get(conv + "/{conversation_id}/items/{item_id}", retrieve_item, allow_head=False)
    app.router.add_delete(conv + "/{conversation_id}/items/{item_id}", delete_item)
