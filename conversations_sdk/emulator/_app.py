"""The emulator's HTTP layer: routes, request validation against the spec, API-shaped errors.

Handlers parse and validate the request with the emulator's own validator (:mod:`._validate`)
against the schemas of the bundled spec, then run one store operation. Every failure a caller can
cause is a 4xx with the API's body ``{"error": {"message", "type", "param", "code"}}``; a 5xx
means an emulator bug (or an injected fault).

This module must not import the SDK's converter or models: the emulator is a second opinion.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import hmac
import importlib.resources
import ipaddress
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn

import attrs
from aiohttp import web

from ._faults import FaultInjector, Faults, reset_connection
from ._model import Script
from ._store import IdempotencyKey, JSONObject, StorageFull, Store, Transaction
from ._validate import SchemaValidator, ValidationProblem

__all__ = ["AppConfig", "check_request_origin", "create_app", "load_spec"]

logger = logging.getLogger("conversations_sdk.emulator")

API_PREFIX = "/v1"
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
# Seconds a client may take to send its request headers, and then its body.
DEFAULT_READ_TIMEOUT = 30.0
# JSON values (objects, arrays, strings, numbers, literals) in one request body. A full 20-item
# request of rich items uses a few thousand; 400,000 tiny content parts stalled every client
# for seconds and made listing them cost hundreds of MB. Storing 20,000 takes well under 1 s.
MAX_JSON_VALUES = 20_000
# Bodies at least this large are decoded and validated on a worker thread, off the event loop.
OFF_LOOP_BYTES = 64 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Spec limits stated in prose (the Metadata schema itself does not encode them).
METADATA_MAX_PAIRS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512
LIST_LIMIT_MIN, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT = 1, 100, 20

LOOPBACK_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

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


@functools.cache
def load_spec() -> dict[str, Any]:
    """Return the bundled OpenAPI document (generated from ``spec/conversations.openapi.yaml``).

    Parsed once per process and shared by every emulator: the document is over 300 KB and
    parsing it was a large part of each start (a pytest fixture starts one per test). Nothing
    may change it; values taken from it into a response are copied (see :func:`_minimal`).
    """
    text = importlib.resources.files(__package__).joinpath("spec.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def new_id(prefix: str) -> str:
    """Return a fresh id such as ``conv_`` followed by 48 hex digits."""
    return f"{prefix}_{secrets.token_hex(24)}"


@attrs.frozen(kw_only=True)
class AppConfig:
    """Settings of one emulator application.

    Args:
        api_key: When set, every request must carry ``Authorization: Bearer <api_key>``.
        loopback_only: Restrict the ``Host`` header to localhost names (DNS-rebinding defence);
            true whenever the server is bound to a loopback address.
        max_body_bytes: Larger request bodies are refused with 413.
        read_timeout: Seconds a client may take to send a request body (408 after that).
    """

    api_key: str | None = attrs.field(default=None, repr=False)
    loopback_only: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    read_timeout: float = DEFAULT_READ_TIMEOUT


class APIProblem(Exception):
    """A request the API would refuse: becomes an error response with the API's body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type
        self.headers = dict(headers or {})

    def body(self) -> JSONObject:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class _State:
    """What handlers share: the store, the spec's validator, the fault injector."""

    def __init__(self, store: Store, config: AppConfig, faults: FaultInjector) -> None:
        self.store = store
        self.config = config
        self.faults = faults
        self.closing = asyncio.Event()
        # Connections with a request in the application: never closed to make room for others.
        self.busy: set[object] = set()
        self.spec = load_spec()
        self.validator = SchemaValidator(self.spec)
        schemas = self.spec["components"]["schemas"]
        self.schemas: Mapping[str, Any] = schemas
        self.include_values = frozenset(schemas["IncludeEnum"]["enum"])
        items_body = self.spec["paths"]["/conversations/{conversation_id}/items"]["post"]
        self.items_body_schema = items_body["requestBody"]["content"]["application/json"]["schema"]
        # Stored items must validate against the branch of ConversationItem for their type.
        self.resource_schemas: dict[str, list[Mapping[str, Any]]] = {}
        for branch in schemas["ConversationItem"]["oneOf"]:
            for tag in self.validator.tags(branch):
                self.resource_schemas.setdefault(tag, []).append(branch)


_APP_KEY_STATE = web.AppKey("conversations_emulator_state", _State)


def _state(request: web.Request) -> _State:
    return request.app[_APP_KEY_STATE]


def _json_response(
    status: int, body: object, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        content_type="application/json",
        headers=headers,
    )


# --- middlewares -------------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every response a request id, and every failure the API's error body."""
    request_id = "req_" + secrets.token_hex(16)
    busy = _state(request).busy
    busy.add(request.protocol)
    try:
        response = await handler(request)
    except APIProblem as refused:
        response = _json_response(refused.status, refused.body(), refused.headers)
        if refused.status == 408:
            response.force_close()  # the rest of a late body must not be read as a request
    except web.HTTPException as exc:
        # aiohttp's own refusals (no such route, wrong method, body too large) in the API's shape.
        mapped = _problem_from_http(exc)
        response = _json_response(mapped.status, mapped.body(), mapped.headers)
    except StorageFull as exc:
        # Not retried: a retry cannot succeed until someone frees space.
        logger.warning("emulator: %s; refused %s %s with 507", exc, request.method, request.path)
        full = APIProblem(
            507,
            "The emulator's database is full (no space left on the disk); free space and retry.",
            type="server_error",
            code="insufficient_storage",
            headers={"x-should-retry": "false"},
        )
        response = _json_response(full.status, full.body(), full.headers)
    except ConnectionResetError:
        # The client went away (mid-body, or before the answer): routine, not a failure.
        logger.debug("client went away during %s %s (%s)", request.method, request.path, request_id)
        response = web.Response(status=400)
        response.force_close()
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("emulator failure on %s %s (%s)", request.method, request.path, request_id)
        failure = APIProblem(
            500,
            f"The emulator failed to process the request; see its log for {request_id}.",
            type="server_error",
        )
        response = _json_response(500, failure.body())
    finally:
        busy.discard(request.protocol)
    response.headers["x-request-id"] = request_id
    return response


def _problem_from_http(exc: web.HTTPException) -> APIProblem:
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return APIProblem(413, "The request body is too large.", code="request_too_large")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return APIProblem(
            405,
            f"The method {exc.method} is not allowed for this path.",
            headers={"Allow": ", ".join(sorted(exc.allowed_methods))},
        )
    if isinstance(exc, web.HTTPNotFound):
        return APIProblem(404, "Invalid URL: no route matches this path.", code="unknown_url")
    return APIProblem(exc.status, exc.reason)


@web.middleware
async def _guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse foreign Host headers on loopback, check the bearer key, inject configured faults."""
    state = _state(request)
    check_request_origin(request, loopback_only=state.config.loopback_only)
    if state.config.api_key is not None:
        _check_api_key(request.headers.get("Authorization"), state.config.api_key)
    if request.body_exists:
        _check_content_type(request)
    fault = state.faults.draw(request.method)
    if fault is None:
        return await handler(request)
    if fault.when == "before":
        await _inject(request, fault, state)
        return await handler(request)
    response = await handler(request)
    await _inject(request, fault, state)
    return response


def check_request_origin(request: web.Request, *, loopback_only: bool) -> None:
    """Refuse what a web page in the user's browser could send to this server.

    A page on any site can make the browser send requests to 127.0.0.1: by DNS rebinding (a
    foreign ``Host``), or directly (a form post or ``fetch()``, which carry the page's ``Origin``
    and ``Sec-Fetch-Site: cross-site``). The API is never called by pages, so API requests
    (under ``/v1``) and every request that could change state (not GET/HEAD/OPTIONS) from
    another site are refused; pages of this server (same origin) and non-browser clients (which
    send neither header) pass. No CORS header is ever sent, so a browser never lets a page read
    an answer either. Reusable by any route set of the emulator.

    Raises:
        APIProblem: 403 ``host_not_allowed`` or ``origin_not_allowed``.
    """
    if loopback_only and not _host_allowed(request.headers.get("Host")):
        raise APIProblem(
            403,
            "The Host header must name this machine (localhost, 127.0.0.1 or ::1).",
            code="host_not_allowed",
        )
    if request.method in SAFE_METHODS and not request.path.startswith(API_PREFIX + "/"):
        return  # reading this server's own pages from a link is fine
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    origin = request.headers.get("Origin")
    if site == "cross-site" or (
        origin is not None and not _origin_allowed(origin, request.headers.get("Host"))
    ):
        raise APIProblem(
            403,
            "Requests from web pages of other sites are refused: the Origin must be this "
            "machine (http://localhost, 127.0.0.1 or [::1]).",
            code="origin_not_allowed",
        )


def _origin_allowed(origin: str, host: str | None) -> bool:
    """Whether an ``Origin`` header names a page on this machine (or this very server)."""
    scheme, sep, authority = origin.strip().lower().partition("://")
    # "null" (sandboxed frames, file: pages, redirects) and anything unparsable are foreign.
    if not sep or scheme not in ("http", "https") or not authority or "/" in authority:
        return False
    if host is not None and authority == host.strip().lower():
        return True  # same origin as the request: a page this server served
    return _host_allowed(authority)


def _check_content_type(request: web.Request) -> None:
    # Only JSON: an HTML form (urlencoded, multipart, text/plain) can post without a preflight,
    # JSON cannot, so this also stops every cross-site form.
    if request.content_type != "application/json":
        raise APIProblem(
            415,
            f"Unsupported Content-Type {request.headers.get('Content-Type', '(none)')!r}: "
            "request bodies must be JSON sent as 'application/json'.",
            param="Content-Type",
            code="unsupported_media_type",
        )


def _host_allowed(host: str | None) -> bool:
    if host is None:
        # Browsers always send Host; a client that does not is not a DNS-rebinding vector.
        return True
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in LOOPBACK_HOST_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _check_api_key(header: str | None, api_key: str) -> None:
    scheme, _, token = (header or "").partition(" ")
    if not header or scheme.lower() != "bearer" or not token.strip():
        raise APIProblem(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            code="missing_api_key",
        )
    # Constant time, on bytes (compare_digest refuses non-ASCII str); the key is never echoed.
    # surrogateescape: a header with undecodable bytes is a wrong key (401), not a crash (500).
    presented = token.strip().encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(presented, api_key.encode()):
        raise APIProblem(401, "Incorrect API key provided.", code="invalid_api_key")


async def _inject(request: web.Request, fault: Faults, state: _State) -> None:
    """Carry out an injected fault: raise the error response, reset, or stall."""
    if fault.mode == "stall":
        try:
            await asyncio.wait_for(state.closing.wait(), fault.stall_seconds)
        except asyncio.TimeoutError:
            return  # the stall is over: answer late
        reset_connection(request)
        raise APIProblem(503, "The emulator is shutting down.", type="server_error")
    if fault.mode == "reset":
        reset_connection(request)
        raise APIProblem(500, "Injected connection reset.", type="server_error")
    status = int(fault.mode)
    headers = fault.retry_headers() if status in (429, 503) else None
    if status == 429:
        raise APIProblem(
            429,
            "Rate limit reached (injected by the emulator).",
            type="requests",
            code="rate_limit_exceeded",
            headers=headers,
        )
    raise APIProblem(
        status, f"Injected fault: HTTP {status}.", type="server_error", headers=headers
    )


# --- request parsing ---------------------------------------------------------------------------


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


def _not_found(kind: str, ident: str) -> APIProblem:
    return APIProblem(404, f"{kind} with id '{ident}' not found.", code="not_found")


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


def _flatten(state: _State, schema: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Return the properties and required names of an object schema, through $ref and allOf."""
    if "$ref" in schema:
        return _flatten(state, state.validator.resolve(schema["$ref"]))
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", ()))
    for sub in schema.get("allOf", ()):
        more, needed = _flatten(state, sub)
        properties.update(more)
        required |= needed
    return properties, required


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


def _complete(state: _State, value: Any, schema: Mapping[str, Any], depth: int) -> Any:
    """Add the required fields a nested input object may omit (``action.timeout_ms``: null)."""
    while "$ref" in schema:
        schema = state.validator.resolve(schema["$ref"])
    if depth > 8 or not isinstance(value, (list, dict)):
        return value
    for alternative in [*schema.get("anyOf", ()), *schema.get("oneOf", ())]:
        candidate = _complete(state, value, alternative, depth + 1)
        if state.validator.is_valid(candidate, alternative):
            return candidate
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return value
        return [_complete(state, v, items, depth + 1) for v in value]
    properties, required = _flatten(state, schema)
    out = {
        k: _complete(state, v, properties[k], depth + 1) if k in properties else v
        for k, v in value.items()
        # A null the param allowed but the resource does not means "absent".
        if not (v is None and k in properties and not state.validator.is_valid(None, properties[k]))
    }
    for name in sorted(required - out.keys()):
        if name in properties:
            out[name] = _minimal(state, properties[name], depth + 1)
    return out


def _enum(state: _State, schema: Mapping[str, Any]) -> list[Any]:
    while "$ref" in schema:
        schema = state.validator.resolve(schema["$ref"])
    options = list(schema.get("enum", ()))
    for alternative in schema.get("anyOf", ()):
        options += _enum(state, alternative)
    return options


def _minimal(state: _State, schema: Mapping[str, Any], depth: int) -> Any:
    """The emptiest value a schema accepts: null, its default, its first enum value, "" or []."""
    while "$ref" in schema:
        schema = state.validator.resolve(schema["$ref"])
    if "default" in schema:
        # A copy: the spec is shared by every emulator (a list default must not be the spec's).
        return copy.deepcopy(schema["default"])
    if schema.get("enum"):
        return schema["enum"][0]
    alternatives = list(schema.get("anyOf", ())) + list(schema.get("oneOf", ()))
    if any(alt.get("type") == "null" for alt in alternatives):
        return None
    if alternatives and depth < 4:
        return _minimal(state, alternatives[0], depth + 1)
    kind = schema.get("type")
    empties: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}
    if kind == "array":
        return []
    if kind == "object" and depth < 4:
        properties, required = _flatten(state, schema)
        return {n: _minimal(state, properties[n], depth + 1) for n in required if n in properties}
    return empties.get(str(kind))


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


async def list_items(request: web.Request) -> web.Response:
    """GET /v1/conversations/{conversation_id}/items"""
    state = _state(request)
    conversation_id = request.match_info["conversation_id"]
    _check_include(state, request)
    limit, ascending, after = _list_params(request)

    def operation(tx: Transaction) -> tuple[list[tuple[str, str]], bool]:
        if tx.get_conversation(conversation_id) is None:
            raise _not_found("Conversation", conversation_id)
        after_seq = None
        if after is not None:
            after_seq = tx.item_seq(conversation_id, after)
            if after_seq is None:
                # An unknown cursor is an unknown id, like any other: 404, naming the parameter.
                raise APIProblem(
                    404,
                    f"Item with id '{after}' not found in this conversation (param 'after').",
                    param="after",
                    code="not_found",
                )
        return tx.list_items_json(
            conversation_id, after_seq=after_seq, limit=limit, ascending=ascending
        )

    rows, has_more = await state.store.read(operation)
    return _raw_item_list(rows, has_more)


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


def create_app(
    store: Store, config: AppConfig, faults: FaultInjector, script: Script | None = None
) -> web.Application:
    """Build the aiohttp application serving the API under ``/v1``.

    Args:
        store: An opened store; the application does not open or close it.
        config: Authentication, Host restriction and body size limit.
        faults: The injector consulted on every request (reconfigurable while serving).
        script: The stand-in model's scripted replies for ``POST /v1/responses`` (none: the
            deterministic answer).

    Returns:
        The application; call :func:`mark_closing` before shutting it down to end stalls.
    """
    app = web.Application(
        middlewares=[_errors_middleware, _guard_middleware],
        client_max_size=config.max_body_bytes,
    )
    app[_APP_KEY_STATE] = _State(store, config, faults)
    conv = API_PREFIX + "/conversations"
    app.router.add_post(conv, create_conversation)
    app.router.add_get(conv + "/{conversation_id}", retrieve_conversation, allow_head=False)
    app.router.add_post(conv + "/{conversation_id}", update_conversation)
    app.router.add_delete(conv + "/{conversation_id}", delete_conversation)
    app.router.add_post(conv + "/{conversation_id}/items", create_items)
    app.router.add_get(conv + "/{conversation_id}/items", list_items, allow_head=False)
    app.router.add_get(conv + "/{conversation_id}/items/{item_id}", retrieve_item, allow_head=False)
    app.router.add_delete(conv + "/{conversation_id}/items/{item_id}", delete_item)
    from ._responses import register_responses  # it imports this module's helpers

    register_responses(app, app[_APP_KEY_STATE], script or Script())
    return app


def busy_connections(app: web.Application) -> set[object]:
    """The connections whose request is in the application right now (see the server's cap)."""
    return app[_APP_KEY_STATE].busy


def mark_closing(app: web.Application) -> None:
    """Wake every stalled request so the server can shut down promptly."""
    app[_APP_KEY_STATE].closing.set()
