"""The request engine: one API call from a method, a path and a body to a structured answer.

:class:`Requester` is the base of :class:`~conversations_sdk.AsyncClient` and owns everything on
the per-request path: the headers (the fixed ones merged once; the api_key provider asked before
each attempt), the request built once (``_wire``), the idempotency key of a POST or DELETE
(generated once per call, so every attempt carries the same one), the retry loop with its budget
and backoff waits, sending through the transport, decoding and structuring the answer (off the
loop for large bodies), the request id attached to the result, and the ``with_raw_response`` /
``with_streaming_response`` sinks. Resources call :meth:`Requester._request` and import only
this module.

It must not import ``_client`` or ``_resources`` (they import it), read the environment,
validate constructor settings other than the per-call overrides, or open and close sessions and
transports: configuration and lifecycle belong to ``_client.py``.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import enum
import functools
import inspect
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

import aiohttp
import attrs

from ._converter import NO_CONTENT
from ._errors import APIConnectionError, APIStatusError, ClientClosedError, InvalidRequestError
from ._logging import logger
from ._params import NOT_GIVEN, NotGiven
from ._retry import RetryBudget, RetryPolicy
from ._seam import UserTransport
from ._transport import Transport, is_retryable_connection_error
from ._wire import (
    IDEMPOTENCY_HEADER,
    HTTPRequest,
    RawResponse,
    Request,
    RequestHeaders,
    Response,
    build_query,
    build_url,
    decode_json,
    encode_json,
    header_items,
    is_retryable_status,
    make_status_error,
    merge_body,
    retry_after_seconds,
)

__all__ = [
    "OFF_LOOP_PARSE_BYTES",
    "RAW_SINK",
    "ApiKey",
    "ClientOptions",
    "ClientState",
    "Requester",
    "StreamSink",
    "Timeout",
    "attach_request_id",
    "check_max_retries",
    "to_client_timeout",
]

_T = TypeVar("_T")


#: Response bodies larger than this are decoded and structured in a worker thread, off the event
#: loop (a 100-item page of ordinary messages is ~30 KiB; 256 KiB of tiny items takes ~25 ms).
OFF_LOOP_PARSE_BYTES: Final = 256 * 1024

#: A timeout in seconds (the whole request), an ``aiohttp.ClientTimeout``, or ``None`` for none.
Timeout = float | aiohttp.ClientTimeout | None

#: An API key, or a function returning the current one (called before every attempt; a token
#: provider such as Azure's ``get_bearer_token_provider`` caches and refreshes on its own).
ApiKey = str | Callable[[], str] | Callable[[], Awaitable[str]]


# Set by with_raw_response around one call: _request leaves its RawResponse here.
RAW_SINK: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "conversations_sdk_raw_sink", default=None
)


class StreamSink(list[Any]):
    """The sink of ``with_streaming_response``: _request stops after a success's headers and
    leaves ``(live response, request, cast, retries)`` here instead of reading the body."""

    __slots__ = ()


@functools.cache
def _version() -> str:
    # Cached: importlib.metadata costs ~37 ms on first use and ~2 ms per lookup after (bench/README).
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("conversations-sdk")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def to_client_timeout(value: Timeout) -> aiohttp.ClientTimeout:
    """A ``timeout`` setting (the client's or one call's) as aiohttp's, or the error naming it."""
    if value is None:
        return aiohttp.ClientTimeout(total=None)
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    seconds: object = value  # callers' values are not always what the annotation says
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise InvalidRequestError(
            f"`timeout` must be a positive number of seconds, an aiohttp.ClientTimeout or None, "
            f"got {value!r}",
            param="timeout",
            value=repr(value),
            limit="> 0 seconds",
        )
    return aiohttp.ClientTimeout(total=float(value))


def check_max_retries(value: object) -> int:
    """A ``max_retries`` setting (the client's or one call's), checked."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(
            f"`max_retries` must be a non-negative integer, got {value!r}",
            param="max_retries",
            value=repr(value),
            limit=">= 0",
        )
    return value


def _decode_and_cast(
    cast: Callable[[Any, str | None, bool], _T],
    response: Response,
    request_id: str | None,
    strict: bool,
) -> _T:
    return cast(decode_json(response.body, request_id=request_id), request_id, strict)


def attach_request_id(obj: object, request_id: str | None) -> None:
    """Give a structured result its ``_request_id`` (``with_streaming_response`` parses too)."""
    # Models are frozen attrs classes; the models package may declare a hidden `_request_id`
    # slot for this. object.__setattr__ is how attrs itself fills frozen fields.
    try:  # noqa: SIM105 - contextlib.suppress costs ~0.5 µs more on every call (bench/README)
        object.__setattr__(obj, "_request_id", request_id)
    except (AttributeError, TypeError):  # a list or a class without the slot: nothing to attach
        pass


def _check_header_values(headers: Mapping[str, object]) -> None:
    for name, value in headers.items():
        # Three `in` tests, not any() over a generator: ~0.6 µs less per header checked.
        if not isinstance(value, str) or "\r" in value or "\n" in value or "\0" in value:
            # Refused here, naming the header but never its value (it may be the key):
            # aiohttp would raise a bare ValueError, and CR/LF could inject headers.
            raise InvalidRequestError(
                f"header {name!r} must be a string without CR, LF or NUL characters",
                param=f"headers[{name!r}]",
                limit="a single-line string",
            )


@attrs.frozen(kw_only=True)
class ClientOptions:
    """Everything an :class:`AsyncClient` was configured with, environment fallbacks resolved."""

    api_key: ApiKey | None = attrs.field(repr=False)
    base_url: str
    organization: str | None
    project: str | None
    timeout: aiohttp.ClientTimeout
    max_retries: int
    retry: RetryPolicy
    default_headers: Mapping[str, str] = attrs.field(repr=False)
    default_query: Mapping[str, object]
    max_response_size: int
    connection_limit: int
    strict: bool = False


class ClientState(enum.Enum):
    """Where a client is in its life: no call yet, used, or closed (calls refused)."""

    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class Requester:
    """Sends API calls: the request path every resource method goes through.

    The base of :class:`~conversations_sdk.AsyncClient`, which builds the options and the
    transport and owns their lifecycle; this class only reads them.

    Args:
        options: The client's settings, checked and with environment fallbacks resolved.
        transport: What sends each attempt (aiohttp's, or a caller's behind the seam).
        sleep: How to wait between attempts (``asyncio.sleep``, or a transport's own ``sleep``).
    """

    def __init__(
        self,
        options: ClientOptions,
        transport: Transport | UserTransport,
        *,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._options = options
        self._transport = transport
        self._budget = RetryBudget(options.retry.budget, options.retry.budget_refill)
        # A callable api_key: called before each attempt (see _authorize).
        key = options.api_key
        self._key_provider: Callable[[], Any] | None = None if isinstance(key, str) else key
        # The name the caller knows this client by, for messages ("Client" under the facade).
        self._public_name = type(self).__name__
        self._state = ClientState.UNOPENED
        self._user_agent = f"conversations-sdk/{_version()} python"
        self._rng = random.Random()  # noqa: S311 - jitter, not security
        # The headers every request carries, merged and checked once (options never change),
        # and the lower-cased names of default_headers (they override the per-call ones).
        self._fixed_headers: dict[str, str] | None = None
        self._overridden: frozenset[str] = frozenset(
            name.lower() for name in options.default_headers
        )
        # The waits between attempts, chosen by the client once so that the call path never looks.
        self._sleep = sleep

    def _headers(
        self, *, has_body: bool, idempotency_key: str | None, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        if extra:
            # Checked before any local holds the Authorization header, so that no frame of the
            # error (as shown by renderers of traceback locals) does.
            _check_header_values(extra)
        fixed = self._fixed_headers
        if fixed is None:
            fixed = self._fixed_headers = self._build_fixed_headers()
        headers = dict(fixed)
        # The per-call headers go under the user's default_headers, which may override them.
        overridden = self._overridden
        if has_body and "content-type" not in overridden:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None and IDEMPOTENCY_HEADER.lower() not in overridden:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        if extra:
            headers = header_items(headers, extra)
        return headers

    def _build_fixed_headers(self) -> dict[str, str]:
        options = self._options
        if not options.api_key:
            raise InvalidRequestError(
                f"No API key: pass api_key= to {self._public_name} or set the OPENAI_API_KEY "
                "environment variable",
                param="api_key",
                value=None,
                limit="required",
            )
        # Every value is checked before the Authorization header is built, so that no frame of
        # the error holds it; the key's own value is never named.
        _check_header_values(
            {
                "OpenAI-Organization": options.organization or "",
                "OpenAI-Project": options.project or "",
                **options.default_headers,
            }
        )
        if any(c in str(options.api_key) for c in "\r\n\0"):
            raise InvalidRequestError(
                "header 'Authorization' (the api_key) must be a string without CR, LF or NUL "
                "characters",
                param="headers['Authorization']",
                limit="a single-line string",
            )
        base: dict[str, str] = {
            "Authorization": f"Bearer {options.api_key}",
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }
        if self._key_provider is not None:
            # Asked for before each attempt instead (_authorize).
            del base["Authorization"]
        if options.organization:
            base["OpenAI-Organization"] = options.organization
        if options.project:
            base["OpenAI-Project"] = options.project
        return header_items(base, options.default_headers)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        cast: Callable[[Any, str | None, bool], _T],
        query: Iterable[tuple[str, object]] = (),
        body: Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> _T:
        """Send one API call, retrying as the rules allow, and structure the final response.

        Args:
            method: The HTTP method.
            path: The path below the base URL, already encoded by ``_wire.build_path``.
            cast: Turns the decoded JSON (``NO_CONTENT`` for a 204 without a body), the request
                id and the strictness into the result (raising ResponseValidationError).
            query: The method's query parameters, in order.
            body: The method's JSON body, if it has one.
            extra_headers: Headers that override every other header.
            extra_query: Query parameters that override the method's.
            extra_body: Body fields that override the method's.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's retry count, instead of the client's.
            idempotency_key: The key of a POST/DELETE; generated once per call when not given.
            strict: This call's strictness, instead of the client's.

        Returns:
            The structured result. Under ``with_raw_response`` the final response also goes to
            the sink as a :class:`RawResponse`; under ``with_streaming_response`` only the live
            response does, and ``None`` is returned (no body was read).

        Raises:
            ClientClosedError: The client was closed.
            APIStatusError: A non-success status that was not (or no longer) retried.
            APIConnectionError: No response after the last attempt.
            ResponseValidationError: The body did not match the expected shape.
        """
        if self._state is ClientState.CLOSED:
            raise ClientClosedError(f"this {self._public_name} is closed; create a new one")
        options = self._options
        attempt_timeout = (
            options.timeout if isinstance(timeout, NotGiven) else to_client_timeout(timeout)
        )
        retries = (
            options.max_retries
            if isinstance(max_retries, NotGiven)
            else check_max_retries(max_retries)
        )
        key: str | None = None
        if method in ("POST", "DELETE", "PATCH", "PUT"):
            if isinstance(idempotency_key, NotGiven):
                # 128 random bits, as uuid4 gives, at a fifth of its cost (bench/README).
                key = f"conversations-sdk-{os.urandom(16).hex()}"
            else:
                # Only a caller's key can hold CR/LF; ours is hex.
                _check_header_values({IDEMPOTENCY_HEADER: idempotency_key})
                key = idempotency_key
        payload = merge_body(body, extra_body)
        # Most calls have no query at all: skip building (and quoting) an empty one.
        query_string = (
            build_query([*options.default_query.items(), *query], extra_query)
            if query or extra_query or options.default_query
            else ""
        )
        request = Request(
            method=method,
            url=build_url(options.base_url, path, query_string),
            path=path,
            headers=self._headers(
                has_body=payload is not None, idempotency_key=key, extra=extra_headers
            ),
            body=None if payload is None else encode_json(payload),
        )
        self._state = ClientState.OPEN
        # with_raw_response / with_streaming_response only: None on the plain path.
        sink = RAW_SINK.get()
        streaming = sink is not None and type(sink) is StreamSink
        sent = request
        strictness = options.strict if isinstance(strict, NotGiven) else strict

        attempt = 0
        while True:
            attempt += 1
            # Read per attempt (logging may be reconfigured at any time); when INFO is off, the
            # clock reads and the logger calls are skipped.
            log = logger.isEnabledFor(logging.INFO)
            started = time.monotonic() if log or sink is not None else 0.0
            try:
                if self._key_provider is not None:
                    sent = await self._authorize(request)
                if streaming:
                    response: Any = await self._transport.open(sent, timeout=attempt_timeout)
                else:
                    response = await self._transport.send(sent, timeout=attempt_timeout)
            except APIConnectionError as exc:
                if log:
                    logger.info(
                        "%s %s failed: %s (%.1f ms, attempt %d)",
                        method,
                        path,
                        type(exc).__name__,
                        (time.monotonic() - started) * 1000,
                        attempt,
                    )
                if self._state is ClientState.CLOSED:
                    raise ClientClosedError(
                        f"the {self._public_name} was closed during the call"
                    ) from exc
                # Every retryable failure spends budget, the last attempt's too: the budget
                # measures how unhealthy the server is, not how many retries we made.
                if (
                    is_retryable_connection_error(exc)
                    and self._budget.record_failure()
                    and attempt <= retries
                ):
                    await self._sleep_before_retry(attempt, None, method, path)
                    continue
                raise
            request_id = response.request_id
            if log:
                logger.info(
                    "%s %s %d (%.1f ms, attempt %d, request_id=%s)",
                    method,
                    path,
                    response.status,
                    (time.monotonic() - started) * 1000,
                    attempt,
                    request_id,
                )
            if 200 <= response.status < 300:
                self._budget.record_success()
                if streaming:
                    # The body stays on the wire for the caller; nothing is parsed here.
                    def read(body: Any, rid: str | None) -> _T:
                        return cast(body, rid, strictness)

                    sink.append((response, sent, read, attempt - 1))  # type: ignore[union-attr]
                    return None  # type: ignore[return-value]
                if response.status == 204 and not response.body:
                    parsed = cast(NO_CONTENT, request_id, strictness)
                elif len(response.body) > OFF_LOOP_PARSE_BYTES:
                    # Decoding and structuring cost ~0.1 s per MiB of small items: in a worker
                    # thread, so the loop keeps serving every other call meanwhile.
                    parsed = await asyncio.to_thread(
                        _decode_and_cast, cast, response, request_id, strictness
                    )
                else:
                    parsed = cast(
                        decode_json(response.body, request_id=request_id), request_id, strictness
                    )
                attach_request_id(parsed, request_id)
                if sink is not None:
                    sink.append(_full_raw_response(response, sent, parsed, attempt - 1, started))
                return parsed
            error: APIStatusError = make_status_error(response)
            if not is_retryable_status(response.status, response.headers):
                self._budget.record_success()
                raise error
            if self._budget.record_failure() and attempt <= retries:
                delay_hint = retry_after_seconds(response.headers, now=time.time())
                await self._sleep_before_retry(attempt, delay_hint, method, path)
                continue
            raise error

    async def _authorize(self, request: Request) -> Request:
        """The request with a fresh ``Authorization`` from the api_key provider (each attempt)."""
        if any(name.lower() == "authorization" for name in request.headers):
            return request  # the caller set one in default_headers or extra_headers: theirs wins
        provider = self._key_provider
        if provider is None:  # pragma: no cover - checked by the caller
            return request
        key = provider()
        if inspect.isawaitable(key):
            key = await key
        if not isinstance(key, str) or not key:
            # The type only: whatever came back may be a credential in another shape. Dropped
            # from the frame too, so a traceback printed with its locals does not show it.
            kind = type(key).__name__ + (" (empty)" if isinstance(key, str) else "")
            del key
            raise InvalidRequestError(
                f"the api_key provider returned {kind}, not a non-empty str",
                param="api_key",
                value=kind,
                limit="a non-empty str",
            )
        if "\r" in key or "\n" in key or "\0" in key:
            del key  # not in the traceback's locals either
            raise InvalidRequestError(
                "the api_key provider returned a key containing CR, LF or NUL characters",
                param="api_key",
                limit="a single-line string",
            )
        return attrs.evolve(request, headers={"Authorization": f"Bearer {key}", **request.headers})

    async def _sleep_before_retry(
        self, attempt: int, retry_after: float | None, method: str, path: str
    ) -> None:
        delay = self._options.retry.delay(attempt, retry_after, self._rng)
        logger.debug("retrying %s %s in %.3f s (retry %d)", method, path, delay, attempt)
        if delay > 0:
            await self._sleep(delay)


def _full_raw_response(
    response: Any, request: Request, parsed: Any, retries: int, started: float
) -> RawResponse[Any]:
    # with_raw_response only: everything the official SDK's raw response exposes.
    return RawResponse(
        status_code=response.status,
        headers=response.headers,
        request_id=response.request_id,
        parsed=parsed,
        retries_taken=retries,
        http_request=HTTPRequest(
            method=request.method, url=request.url, headers=RequestHeaders(request.headers)
        ),
        content=response.body,
        elapsed=datetime.timedelta(seconds=time.monotonic() - started),
    )
