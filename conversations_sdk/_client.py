"""``AsyncClient``: configuration, the session's lifecycle, and the retry loop every call goes through.

A resource method checks its parameters, then calls :meth:`AsyncClient._request` with a method,
a path and a body; this module builds the request once (``_wire``), sends it through the
transport as many times as the retry rules and the retry budget allow, and structures the final
answer. The idempotency key of a POST or DELETE is generated here, once per call, so every
attempt of that call carries the same key.
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
import sys
import time
import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

import aiohttp
import attrs

from ._converter import NO_CONTENT
from ._errors import (
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    InvalidRequestError,
    UnclosedClientWarning,
)
from ._logging import logger, setup_logging
from ._params import NOT_GIVEN, NotGiven
from ._retry import RetryBudget, RetryPolicy
from ._seam import AsyncTransport, UserTransport
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

if TYPE_CHECKING:
    from ._resources.conversations import (
        AsyncConversations,
        AsyncConversationsWithRawResponse,
        AsyncConversationsWithStreamingResponse,
    )

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECTION_LIMIT",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "AsyncClient",
    "Timeout",
]

_T = TypeVar("_T")

DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"
DEFAULT_MAX_RETRIES: Final = 2
#: The official SDK's defaults: ten minutes per request, five seconds to connect.
DEFAULT_TIMEOUT: Final = aiohttp.ClientTimeout(total=600.0, sock_connect=5.0)
DEFAULT_MAX_RESPONSE_SIZE: Final = 32 * 1024 * 1024
#: The official SDK's pool size; aiohttp's default (100) throttles busy services.
DEFAULT_CONNECTION_LIMIT: Final = 1000

#: Response bodies larger than this are decoded and structured in a worker thread, off the event
#: loop (a 100-item page of ordinary messages is ~30 KiB; 256 KiB of tiny items takes ~25 ms).
OFF_LOOP_PARSE_BYTES: Final = 256 * 1024

#: A timeout in seconds (the whole request), an ``aiohttp.ClientTimeout``, or ``None`` for none.
Timeout = float | aiohttp.ClientTimeout | None

#: An API key, or a function returning the current one (called before every attempt; a token
#: provider such as Azure's ``get_bearer_token_provider`` caches and refreshes on its own).
ApiKey = str | Callable[[], str] | Callable[[], Awaitable[str]]

setup_logging()

# Python ignores every ResourceWarning by default, which hid the message saying how to fix a
# forgotten close. Shown unless the user chose warning filters themselves (-W, PYTHONWARNINGS).
if not sys.warnoptions:
    warnings.filterwarnings("default", category=UnclosedClientWarning)

# Set by with_raw_response around one call: _request leaves its RawResponse here.
_RAW_SINK: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "conversations_sdk_raw_sink", default=None
)


class _StreamSink(list[Any]):
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


def _to_client_timeout(value: Timeout) -> aiohttp.ClientTimeout:
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


def _check_max_retries(value: object) -> int:
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


def _warn_unclosed(
    transport: Transport | UserTransport, name: str, created_at: tuple[str, int, str]
) -> None:
    if transport.has_open_owned_session:
        # Closed first: should the warning be turned into an error (-W error), nothing leaks.
        transport.close_abandoned()
        filename, lineno, module = created_at
        warnings.warn_explicit(
            f"{name} was not closed: use `async with {name}() as client:` or "
            "`await client.aclose()` (this is the line that created it; the SDK has closed its "
            "connections for you)",
            UnclosedClientWarning,
            filename,
            lineno,
            module=module,
        )


def _attach_request_id(obj: object, request_id: str | None) -> None:
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


@attrs.frozen
class _HiddenKey:
    """An API key on its way into ClientOptions, with a repr that never shows it."""

    value: ApiKey | None = attrs.field(repr=False)


def _check_base_url(value: str, *, from_env: bool) -> tuple[str, InvalidRequestError | None]:
    """The base URL without its trailing slash, or the error for one that carries ``user:pass@``.

    aiohttp would fail every call with a bare ValueError, and the password would show in the
    client's repr. The error shows the URL with its userinfo masked. It is returned, not raised,
    so the caller can drop its own locals holding the URL before raising it.
    """
    scheme, sep, rest = str(value).partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0] if sep else ""
    if "@" not in authority:
        return str(value).rstrip("/"), None
    masked = f"{scheme}://***@{authority.rpartition('@')[2]}"
    where = "OPENAI_BASE_URL" if from_env else "`base_url`"
    return "", InvalidRequestError(
        f"{where} must not contain a user name or password (`user:pass@`), got {masked}/...; "
        "the API key goes in api_key (or OPENAI_API_KEY), other credentials in default_headers",
        param="base_url",
        value=masked,
        limit="no userinfo in the URL",
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


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class AsyncClient:
    """An asyncio client for the Conversations API.

    One ``aiohttp.ClientSession`` is created lazily, inside the running loop, and reused by every
    call. Close the client with ``async with AsyncClient() as client:`` or ``await client.aclose()``.

    Args:
        api_key: The API key; defaults to ``OPENAI_API_KEY``. A missing key is reported at the
            first request. May be a function returning the key (sync, or async), called before
            every attempt: a token provider such as Azure's ``get_bearer_token_provider``.
        base_url: The API root; defaults to ``OPENAI_BASE_URL``, then ``https://api.openai.com/v1``.
        organization: Sent as ``OpenAI-Organization``; defaults to ``OPENAI_ORG_ID``.
        project: Sent as ``OpenAI-Project``; defaults to ``OPENAI_PROJECT_ID``.
        timeout: Per-attempt timeout: seconds for the whole request, an ``aiohttp.ClientTimeout``,
            or ``None`` for no timeout. Default: 600 s, 5 s to connect.
        max_retries: Retries after the first attempt of each call (default 2).
        retry: Backoff and retry-budget settings; ``RetryPolicy.no_backoff()`` in tests.
        default_headers: Headers added to every request.
        default_query: Query parameters added to every request.
        session: An ``aiohttp.ClientSession`` to use; it is never closed by this client.
        max_response_size: Largest response body accepted, in bytes, after decompression
            (default 32 MiB).
        connection_limit: Connection pool size of the session this client creates (default 1000).
        strict: Raise :class:`ResponseValidationError` for any response that does not match the
            spec. Off by default: a JSON object body never fails a call because of a field's
            value; what does not fit is kept as sent and listed in ``validation_issues``. Each
            method also takes ``strict=`` for one call.
        session_factory: A function returning the ``aiohttp.ClientSession`` to use (proxy, TLS,
            connector limits), called once inside the running loop at the first request; the
            client owns that session and closes it.
        http_client: Not supported (the official SDK's httpx client): raises, naming ``session``
            and ``session_factory``.
        transport: Any :class:`AsyncTransport` to send requests through instead of aiohttp, such
            as :class:`conversations_sdk.testing.MockTransport` in tests. Retries, errors, size
            cap and parsing work as over sockets; if it has an ``async sleep(seconds)`` method,
            the waits between retries go through it. Never closed by the client; copies share
            it. Exclusive with ``session`` and ``session_factory``.

    Raises:
        InvalidRequestError: A setting is out of range, or ``http_client`` was given.
    """

    def __init__(
        self,
        api_key: ApiKey | None = None,
        *,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        session: aiohttp.ClientSession | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        connection_limit: int = DEFAULT_CONNECTION_LIMIT,
        strict: bool = False,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        http_client: None = None,
        transport: AsyncTransport | None = None,
    ) -> None:
        # The key leaves this frame's locals first: renderers of traceback locals (capture_locals,
        # rich, error trackers) would show it for any error raised below, e.g. a bad timeout.
        given_key, api_key = _HiddenKey(api_key), None
        if http_client is not None:
            raise InvalidRequestError(
                f"`http_client` is the official SDK's httpx client; {type(self).__name__} uses "
                "aiohttp: pass session=aiohttp.ClientSession(...) (AsyncClient only) or "
                "session_factory=<a function returning an aiohttp.ClientSession> for proxies, "
                "TLS and connection limits",
                param="http_client",
                value=type(http_client).__name__,
                limit="not supported: use session= or session_factory=",
            )
        if session is not None and session_factory is not None:
            raise InvalidRequestError(
                "pass either `session` or `session_factory`, not both",
                param="session_factory",
                limit="exclusive with session",
            )
        if transport is not None and (session is not None or session_factory is not None):
            raise InvalidRequestError(
                "pass either `transport` or `session`/`session_factory`, not both",
                param="transport",
                limit="exclusive with session and session_factory",
            )
        if given_key.value is not None and not (
            isinstance(given_key.value, str) or callable(given_key.value)
        ):
            raise InvalidRequestError(
                f"`api_key` must be a str or a function returning one, got {type(given_key.value).__name__}",
                param="api_key",
                value=type(given_key.value).__name__,
                limit="str or callable",
            )
        if isinstance(max_response_size, bool) or max_response_size <= 0:
            raise InvalidRequestError(
                f"`max_response_size` must be a positive number of bytes, got {max_response_size!r}",
                param="max_response_size",
                value=repr(max_response_size),
                limit="> 0",
            )
        if isinstance(connection_limit, bool) or connection_limit < 0:
            raise InvalidRequestError(
                f"`connection_limit` must be >= 0 (0 means unlimited), got {connection_limit!r}",
                param="connection_limit",
                value=repr(connection_limit),
                limit=">= 0",
            )
        checked_timeout = _to_client_timeout(timeout)
        checked_retries = _check_max_retries(max_retries)
        # os.environ is read inline, never bound to a local: its repr holds OPENAI_API_KEY.
        base, url_error = _check_base_url(
            base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            from_env=not base_url and bool(os.environ.get("OPENAI_BASE_URL")),
        )
        if url_error is not None:
            base_url = None  # its userinfo must not show among this frame's locals
            raise url_error
        self._options = ClientOptions(
            api_key=given_key.value or os.environ.get("OPENAI_API_KEY") or None,
            base_url=base,
            organization=organization or os.environ.get("OPENAI_ORG_ID") or None,
            project=project or os.environ.get("OPENAI_PROJECT_ID") or None,
            timeout=checked_timeout,
            max_retries=checked_retries,
            retry=retry if retry is not None else RetryPolicy(),
            default_headers=dict(default_headers or {}),
            default_query=dict(default_query or {}),
            max_response_size=max_response_size,
            connection_limit=connection_limit,
            strict=bool(strict),
        )
        self._budget = RetryBudget(self._options.retry.budget, self._options.retry.budget_refill)
        self._transport: Transport | UserTransport = (
            Transport(
                session,
                connection_limit=connection_limit,
                max_response_size=max_response_size,
                session_factory=session_factory,
            )
            if transport is None
            else UserTransport(transport, max_response_size=max_response_size)
        )
        # A callable api_key: called before each attempt (see _authorize).
        key = self._options.api_key
        self._key_provider: Callable[[], Any] | None = None if isinstance(key, str) else key
        # The name the caller knows this client by, for messages ("Client" under the facade).
        self._public_name = type(self).__name__
        # A copy (with_options) keeps its original alive: the original owns the shared pool.
        self._original: AsyncClient | None = None
        self._state = _State.UNOPENED
        self._user_agent = f"conversations-sdk/{_version()} python"
        self._rng = random.Random()  # noqa: S311 - jitter, not security
        self._conversations: AsyncConversations | None = None
        # The headers every request carries, merged and checked once (options never change),
        # and the lower-cased names of default_headers (they override the per-call ones).
        self._fixed_headers: dict[str, str] | None = None
        self._overridden: frozenset[str] = frozenset(
            name.lower() for name in self._options.default_headers
        )
        # The waits between attempts; a custom transport may supply its own (MockTransport records
        # them instead of waiting), chosen here once so that the call path never looks.
        self._sleep: Callable[[float], Awaitable[None]] = getattr(transport, "sleep", asyncio.sleep)
        # A finalizer, not __del__: it keeps the transport (and so the session) reachable, so the
        # garbage collector cannot finalize aiohttp's session in the same pass as this client
        # and print its raw "Unclosed client session" dump before our own warning closes it.
        # The warning points at the line that created the client (one frame lookup, ~0.1 µs).
        caller = sys._getframe(1)
        self._finalizer = weakref.finalize(
            self,
            _warn_unclosed,
            self._transport,
            type(self).__name__,
            (caller.f_code.co_filename, caller.f_lineno, caller.f_globals.get("__name__", "")),
        )  # also at interpreter exit, where aiohttp's finalizers would print their dump
        del caller

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} base_url={self.base_url!r} state={self._state.value}>"
            if hasattr(self, "_state")  # a frame of a failed __init__ shows it half-built
            else f"<{type(self).__name__} (not constructed)>"
        )

    def __getstate__(self) -> object:
        # A client holds a live session and the API key: neither may travel in a pickle.
        raise TypeError(f"cannot pickle {type(self).__name__!r} objects")

    def copy(
        self,
        *,
        set_default_headers: Mapping[str, str] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        **overrides: Any,
    ) -> AsyncClient:
        """A new client with some options changed, sharing this client's connection pool.

        Any constructor argument may be overridden (``api_key``, ``base_url``, ``timeout``,
        ``max_retries``, ``retry``, ...); the others are this client's. ``default_headers`` and
        ``default_query`` are merged over this client's; ``set_default_headers`` and
        ``set_default_query`` replace them instead, as in the official SDK. This client is left
        unchanged. The copy uses this client's session (or ``session=``, if given): closing the
        copy does not close the pool, closing this client does.

        Example: ``await client.with_options(timeout=5, max_retries=0).conversations.retrieve(cid)``

        Raises:
            InvalidRequestError: An unknown option, an option out of range, or a setting that
                belongs to the shared pool (``connection_limit``, ``session_factory``) without
                ``session=``.
            ValueError: Both ``default_headers`` and ``set_default_headers`` (or both query forms).
        """
        return self._copy(set_default_headers, set_default_query, overrides)

    #: ``client.with_options(timeout=10).conversations.create(...)``: the same as :meth:`copy`.
    with_options = copy

    def _copy(
        self,
        set_default_headers: Mapping[str, str] | None,
        set_default_query: Mapping[str, object] | None,
        overrides: dict[str, Any],
    ) -> AsyncClient:
        if overrides.get("default_headers") is not None and set_default_headers is not None:
            raise ValueError(
                "The `default_headers` and `set_default_headers` arguments are mutually exclusive"
            )
        if overrides.get("default_query") is not None and set_default_query is not None:
            raise ValueError(
                "The `default_query` and `set_default_query` arguments are mutually exclusive"
            )
        accepted = inspect.signature(type(self).__init__).parameters
        for name in overrides:
            if name not in accepted or name == "self":
                raise InvalidRequestError(
                    f"{self._public_name}.copy() got an unknown option {name!r}",
                    param=name,
                    limit="a constructor argument",
                )
        for name in ("connection_limit", "session_factory"):
            if name in overrides and overrides.get("session") is None:
                raise InvalidRequestError(
                    f"`{name}` belongs to the connection pool, which a copy shares with the "
                    f"original; create a new {self._public_name} instead",
                    param=name,
                    limit="not changeable in a copy",
                )
        # Every option the original was built with (generically, so new options come along),
        # then the overrides; None means "keep" for the options the official SDK treats so.
        kwargs: dict[str, Any] = {
            name: value
            for name, value in attrs.asdict(self._options, recurse=False).items()
            if name in accepted
        }
        for name, value in overrides.items():
            if isinstance(value, NotGiven):
                continue  # the official SDK's "keep" (timeout=NOT_GIVEN, max_retries=NOT_GIVEN)
            if name in ("default_headers", "default_query"):
                if value is not None:
                    kwargs[name] = {**kwargs[name], **value}
            elif value is not None or name == "timeout":  # timeout=None: no timeout
                kwargs[name] = value
        if set_default_headers is not None:
            kwargs["default_headers"] = dict(set_default_headers)
        if set_default_query is not None:
            kwargs["default_query"] = dict(set_default_query)
        own_session = overrides.get("session")
        kwargs["session"] = own_session
        inherited = self._transport if isinstance(self._transport, UserTransport) else None
        if inherited is not None and own_session is None and kwargs.get("transport") is None:
            # A caller's transport is shared like the pool (the size cap may differ).
            kwargs["transport"] = inherited.inner
        copy = type(self)(**kwargs)
        copy._public_name = self._public_name
        copy._sleep = self._sleep
        if (
            own_session is None
            and kwargs.get("transport") is None
            and isinstance(self._transport, Transport)
        ):
            copy._transport = Transport(
                None,
                connection_limit=self._options.connection_limit,
                max_response_size=copy._options.max_response_size,
                share_with=self._transport,
            )
            copy._original = self._original or self
        return copy

    @property
    def base_url(self) -> str:
        """The API root every path is appended to."""
        return self._options.base_url

    @property
    def max_retries(self) -> int:
        """Default number of retries per call."""
        return self._options.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff and budget settings in use."""
        return self._options.retry

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        """Default per-attempt timeout."""
        return self._options.timeout

    @property
    def strict(self) -> bool:
        """Whether responses that do not match the spec raise (instead of being read leniently)."""
        return self._options.strict

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`aclose` has been called."""
        return self._state is _State.CLOSED

    @property
    def conversations(self) -> AsyncConversations:
        """Create, retrieve, update and delete conversations; ``.items`` for their items."""
        if self._conversations is None:
            from ._resources.conversations import AsyncConversations

            self._conversations = AsyncConversations(self)
        return self._conversations

    @property
    def with_raw_response(self) -> _ClientWithRawResponse:
        """The same API, each call returning a :class:`RawResponse` (status, headers, request id)."""
        return _ClientWithRawResponse(self)

    @property
    def with_streaming_response(self) -> _ClientWithStreamingResponse:
        """The same API, each call a context manager giving the response before its body is read."""
        return _ClientWithStreamingResponse(self)

    async def aclose(self) -> None:
        """Close the session this client created (a session passed in stays open). Idempotent.

        A copy (:meth:`with_options`) never closes the pool it shares with its original.
        """
        self._state = _State.CLOSED
        await self._transport.aclose()

    async def close(self) -> None:
        """The same as :meth:`aclose` (the official SDK's name)."""
        await self.aclose()

    async def __aenter__(self) -> AsyncClient:
        if self._state is _State.CLOSED:
            raise ClientClosedError(f"this {self._public_name} is closed; create a new one")
        return self

    def __enter__(self) -> None:
        raise TypeError(
            f"{type(self).__name__} is asynchronous: write `async with {type(self).__name__}() as "
            "client:`, or use the blocking conversations_sdk.Client with `with`"
        )

    def __exit__(self, *exc_info: object) -> None:  # pragma: no cover - __enter__ always raises
        return None

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- the request path ------------------------------------------------------------------------

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
    ) -> RawResponse[_T]:
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
            The final response with its structured object.

        Raises:
            ClientClosedError: The client was closed.
            APIStatusError: A non-success status that was not (or no longer) retried.
            APIConnectionError: No response after the last attempt.
            ResponseValidationError: The body did not match the expected shape.
        """
        if self._state is _State.CLOSED:
            raise ClientClosedError(f"this {self._public_name} is closed; create a new one")
        options = self._options
        attempt_timeout = (
            options.timeout if isinstance(timeout, NotGiven) else _to_client_timeout(timeout)
        )
        retries = (
            options.max_retries
            if isinstance(max_retries, NotGiven)
            else _check_max_retries(max_retries)
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
        self._state = _State.OPEN
        # with_raw_response / with_streaming_response only: None on the plain path.
        sink = _RAW_SINK.get()
        streaming = sink is not None and type(sink) is _StreamSink
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
                if self._state is _State.CLOSED:
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
                    return RawResponse(
                        status_code=response.status,
                        headers=response.headers,
                        request_id=request_id,
                        parsed=None,  # type: ignore[arg-type]
                    )
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
                _attach_request_id(parsed, request_id)
                if sink is not None:
                    raw = _full_raw_response(response, sent, parsed, attempt - 1, started)
                    sink.append(raw)
                    return raw
                return RawResponse(
                    status_code=response.status,
                    headers=response.headers,
                    request_id=request_id,
                    parsed=parsed,
                    retries_taken=attempt - 1,
                )
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


class _ClientWithRawResponse:
    """``client.with_raw_response``: the resources, each call returning a RawResponse."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    @property
    def conversations(self) -> AsyncConversationsWithRawResponse:
        """``client.conversations`` returning :class:`RawResponse` objects."""
        return self._client.conversations.with_raw_response


class _ClientWithStreamingResponse:
    """``client.with_streaming_response``: the resources, each call a response context manager."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    @property
    def conversations(self) -> AsyncConversationsWithStreamingResponse:
        """``client.conversations`` returning streamed responses."""
        return self._client.conversations.with_streaming_response


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


AsyncClient.__module__ = "conversations_sdk"
