"""Conversation items: input items turned into the items the API stores, and the list body.

:func:`_normalise_item` gives an input item a fresh id of its type's prefix (:data:`ID_PREFIXES`),
fills in what a stored item must have (status, required fields), resolves item references, and
checks the result against the spec's resource schema for its type, so a client reading it back
never sees a shape the spec does not promise. :func:`_prepare_items` does that work before the
write transaction (off the event loop for a large body); :func:`_finish_items` resolves
references inside it. :func:`_item_list` and :func:`_raw_item_list` build the ``object: "list"``
body, the latter spliced from the items' stored JSON text.

Like every emulator module, this one must not import the SDK's converter or models.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ._body import _is_big
from ._db import JSONObject
from ._http import APIProblem, _not_found, _State
from ._schema import _complete, _enum, _flatten, _minimal
from ._store import Transaction
from ._validate import ValidationProblem

__all__ = ["ID_PREFIXES", "new_id"]

# Item id prefixes as the API uses them; a type not listed gets "item_".
ID_PREFIXES: Mapping[str, str] = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fco",
    "file_search_call": "fs",
    "web_search_call": "ws",
    "image_generation_call": "ig",
    "computer_call": "cu",
    "computer_call_output": "cuo",
    "reasoning": "rs",
    "code_interpreter_call": "ci",
    "local_shell_call": "lsh",
    "local_shell_call_output": "lsho",
    "shell_call": "sh",
    "shell_call_output": "sho",
    "apply_patch_call": "apc",
    "apply_patch_call_output": "apco",
    "mcp_list_tools": "mcpl",
    "mcp_approval_request": "mcpr",
    "mcp_approval_response": "mcpa",
    "mcp_call": "mcp",
    "custom_tool_call": "ctc",
    "custom_tool_call_output": "ctco",
    "compaction": "cmp",
    "tool_search_call": "tsc",
    "tool_search_output": "tso",
    "additional_tools": "at",
    "program": "prg",
    "program_output": "prgo",
}


def new_id(prefix: str) -> str:
    """Return a fresh id such as ``conv_`` followed by 48 hex digits."""
    return f"{prefix}_{secrets.token_hex(24)}"


# --- items: input → stored ---------------------------------------------------------------------


def _normalise_items(
    state: _State, tx: Transaction, items: list[Any], param: str
) -> list[JSONObject]:
    return [_normalise_item(state, tx, item, f"{param}[{i}]") for i, item in enumerate(items)]


_Prepared = list[JSONObject | None] | APIProblem


def _is_reference(item: JSONObject) -> bool:
    item_type = item.get("type")
    return item_type == "item_reference" or (item_type is None and "role" not in item)


async def _prepare_items(
    request: web.Request, state: _State, items: list[Any], param: str
) -> _Prepared:
    """Normalise the items that need no database before the write transaction.

    This is most of a write's CPU time; done here (on a worker thread for a large body), it
    neither holds the store's single thread, which every other request waits for, nor blocks
    the event loop. References (``None`` in the result) are resolved inside the transaction. A
    refusal is returned, not raised, so the transaction can first say 404 for a missing
    conversation, as it would otherwise.
    """

    def prepare() -> _Prepared:
        try:
            return [
                None if _is_reference(item) else _normalise_item(state, None, item, f"{param}[{i}]")
                for i, item in enumerate(items)
            ]
        except APIProblem as refused:
            return refused

    return await asyncio.to_thread(prepare) if _is_big(request) else prepare()


def _finish_items(
    state: _State, tx: Transaction, items: list[Any], prepared: _Prepared, param: str
) -> list[JSONObject]:
    """Inside the transaction: raise a deferred refusal, or resolve the references."""
    if isinstance(prepared, APIProblem):
        raise prepared
    return [
        _normalise_item(state, tx, item, f"{param}[{i}]") if done is None else done
        for i, (item, done) in enumerate(zip(items, prepared, strict=True))
    ]


def _normalise_item(
    state: _State, tx: Transaction | None, item: JSONObject, param: str
) -> JSONObject:
    """Turn one input item into the item the API would store (fresh id, defaults filled in).

    The stored item must validate against the spec's resource schema for its type, so a client
    reading it back never sees a shape the spec does not promise.
    """
    item_type = item.get("type")
    if _is_reference(item):
        assert tx is not None  # noqa: S101 - references are only resolved in a transaction
        source = tx.find_item(str(item.get("id")))
        if source is None:
            raise _not_found("Item", str(item.get("id")))
        return {**source, "id": new_id(ID_PREFIXES.get(str(source.get("type")), "item"))}
    if item_type in (None, "message"):
        candidates = [_normalise_message(item)]
    else:
        # Input params allow null where resources want a value or no key: try both readings.
        candidates = [dict(item), {k: v for k, v in item.items() if v is not None}]
    stored_type = str(candidates[0]["type"])
    schemas = state.resource_schemas.get(stored_type, [])
    if not schemas:
        raise APIProblem(
            400,
            f"Items of type {stored_type!r} cannot be stored in a conversation.",
            param=f"{param}.type",
            code="invalid_value",
        )
    item_id = new_id(ID_PREFIXES.get(stored_type, "item"))
    problem: ValidationProblem | None = None
    for schema in schemas:
        properties, required = _flatten(state, schema)
        for candidate in candidates:
            stored = _with_defaults(state, candidate, properties, required)
            stored = {"id": item_id, **{k: v for k, v in stored.items() if k != "id"}}
            try:
                state.validator.validate(stored, schema, param)
            except ValidationProblem as exc:
                problem = problem or exc
            else:
                return stored
    assert problem is not None  # noqa: S101 - schemas and candidates are non-empty
    raise APIProblem(
        400,
        f"This {stored_type} item cannot be stored as sent: {problem.message}",
        param=problem.param,
        code="invalid_value",
    )


def _with_defaults(
    state: _State, item: JSONObject, properties: Mapping[str, Any], required: set[str]
) -> JSONObject:
    """Fill what a stored item must have and the input may omit: status, then required fields."""
    stored = dict(item)
    if "status" in properties and stored.get("status") is None:
        options = _enum(state, properties["status"])
        stored["status"] = "completed" if not options or "completed" in options else options[0]
    for name in sorted(required - stored.keys()):
        if name != "id" and name in properties:
            stored[name] = _minimal(state, properties[name], 0)
    return {
        k: _complete(state, v, properties[k], 0) if k in properties else v
        for k, v in stored.items()
    }


def _normalise_message(item: JSONObject) -> JSONObject:
    role = item["role"]
    content = item["content"]
    if isinstance(content, str):
        if role == "assistant":
            content = [{"type": "output_text", "text": content, "annotations": [], "logprobs": []}]
        else:
            content = [{"type": "input_text", "text": content}]
    stored: JSONObject = {
        "type": "message",
        "status": item.get("status") or "completed",
        "role": role,
        "content": content,
    }
    if item.get("phase") is not None:
        stored["phase"] = item["phase"]
    return stored


def _item_list(items: list[JSONObject], has_more: bool) -> JSONObject:
    # The spec makes first_id/last_id required strings, so an empty page says "" rather than null.
    return {
        "object": "list",
        "data": items,
        "has_more": has_more,
        "first_id": items[0]["id"] if items else "",
        "last_id": items[-1]["id"] if items else "",
    }


def _raw_item_list(rows: list[tuple[str, str]], has_more: bool) -> web.Response:
    """The list body of :func:`_item_list`, spliced from the items' stored JSON text.

    Decoding a page of large items to re-encode them costs about ten times their size in
    memory and holds the event loop; the stored text is already the JSON to send.
    """
    first_id, last_id = (rows[0][0], rows[-1][0]) if rows else ("", "")
    tail = {"has_more": has_more, "first_id": first_id, "last_id": last_id}
    body = "".join(
        [
            '{"object":"list","data":[',
            ",".join(text for _, text in rows),
            "],",
            json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:],
        ]
    )
    return web.Response(status=200, body=body.encode(), content_type="application/json")
