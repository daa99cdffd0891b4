"""Request parameters the schemas leave to prose, and the idempotent write every POST and DELETE uses.

The spec states some limits only in words: metadata (16 pairs, keys up to 64 and values up to 512
characters), ``include`` values from its enum, and list paging (``limit`` 1..100, ``order``,
``after``). They are checked here for every route set (conversations, items, responses), with
the API's 400 bodies. :func:`_write` runs one store write under the request's ``Idempotency-Key``
(fingerprinted with method, path, query and body) and marks a replay with
``Idempotent-Replayed: true``.

Like every emulator module, this one must not import the SDK's converter or models.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable

from aiohttp import web

from ._body import _is_big
from ._db import JSONObject
from ._http import APIProblem, _json_response, _State, _state
from ._store import IdempotencyKey, Transaction

# Spec limits stated in prose (the Metadata schema itself does not encode them).
METADATA_MAX_PAIRS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512
LIST_LIMIT_MIN, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT = 1, 100, 20


def _check_metadata(metadata: object, param: str = "metadata") -> JSONObject:
    """Apply the limits the spec states in prose; ``null`` means empty."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise APIProblem(400, f"Invalid type for '{param}': expected an object.", param=param)
    if len(metadata) > METADATA_MAX_PAIRS:
        raise APIProblem(
            400,
            f"Invalid '{param}': too many pairs ({len(metadata)}); at most {METADATA_MAX_PAIRS}.",
            param=param,
            code="invalid_value",
        )
    for key, value in metadata.items():
        if len(key) > METADATA_MAX_KEY:
            raise APIProblem(
                400,
                f"Invalid '{param}': a key is {len(key)} characters; at most {METADATA_MAX_KEY}.",
                param=param,
                code="invalid_value",
            )
        if not isinstance(value, str):
            raise APIProblem(
                400, f"Invalid '{param}.{key}': values must be strings.", param=f"{param}.{key}"
            )
        if len(value) > METADATA_MAX_VALUE:
            raise APIProblem(
                400,
                f"Invalid '{param}.{key}': the value is {len(value)} characters; "
                f"at most {METADATA_MAX_VALUE}.",
                param=f"{param}.{key}",
                code="invalid_value",
            )
    return metadata


def _check_include(state: _State, request: web.Request) -> None:
    """Accept ``include`` / ``include[]`` values from the spec's enum (they change nothing here)."""
    for name in ("include", "include[]"):
        for value in request.query.getall(name, []):
            if value not in state.include_values:
                raise APIProblem(
                    400,
                    f"Invalid value for 'include': {value!r} is not a supported include.",
                    param="include",
                    code="invalid_value",
                )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _idempotency(
    request: web.Request, body: object, conversation_id: str | None = None
) -> IdempotencyKey | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    # Undecodable header bytes arrive as surrogates, which SQLite cannot store: a 400, not a 500.
    if not key or len(key) > 255 or not _encodable(key):
        raise APIProblem(
            400, "The Idempotency-Key header must be 1 to 255 characters.", param="Idempotency-Key"
        )
    query = sorted(request.query.items())
    material = json.dumps([request.method, request.path, query, body], sort_keys=True)
    return IdempotencyKey(key, hashlib.sha256(material.encode()).hexdigest(), conversation_id)


async def _write(
    request: web.Request,
    body: object,
    operation: Callable[[Transaction], tuple[int, JSONObject]],
    *,
    conversation_id: str | None = None,
) -> web.Response:
    """Run a write; ``conversation_id`` ties its idempotency record to that conversation."""
    if _is_big(request):  # fingerprinting a large body is JSON work too: off the loop
        key = await asyncio.to_thread(_idempotency, request, body, conversation_id)
    else:
        key = _idempotency(request, body, conversation_id)
    status, payload, replayed = await _state(request).store.write(key, operation)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return _json_response(status, payload, headers)


def _list_params(request: web.Request) -> tuple[int, bool, str | None]:
    query = request.query
    raw_limit = query.get("limit")
    limit = LIST_LIMIT_DEFAULT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise APIProblem(
                400, f"Invalid 'limit': expected an integer, got {raw_limit!r}.", param="limit"
            ) from None
        if not LIST_LIMIT_MIN <= limit <= LIST_LIMIT_MAX:
            raise APIProblem(
                400,
                f"Invalid 'limit': {limit} is outside {LIST_LIMIT_MIN}..{LIST_LIMIT_MAX}.",
                param="limit",
                code="invalid_value",
            )
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise APIProblem(
            400,
            f"Invalid 'order': expected 'asc' or 'desc', got {order!r}.",
            param="order",
            code="invalid_value",
        )
    return limit, order == "asc", query.get("after")


def _after_seq(after: str | None, seq_of: Callable[[str], int | None], where: str) -> int | None:
    """The position of the ``after`` cursor (an item id) in a list, found by ``seq_of``.

    An unknown cursor is an unknown id, like any other: 404, naming the parameter and ``where``
    the item was looked for.
    """
    if after is None:
        return None
    seq = seq_of(after)
    if seq is None:
        raise APIProblem(
            404,
            f"Item with id '{after}' not found in {where} (param 'after').",
            param="after",
            code="not_found",
        )
    return seq
