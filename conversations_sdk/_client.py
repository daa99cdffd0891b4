"""``AsyncClient``: what a user constructs, configures, copies and closes.

This module owns the constructor's checks (settings in range, a ``base_url`` without
credentials, the api_key kept out of reprs and traceback locals), the environment fallbacks
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ...), the choice of transport (aiohttp's, or a caller's
through the seam), the session's lifecycle (``aclose``, ``async with``, the warning for a client
never closed), ``with_options``/``copy``, and the entry points to the resources and to their
``with_raw_response`` / ``with_streaming_response`` views.

It must not build, send, retry or parse requests: that is the request engine,
:class:`~conversations_sdk._requester.Requester`, which ``AsyncClient`` extends. The resources
depend on the engine only, never on this module.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import aiohttp
import attrs

from ._errors import ClientClosedError, InvalidRequestError, UnclosedClientWarning
from ._logging import setup_logging
from ._params import NotGiven
from ._requester import (
    ApiKey,
    ClientOptions,
    ClientState,
    Requester,
    Timeout,
    check_max_retries,
    to_client_timeout,
)
from ._retry import RetryPolicy
from ._seam import AsyncTransport, UserTransport
from ._transport import Transport

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
    "ClientOptions",
    "Timeout",
]


DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"
DEFAULT_MAX_RETRIES: Final = 2
#: The official SDK's defaults: ten minutes per request, five seconds to connect.
DEFAULT_TIMEOUT: Final = aiohttp.ClientTimeout(total=600.0, sock_connect=5.0)
DEFAULT_MAX_RESPONSE_SIZE: Final = 32 * 1024 * 1024
#: The official SDK's pool size; aiohttp's default (100) throttles busy services.
DEFAULT_CONNECTION_LIMIT: Final = 1000

setup_logging()

# Python ignores every ResourceWarning by default, which hid the message saying how to fix a
# forgotten close. Shown unless the user chose warning filters themselves (-W, PYTHONWARNINGS).
if not sys.warnoptions:
    warnings.filterwarnings("default", category=UnclosedClientWarning)


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


class AsyncClient(Requester):
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
        checked_timeout = to_client_timeout(timeout)
        checked_retries = check_max_retries(max_retries)
        # os.environ is read inline, never bound to a local: its repr holds OPENAI_API_KEY.
        base, url_error = _check_base_url(
            base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            from_env=not base_url and bool(os.environ.get("OPENAI_BASE_URL")),
        )
        if url_error is not None:
            base_url = None  # its userinfo must not show among this frame's locals
            raise url_error
        options = ClientOptions(
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
        super().__init__(
            options,
            Transport(
                session,
                connection_limit=connection_limit,
                max_response_size=max_response_size,
                session_factory=session_factory,
            )
            if transport is None
            else UserTransport(transport, max_response_size=max_response_size),
            # A custom transport may supply its own waits between attempts (MockTransport
            # records them instead of waiting).
            sleep=getattr(transport, "sleep", asyncio.sleep),
        )
        # A copy (with_options) keeps its original alive: the original owns the shared pool.
        self._original: AsyncClient | None = None
        self._conversations: AsyncConversations | None = None
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
        return self._state is ClientState.CLOSED

    @property
    def conversations(self) -> AsyncConversations:
        """Create, retrieve, update and delete conversations; ``.items`` for their items."""
        if self._conversations is None:
            # Imported on first use, not to break a cycle (the resources import only the engine)
            # but so that importing AsyncClient does not load the request TypedDicts (~30 ms).
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
        self._state = ClientState.CLOSED
        await self._transport.aclose()

    async def close(self) -> None:
        """The same as :meth:`aclose` (the official SDK's name)."""
        await self.aclose()

    async def __aenter__(self) -> AsyncClient:
        if self._state is ClientState.CLOSED:
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


AsyncClient.__module__ = "conversations_sdk"
