"""Reading request bodies: the read deadline, the size and value caps, off-loop JSON decoding.

:func:`_read_json` is how a route gets its body: read within the configured deadline (408 for a
trickling client), decoded as strict JSON (no ``NaN``, no lone surrogates, at most
:data:`MAX_JSON_VALUES` values), and validated against the route's request schema, each refusal
an :class:`~._http.APIProblem` naming what was wrong. A body of :data:`OFF_LOOP_BYTES` or more is
decoded and validated on a worker thread so other clients are served meanwhile. The byte cap
itself is aiohttp's ``client_max_size`` (set in :func:`~._app.create_app`).

Like every emulator module, this one must not import the SDK's converter or models.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any, NoReturn

from aiohttp import web

from ._db import JSONObject
from ._http import APIProblem, _State, _state
from ._validate import ValidationProblem

# JSON values (objects, arrays, strings, numbers, literals) in one request body. A full 20-item
# request of rich items uses a few thousand; 400,000 tiny content parts stalled every client
# for seconds and made listing them cost hundreds of MB. Storing 20,000 takes well under 1 s.
MAX_JSON_VALUES = 20_000
# Bodies at least this large are decoded and validated on a worker thread, off the event loop.
OFF_LOOP_BYTES = 64 * 1024


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


async def _read_body(request: web.Request) -> bytes:
    """Read the whole body within the read deadline (a trickling client gets 408)."""
    state = _state(request)
    timeout = state.config.read_timeout
    # While it waits for the client's bytes, the connection may be closed to make room for
    # others (see the server's connection cap): a stalled upload must not lock everyone out.
    state.busy.discard(request.protocol)
    try:
        raw = await asyncio.wait_for(request.read(), timeout)
    except asyncio.TimeoutError:
        raise APIProblem(
            408,
            f"The request body did not arrive within {timeout:g} seconds.",
            code="request_timeout",
        ) from None
    finally:
        state.busy.add(request.protocol)
    request[_BODY_SIZE] = len(raw)
    return raw


_BODY_SIZE = web.RequestKey("conversations_emulator_body_size", int)


def _is_big(request: web.Request) -> bool:
    size: int = request.get(_BODY_SIZE, 0)
    return size >= OFF_LOOP_BYTES


async def _read_json(
    request: web.Request, *, required: bool, schema: Mapping[str, Any] | None = None
) -> JSONObject:
    """Return the JSON object in the body; an absent optional body counts as ``{}``.

    With ``schema``, the body is also validated against it. A large body is decoded and
    validated on a worker thread, so other clients are served meanwhile.
    """
    raw = await _read_body(request)
    if not raw.strip():
        if required:
            raise APIProblem(400, "A JSON request body is required.", code="missing_body")
        return {}
    state = _state(request)
    if len(raw) >= OFF_LOOP_BYTES:
        return await asyncio.to_thread(_decode_json, state, raw, schema)
    return _decode_json(state, raw, schema)


def _decode_json(state: _State, raw: bytes, schema: Mapping[str, Any] | None) -> JSONObject:
    # Every value but the root is the first of its array or object (after '[' or '{') or follows
    # a ','; counting those bytes is a cheap upper bound on the values ("," in strings only
    # raises it). Only a body over the bound pays for counting while decoding.
    bound = raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1
    try:
        if bound <= MAX_JSON_VALUES:
            body = json.loads(raw, parse_constant=_reject_constant)
        else:
            # Counting objects as they are decoded stops a body of 400,000 content parts after
            # the first MAX_JSON_VALUES, instead of building all of them first.
            body = json.loads(
                raw, parse_constant=_reject_constant, object_pairs_hook=_ObjectCounter()
            )
            _check_value_count(body)
    except (ValueError, RecursionError):
        raise APIProblem(
            400,
            "We could not parse the JSON body of your request. The body must be valid JSON.",
            code="invalid_json",
        ) from None
    if not isinstance(body, dict):
        raise APIProblem(400, "The request body must be a JSON object.", code="invalid_type")
    # json.loads lets lone surrogates through ("\ud800" escapes, or encoded ones it decodes with
    # surrogatepass); they cannot be stored or sent back as UTF-8, so refuse them here as bad input
    # instead of failing with a 500 in SQLite. Only bodies that could hold one pay for the check.
    if b"\\u" in raw or not raw.isascii():
        _require_unicode(body)
    if schema is not None:
        _validate(state, body, schema)
    return body


def _too_many_values() -> APIProblem:
    return APIProblem(
        413,
        f"The request body has more than {MAX_JSON_VALUES:,} JSON values "
        "(objects, arrays, strings, numbers); send fewer items or content parts.",
        code="request_too_large",
    )


class _ObjectCounter:
    """An ``object_pairs_hook`` that refuses the body once its objects and members pass the cap."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        self.count += 1 + len(pairs)
        if self.count > MAX_JSON_VALUES:
            raise _too_many_values()
        return dict(pairs)


def _check_value_count(body: object) -> None:
    count = 0
    pending = [body]
    while pending:
        value = pending.pop()
        count += 1
        if count > MAX_JSON_VALUES:
            raise _too_many_values()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def _require_unicode(body: JSONObject) -> None:
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise APIProblem(
            400,
            "The JSON body contains an invalid Unicode string (a lone surrogate).",
            code="invalid_json",
        ) from None
    except RecursionError:
        raise APIProblem(
            400, "The request body is nested too deeply.", code="invalid_value"
        ) from None


def _validate(state: _State, value: object, schema: Mapping[str, Any]) -> None:
    try:
        state.validator.validate(value, schema)
    except ValidationProblem as problem:
        raise APIProblem(400, problem.message, param=problem.param, code="invalid_value") from None
    except RecursionError:
        raise APIProblem(
            400, "The request body is nested too deeply.", code="invalid_value"
        ) from None
