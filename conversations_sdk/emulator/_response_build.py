"""A ``POST /v1/responses`` request checked, and the response resource built from it.

:func:`parse_create` validates the request body (the spec's schema, then the rules the API states
in prose: a model, ``conversation`` or ``previous_response_id`` but not both, a background response
must be stored) and builds the resource before the model runs: every field the response reports,
each setting echoed as sent or at the API's default. Inside the write's transaction,
:func:`read_input` checks that what the request names exists and returns the model's input (the
request's items, references resolved) and its context (the conversation, or the chain of previous
responses); :func:`completed` builds the finished resource from the stand-in model's reply, with
its output items and token usage.

This module reads stored state but must not write it, nor answer HTTP: storing the response,
appending to the conversation and sending the reply (plain or streamed) belong to the handlers in
:mod:`._responses`. Like every emulator module, it must not import the SDK's converter or models.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ._body import _validate
from ._db import JSONObject
from ._http import APIProblem, _State
from ._items import _normalise_items, new_id
from ._model import FunctionCallOutput, Reply, TextOutput, item_tokens
from ._params import _check_metadata
from ._schema import _complete, _flatten
from ._store import Transaction

__all__ = ["CreateRequest", "ResponseSchemas", "completed", "parse_create", "read_input"]

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


class ResponseSchemas:
    """The spec's schemas a response is checked and built with: the request's, and the
    resource's properties (what the response may report)."""

    def __init__(self, state: _State) -> None:
        self.create = state.schemas["CreateResponse"]
        self.properties, _ = _flatten(state, state.schemas["Response"])


@attrs.frozen
class CreateRequest:
    """A checked ``POST /v1/responses`` request, and its response before the model runs."""

    conversation_id: str | None
    previous: str | None
    # The input items as sent (or the one message a string input stands for), unnormalised.
    raw_items: list[Any]
    instructions: Any
    store: bool
    background: bool
    stream: bool
    base: JSONObject


def parse_create(state: _State, schemas: ResponseSchemas, sent: JSONObject) -> CreateRequest:
    """Check the request body ``sent`` and build the response resource it starts.

    Raises:
        APIProblem: The body does not match the spec, or breaks a rule the API states in prose.
    """
    body = _with_function_defaults(sent)
    _validate(state, body, schemas.create)
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
        instructions, schemas.properties["instructions"]
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
        **_echoed(state, schemas, body),
    }
    return CreateRequest(
        conversation_id=conversation_id,
        previous=previous,
        raw_items=raw_items,
        instructions=instructions,
        store=store,
        background=background,
        stream=stream,
        base=base,
    )


def read_input(
    state: _State, tx: Transaction, create: CreateRequest
) -> tuple[list[JSONObject], list[JSONObject]]:
    """Return the model's input items (normalised, ready to store) and the context it reads
    before them.

    Raises:
        APIProblem: The conversation or previous response the request names does not exist, or
            an input item is invalid.
    """
    conversation_id, previous = create.conversation_id, create.previous
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
    inputs = _normalise_items(state, tx, _resolve_references(tx, create.raw_items), "input")
    return inputs, _context(tx, conversation_id, previous)


def completed(
    create: CreateRequest, reply: Reply, context: list[JSONObject], inputs: list[JSONObject]
) -> JSONObject:
    """The finished response resource: the model's output items and the tokens it took."""
    output = _output_items(reply)
    prompt_tokens = sum(item_tokens(i) for i in [*context, *inputs])
    if create.instructions is not None:
        prompt_tokens += item_tokens(create.instructions)
    return {
        **create.base,
        "completed_at": int(time.time()),
        "output": output,
        "usage": _usage(prompt_tokens, output),
    }


# --- the request's parts -------------------------------------------------------------------------


def _conversation_id(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value["id"])
    return str(value)


def _echoed(state: _State, schemas: ResponseSchemas, body: JSONObject) -> JSONObject:
    """The request settings the response reports: each one sent, or the API's default."""
    echoed: JSONObject = {}
    for name in [*_DEFAULTS, *_ECHO_IF_SET]:
        value = body.get(name)
        schema = schemas.properties.get(name)
        if value is not None and schema is not None:
            candidate = _complete(state, value, schema, 0)
            if state.validator.is_valid(candidate, schema):
                echoed[name] = candidate
                continue
        if name in _DEFAULTS:
            echoed[name] = _DEFAULTS[name]
    return echoed


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


# --- what the model reads ------------------------------------------------------------------------


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


# --- what the model answers ----------------------------------------------------------------------


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
