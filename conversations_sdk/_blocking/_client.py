"""``Client``: the blocking client, its options, and its lifecycle over one :class:`~._runner.Runner`.

A ``Client`` takes :class:`AsyncClient`'s arguments, builds that async client at once (so bad
arguments fail at construction, in the caller's thread) and gives it to a runner, which starts the
loop thread on first use. It owns the user-facing lifecycle: ``with``, :meth:`Client.close`, the
finalizer of a client never closed, ``with_options`` copies sharing the original's thread and pool,
and the settings read without starting the thread. This module must not send requests or run
anything on the loop itself: the methods are the resources' (``_resources.py``), the hop the
runner's.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, NoReturn, ParamSpec

from .._client import AsyncClient
from .._errors import ClientClosedError, InvalidRequestError
from ._resources import ClientWithRawResponse, ClientWithStreamingResponse, Conversations
from ._runner import DerivedRunner, Runner, finalize

if TYPE_CHECKING:
    import aiohttp

    from .._retry import RetryPolicy

__all__ = ["Client"]

_P = ParamSpec("_P")


def _same_parameters_as(
    init: Callable[Concatenate[Any, _P], None],
) -> Callable[[Callable[..., None]], Callable[Concatenate[Any, _P], None]]:
    """Give a ``*args, **kwargs`` ``__init__`` the exact parameters of another, for mypy and help()."""

    def decorate(func: Callable[..., None]) -> Callable[Concatenate[Any, _P], None]:
        func.__signature__ = inspect.signature(init)  # type: ignore[attr-defined]
        return func

    return decorate


class Client:
    """A blocking client for the Conversations API, for scripts, threads and notebooks.

    It takes the same arguments as :class:`AsyncClient` and runs the very same coroutines: a
    ``Client`` owns one event loop thread, started on first use, where its ``AsyncClient`` and that
    client's ``aiohttp`` session live until :meth:`close`. Every method call is one hop onto that
    loop; iterating ``client.conversations.items.list(...)`` is one hop per page. One client may be
    shared by any number of threads, and works inside a running event loop (a notebook cell).

    Use it as ``with Client() as client: ...``; a client never closed is closed when it is garbage
    collected or the interpreter exits.

    Args:
        api_key: The API key; defaults to ``OPENAI_API_KEY``. May be a function returning it,
            called before every attempt (on this client's loop thread: cache if it is slow).
        base_url: The API root; defaults to ``OPENAI_BASE_URL``, then ``https://api.openai.com/v1``.
        organization: Sent as ``OpenAI-Organization``; defaults to ``OPENAI_ORG_ID``.
        project: Sent as ``OpenAI-Project``; defaults to ``OPENAI_PROJECT_ID``.
        timeout: Per-attempt timeout in seconds, an ``aiohttp.ClientTimeout``, or ``None``.
        max_retries: Retries after the first attempt of each call (default 2).
        retry: Backoff and retry-budget settings; ``RetryPolicy.no_backoff()`` in tests.
        default_headers: Headers added to every request.
        default_query: Query parameters added to every request.
        session: Not supported here: a session belongs to the loop it was made on, and this
            client's loop is private. Use ``session_factory`` instead.
        max_response_size: Largest response body accepted, in bytes (default 32 MiB).
        connection_limit: Connection pool size (default 1000).
        strict: Raise ``ResponseValidationError`` for a response that does not match the spec,
            instead of reading it leniently (see :class:`AsyncClient`).
        session_factory: A function returning an ``aiohttp.ClientSession`` (proxy, TLS, connector
            limits); called once, on this client's own loop thread, at the first request. The
            session it returns is this client's and is closed with it.
        http_client: Not supported (the official SDK's httpx client): raises, naming what to use.
        transport: Any :class:`AsyncTransport` (such as ``conversations_sdk.testing.MockTransport``)
            to send requests through instead of aiohttp; called on this client's loop thread.

    Raises:
        InvalidRequestError: A setting is out of range, or ``session`` was given.
    """

    __slots__ = ("__weakref__", "_conversations", "_finalizer", "_original", "_runner")

    @_same_parameters_as(AsyncClient.__init__)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            _refuse_foreign_http(kwargs)
            # Built here, in the caller's thread, so bad arguments fail at construction as they
            # do for AsyncClient; it opens its session lazily, later, on the loop thread.
            client = _blocking_async_client(*args, **kwargs)
        except BaseException:
            # These locals hold the API key (and the URL): not for renderers of traceback locals.
            args, kwargs = (), {}
            raise
        self._runner = Runner(functools.partial(_blocking_async_client, *args, **kwargs), client)
        self._conversations = Conversations(self._runner, ("conversations",))
        self._finalizer = weakref.finalize(self, finalize, self._runner)
        self._original: Client | None = None

    def copy(
        self,
        *,
        set_default_headers: Mapping[str, str] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        **overrides: Any,
    ) -> Client:
        """A new client with some options changed, sharing this client's loop thread and pool.

        Any constructor argument may be overridden (``api_key``, ``base_url``, ``timeout``,
        ``max_retries``, ``retry``, ...); the others are this client's. ``default_headers`` and
        ``default_query`` are merged over this client's; ``set_default_headers`` and
        ``set_default_query`` replace them, as in the official SDK. This client is unchanged.
        Closing the copy does not close the pool or stop the loop; closing this client does.

        Example: ``client.with_options(timeout=5, max_retries=0).conversations.retrieve(cid)``

        Raises:
            InvalidRequestError: An unknown option, an option out of range, or a setting of the
                shared pool (``connection_limit``, ``session_factory``, ``session``).
            ValueError: Both ``default_headers`` and ``set_default_headers`` (or both query forms).
        """
        _refuse_foreign_http(overrides)
        for name in ("session_factory",):
            if name in overrides:
                raise InvalidRequestError(
                    f"`{name}` belongs to the connection pool, which a copy shares with the "
                    "original; create a new Client instead",
                    param=name,
                    limit="not changeable in a copy",
                )

        def derive(original: AsyncClient) -> AsyncClient:
            return original._copy(set_default_headers, set_default_query, dict(overrides))

        # Derived now, in the caller's thread, so bad options fail here rather than at first use.
        first = derive(self._async_client)
        copy = Client.__new__(Client)
        copy._runner = DerivedRunner(self._runner, derive, first)
        copy._conversations = Conversations(copy._runner, ("conversations",))
        copy._finalizer = weakref.finalize(copy, _no_op, copy._runner)
        # The copy keeps its original alive: the original owns the loop thread and the pool.
        copy._original = self._original or self
        return copy

    #: ``client.with_options(timeout=10).conversations.create(...)``: the same as :meth:`copy`.
    with_options = copy

    def __repr__(self) -> str:
        return f"<Client base_url={self.base_url!r}{' closed' if self.is_closed else ''}>"

    def __getstate__(self) -> object:
        # A client holds a live loop thread, a session and the API key: none may travel in a pickle.
        raise TypeError("cannot pickle 'Client' objects")

    @property
    def conversations(self) -> Conversations:
        """Create, retrieve, update and delete conversations; ``.items`` for their items."""
        return self._conversations

    @property
    def with_raw_response(self) -> ClientWithRawResponse:
        """The same API, each call returning a ``RawResponse`` (status, headers, request id)."""
        return ClientWithRawResponse(self._runner, ())

    @property
    def with_streaming_response(self) -> ClientWithStreamingResponse:
        """The same API, each call a context manager giving the response before its body is read."""
        return ClientWithStreamingResponse(self._runner, ())

    @property
    def base_url(self) -> str:
        """The API root every path is appended to."""
        return self._async_client.base_url

    @property
    def max_retries(self) -> int:
        """Default number of retries per call."""
        return self._async_client.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff and budget settings in use."""
        return self._async_client.retry_policy

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        """Default per-attempt timeout."""
        return self._async_client.timeout

    @property
    def strict(self) -> bool:
        """Whether responses that do not match the spec raise (instead of being read leniently)."""
        return self._async_client.strict

    @property
    def _async_client(self) -> AsyncClient:
        # Settings are read from the async client without starting the loop thread.
        client: AsyncClient = self._runner.peek_client()
        return client

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._runner.closed

    def close(self) -> None:
        """Close the session and stop the loop thread. Idempotent.

        Calls still in flight in other threads end with :class:`ClientClosedError`.

        Raises:
            RuntimeError: Called from the client's own loop thread, where it would deadlock.
        """
        self._runner.close()
        self._finalizer.detach()

    def __enter__(self) -> Client:
        if self._runner.closed:
            raise ClientClosedError("this Client is closed; create a new one")
        self._runner.client()  # start the loop thread now rather than inside the first call
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> NoReturn:
        raise TypeError(
            "the blocking Client is entered with a plain `with Client() as client:`; "
            "`async with` is for conversations_sdk.AsyncClient"
        )

    async def __aexit__(self, *exc_info: object) -> None:  # pragma: no cover
        return None


def _no_op(runner: Runner) -> None:
    """A copy's finalizer: the original owns the loop thread and the pool."""


def _refuse_foreign_http(kwargs: Mapping[str, Any]) -> None:
    if kwargs.get("http_client") is not None:
        raise InvalidRequestError(
            "`http_client` is the official SDK's httpx client; this SDK uses aiohttp: pass "
            "session_factory=<a function returning an aiohttp.ClientSession> to Client (it is "
            "called on the client's own loop thread) for proxies, TLS and connection limits",
            param="http_client",
            value=type(kwargs["http_client"]).__name__,
            limit="not supported: use session_factory=",
        )
    if kwargs.get("session") is not None:
        raise InvalidRequestError(
            "the blocking Client cannot use a session you created: an aiohttp session belongs "
            "to the event loop it was made on, and this client runs its own loop thread; pass "
            "session_factory=<a function returning an aiohttp.ClientSession> instead (it is "
            "called on that thread), or give the session to AsyncClient",
            param="session",
            value=type(kwargs["session"]).__name__,
            limit="not supported by Client: use session_factory=",
        )


def _blocking_async_client(*args: Any, **kwargs: Any) -> AsyncClient:
    """The AsyncClient a Client drives, speaking of ``Client`` in its messages."""
    try:
        client = AsyncClient(*args, **kwargs)
    except BaseException:
        # These locals hold the API key (and the URL): not for renderers of traceback locals.
        args, kwargs = (), {}
        raise
    client._public_name = "Client"
    return client


Client.__module__ = "conversations_sdk"
