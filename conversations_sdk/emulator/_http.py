"""The emulator's HTTP plumbing: shared state, the guards every request passes, API-shaped errors.

Two middlewares wrap every route. :func:`_errors_middleware` gives each response a request id
and turns every failure into the API's body ``{"error": {"message", "type", "param", "code"}}``
(:class:`APIProblem` for a refusal a caller caused, a 5xx only for an emulator bug or an
injected fault). :func:`_guard_middleware` refuses what a web page could send to a loopback
server (foreign ``Host``, cross-site ``Origin``, non-JSON bodies), checks the bearer key, and
carries out the faults configured on the :class:`~._faults.FaultInjector`. :class:`_State` is
what every handler shares, reached with :func:`_state`.

Reading and decoding bodies is :mod:`._body`'s job; routes are in :mod:`._routes` and
:mod:`._responses`. Like every emulator module, this one must not import the SDK's converter or
models: the emulator is a second opinion.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping

import attrs
from aiohttp import web

from ._db import JSONObject, StorageFull
from ._faults import FaultInjector, Faults, reset_connection
from ._schema import ApiSchemas
from ._store import Store

__all__ = ["APIProblem", "AppConfig", "check_request_origin"]

logger = logging.getLogger("conversations_sdk.emulator")

API_PREFIX = "/v1"
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
# Seconds a client may take to send its request headers, and then its body.
DEFAULT_READ_TIMEOUT = 30.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

LOOPBACK_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


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


class _State(ApiSchemas):
    """What handlers share: the spec's schemas (inherited), the store, the fault injector."""

    def __init__(self, store: Store, config: AppConfig, faults: FaultInjector) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.faults = faults
        self.closing = asyncio.Event()
        # Connections with a request in the application: never closed to make room for others.
        self.busy: set[object] = set()


_APP_KEY_STATE = web.AppKey("conversations_emulator_state", _State)


def _state(request: web.Request) -> _State:
    return request.app[_APP_KEY_STATE]


async def _pause(state: _State, seconds: float) -> None:
    """Wait ``seconds`` (a scripted reply's delay), or less when the emulator is shutting down."""
    if seconds > 0:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(state.closing.wait(), seconds)


def _json_response(
    status: int, body: object, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        content_type="application/json",
        headers=headers,
    )


def _not_found(kind: str, ident: str) -> APIProblem:
    return APIProblem(404, f"{kind} with id '{ident}' not found.", code="not_found")


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
