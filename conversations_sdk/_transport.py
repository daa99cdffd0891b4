"""The only module that touches aiohttp: one session, one ``send``, and the exception boundary.

``send`` takes a fully built :class:`~conversations_sdk._wire.Request` and returns a
:class:`~conversations_sdk._wire.Response` whose body is already read, capped in size (after
decompression) and detached from the connection. Every aiohttp or socket exception is translated
here, once, into :class:`APIConnectionError` / :class:`APITimeoutError`; aiohttp's
``ClientResponseError`` (whose repr carries the request headers, ``Authorization`` included) is
never chained. Retries, logging and parsing belong to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TypeVar

import aiohttp
from aiohttp.client_reqrep import ConnectionKey
from yarl import URL

from ._compat import close_connector_now, disable_connection_retry
from ._errors import APIConnectionError, APIError, APITimeoutError
from ._seam import LiveResponse
from ._wire import Request, Response, is_loopback, request_id_of

__all__ = ["AiohttpLiveResponse", "Transport", "is_retryable_connection_error", "proxy_for"]

_T = TypeVar("_T")

# Closing tasks of abandoned sessions, referenced until they finish.
_CLOSING: set[asyncio.Task[None]] = set()


def _close_in_task(session: aiohttp.ClientSession) -> None:
    task = asyncio.get_running_loop().create_task(session.close())
    _CLOSING.add(task)  # a task nobody references may be collected before it runs
    task.add_done_callback(_CLOSING.discard)


# Set on connection errors that another attempt cannot fix (a bad certificate, a malformed URL).
_NO_RETRY = "_conversations_sdk_no_retry"


def is_retryable_connection_error(error: APIConnectionError) -> bool:
    """Whether the retry loop may try again after this connection error."""
    return not getattr(error, _NO_RETRY, False)


def proxy_for(proxies: Mapping[str, str], url: URL) -> str | None:
    """The proxy for a request to ``url``, from ``proxies`` (the environment's, scheme -> proxy).

    ``None`` for a loopback host (even without ``NO_PROXY``: the emulator and test servers are
    never proxied) and for a host ``NO_PROXY`` names; ``proxies`` is empty for a session the caller
    made or passed in, whose own settings apply.
    """
    if not proxies or is_loopback(url.host):
        return None
    proxy = proxies.get(url.scheme)
    if proxy is None or (url.host and urllib.request.proxy_bypass(url.host)):
        return None
    return proxy


def _connection_error(message: str, *, retryable: bool = True) -> APIConnectionError:
    error = APIConnectionError(message)
    if not retryable:
        setattr(error, _NO_RETRY, True)
    return error


def _where(request: Request) -> str:
    # Method and path (IDs, never the query or headers) say which call failed; built only on
    # failure.
    return f"{request.method} {request.path}"


def _describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _translate(exc: BaseException, request: Request) -> APIConnectionError:
    """The SDK error for an aiohttp or socket exception, holding nothing that leads to the key.

    aiohttp's frames hold the request headers (``Authorization`` included) in their locals, and
    ``ClientResponseError.request_info`` holds them as an attribute: a renderer of frame locals
    (``traceback`` with ``capture_locals``, rich, ``pytest -l``, error trackers) would print the
    key. So ``ClientResponseError`` is never chained, and any other cause is chained only after
    :func:`_scrub` has cut every traceback off it and its own chain.
    """
    error: APIConnectionError
    if isinstance(exc, aiohttp.ClientResponseError):
        # Its repr holds request_info, whose headers include Authorization: copy the facts only.
        detail = f": {exc.message}" if exc.message else ""
        return _connection_error(
            f"Connection error on {_where(request)}: {type(exc).__name__} "
            f"(status {exc.status}){detail}"
        )
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, ssl.SSLCertVerificationError)):
        error = _connection_error(
            f"TLS certificate verification failed on {_where(request)}: {_describe(exc)}",
            retryable=False,
        )
    elif isinstance(exc, aiohttp.InvalidURL):
        error = _connection_error(
            f"Invalid URL for {_where(request)}: {_describe(exc)}", retryable=False
        )
    elif isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        error = APITimeoutError(f"Request timed out on {_where(request)}: {_describe(exc)}")
    else:
        error = _connection_error(f"Connection error on {_where(request)}: {_describe(exc)}")
    error.__cause__ = _scrub(exc)
    return error


def _scrub(exc: BaseException) -> BaseException:
    """Make ``exc`` (and everything chained to it) safe to keep as a cause: no frames, no key.

    The exception objects stay (``isinstance(err.__cause__, aiohttp.ClientConnectorError)`` and
    their messages still work); their tracebacks go, because aiohttp's frames hold the request
    headers in their locals. Tracebacks are dropped rather than frames cleared: clearing a frame
    that is still suspended finalises its coroutine on Python < 3.13.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        key = getattr(current, "_conn_key", None)
        if isinstance(key, ConnectionKey) and (
            key.proxy_auth is not None or (key.proxy is not None and key.proxy.user is not None)
        ):
            # The connection key names the proxy with its credentials (from HTTPS_PROXY).
            safe = key._replace(
                proxy=key.proxy.with_user(None) if key.proxy is not None else None,
                proxy_auth=None,
            )
            current._conn_key = safe  # type: ignore[attr-defined]
            current.args = tuple(safe if arg is key else arg for arg in current.args)
        pending += [current.__cause__, current.__context__]
        # Group members, and exceptions kept as arguments (ClientConnectorError's os_error).
        pending += getattr(current, "exceptions", ())
        pending += [arg for arg in current.args if isinstance(arg, BaseException)]
    return exc


class Transport:
    """Owns (or borrows) the ``aiohttp.ClientSession`` and sends requests over it.

    Args:
        session: A caller's session, used as is and never closed here; ``None`` to create one
            lazily, inside the running loop, on the first request.
        connection_limit: Size of the connection pool of a session we create.
        max_response_size: Largest response body accepted, in bytes, after decompression.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        *,
        connection_limit: int,
        max_response_size: int,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        share_with: Transport | None = None,
    ) -> None:
        self._session = session
        self._owns_session = session is None and share_with is None
        self._connection_limit = connection_limit
        self._max_response_size = max_response_size
        self._proxies: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session_factory = session_factory
        # A client's copy (with_options) borrows the original's pool: it never creates or closes it.
        self._share_with = share_with

    @property
    def owns_session(self) -> bool:
        """Whether the session is ours to close."""
        return self._owns_session

    @property
    def has_open_owned_session(self) -> bool:
        """Whether we created a session that is still open (for the ``ResourceWarning``)."""
        return self._owns_session and self._session is not None and not self._session.closed

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session in use, if any has been created or passed in."""
        return self._session

    def _ensure_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None:
            if self._share_with is not None or self._session_factory is not None:
                return self._session_from_elsewhere(loop)
            self._loop = loop
            # Proxies come from the environment like trust_env would read them, but are applied per
            # request by us, so that loopback hosts are never proxied even without NO_PROXY.
            self._proxies = urllib.request.getproxies()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit),
                # An API client has no use for cookies, and a shared jar leaks state across calls.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
            # aiohttp silently resends GET/DELETE once after a dropped connection; our retry loop
            # must be the only one, or the attempt count and the retry budget would be wrong.
            # (A private switch, but ClientSession lists it as settable; callers' sessions keep
            # their behaviour.)
            disable_connection_retry(self._session)
        elif self._owns_session and self._loop is not loop:
            # aiohttp fails obscurely (or hangs) when a session crosses loops; say what happened.
            raise RuntimeError(
                "this AsyncClient's session belongs to another event loop: create the client "
                "inside the loop that uses it (or use the blocking Client)"
            )
        return self._session

    def _session_from_elsewhere(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        shared = self._share_with
        if shared is not None:
            # Not kept: the original client owns the pool and may close it.
            session = shared._ensure_session()
            self._proxies, self._loop = shared._proxies, shared._loop
            return session
        factory = self._session_factory
        if factory is None:  # pragma: no cover - the caller checked
            raise RuntimeError("no session to borrow or make")
        # Called here, on the loop that will use the session (the blocking Client's own thread).
        made = factory()
        if not isinstance(made, aiohttp.ClientSession):
            raise TypeError(
                f"session_factory must return an aiohttp.ClientSession, got {type(made).__name__}"
            )
        # Our retry loop must be the only one (see _ensure_session).
        disable_connection_retry(made)
        self._loop, self._session = loop, made
        return made

    async def send(self, request: Request, *, timeout: aiohttp.ClientTimeout) -> Response:
        """Send one request and read its whole body.

        Args:
            request: The request to send; its URL is already percent-encoded.
            timeout: aiohttp's timeout for this attempt (connect, reads and the body included).

        Returns:
            The status, headers and body.

        Raises:
            APITimeoutError: The attempt timed out.
            APIConnectionError: No usable response (refused, reset, truncated body, TLS failure).
            APIError: The body is larger than ``max_response_size``.
        """
        session = self._ensure_session()
        # encoded=True: _wire already encoded each path segment; re-quoting could undo that.
        url = URL(request.url, encoded=True)
        # headers as they are: aiohttp copies them into its own CIMultiDict and never mutates
        # the mapping it is given, so the Request stays unchanged for the next attempt.
        try:
            async with session.request(
                request.method,
                url,
                headers=request.headers,
                data=request.body,
                allow_redirects=False,
                timeout=timeout,
                proxy=proxy_for(self._proxies, url),
            ) as resp:
                body = await self._read_capped(resp)
                return Response(status=resp.status, headers=resp.headers, body=body)
        except APIError:
            raise
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError, TimeoutError) as exc:
            error = _translate(exc, request)
        # Raised here, outside the except block, so that Python does not set __context__ to
        # aiohttp's exception behind our back (`from None` only hides it from the printout).
        raise error

    async def open(
        self, request: Request, *, timeout: aiohttp.ClientTimeout
    ) -> Response | AiohttpLiveResponse:
        """Send one request and stop after the headers (``with_streaming_response``).

        A success (2xx) comes back as an :class:`AiohttpLiveResponse`, its body still on the wire;
        any other status has its body read (capped) and its connection released, as :meth:`send`
        does, so that the retry loop can decide and the error can carry the body.

        Raises:
            APITimeoutError: The attempt timed out before the headers arrived.
            APIConnectionError: No response (refused, reset, TLS failure).
        """
        session = self._ensure_session()
        url = URL(request.url, encoded=True)
        started = time.monotonic()
        resp = await _guarded(
            session.request(
                request.method,
                url,
                headers=request.headers,
                data=request.body,
                allow_redirects=False,
                timeout=timeout,
                proxy=proxy_for(self._proxies, url),
            ),
            request,
        )
        if 200 <= resp.status < 300:
            return AiohttpLiveResponse(resp, self, request, started)
        try:
            body = await _guarded(self._read_capped(resp), request)
        except BaseException:
            resp.close()  # not drained: the body may be anything (the size cap has closed it)
            raise
        finally:
            resp.release()
        return Response(status=resp.status, headers=resp.headers, body=body)

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        # The request id is looked up only for the error: a success never needs it here.
        cap = self._max_response_size
        declared = resp.content_length
        if declared is not None and not resp.headers.get("Content-Encoding"):
            if declared > cap:
                error = self._too_large(request_id_of(resp.headers))
                resp.close()
                raise error
            # Uncompressed with a length within the cap: aiohttp never reads past Content-Length,
            # so one read() is bounded and skips the per-chunk loop below.
            return await resp.read()
        chunks: list[bytes] = []
        size = 0
        # Chunks arrive decompressed: counting them bounds the memory of a compression bomb too.
        async for chunk in resp.content.iter_any():
            size += len(chunk)
            if size > cap:
                # close(), not release(): draining the rest of a bomb is what we must not do.
                error = self._too_large(request_id_of(resp.headers))
                resp.close()
                raise error
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, request_id: str | None) -> APIError:
        return APIError(
            f"The response body is larger than max_response_size ({self._max_response_size} bytes)",
            request_id=request_id,
        )

    def close_abandoned(self) -> None:
        """Close a session of ours that nobody closed (from ``AsyncClient.__del__``), quietly.

        On the session's own running loop, a task closes it properly. Anywhere else (another
        thread, a stopped or closed loop) nothing can be awaited: the sockets are closed now, as
        aiohttp's own finaliser would, and the session and connector are marked closed so that
        neither prints its "Unclosed ..." dump after the SDK's own warning.
        """
        session, self._session = self._session, None
        if session is None or not self._owns_session or session.closed:
            return
        loop = self._loop
        if loop is not None and asyncio._get_running_loop() is loop:
            _close_in_task(session)
            return
        if loop is not None and loop.is_running():  # collected in another thread
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(_close_in_task, session)
                return
        connector = session.connector
        session.detach()
        if connector is not None:
            close_connector_now(connector)

    async def aclose(self) -> None:
        """Close the session if we created it; a caller's session is left open."""
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()


async def _guarded(step: Awaitable[_T], request: Request) -> _T:
    """Await one step of a streamed response (sending, or reading the body), errors translated.

    Network errors come out as :func:`_translate`'s (nothing in them leads to the key); anything
    else (the size cap's APIError, a cancellation, a bug) propagates unchanged.
    """
    try:
        return await step
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError, TimeoutError) as exc:
        error = _translate(exc, request)
    raise error  # outside the except block: no __context__ from aiohttp


class AiohttpLiveResponse(LiveResponse):
    """A successful response whose body is still on the wire (``with_streaming_response``).

    Reading goes through the same size cap and the same error translation as :meth:`Transport.send`.
    The connection goes back to the pool when the body has been read whole, and is dropped when the
    response is closed before that (draining an unread body could take arbitrarily long).
    """

    __slots__ = ("_request", "_resp", "_transport")

    def __init__(
        self,
        resp: aiohttp.ClientResponse,
        transport: Transport,
        request: Request,
        started: float,
    ) -> None:
        super().__init__(resp.status, resp.headers, started)
        self._resp = resp
        self._transport = transport
        self._request = request

    @property
    def http_version(self) -> str:
        """``HTTP/1.1`` and the like."""
        version = self._resp.version
        return f"HTTP/{version.major}.{version.minor}" if version is not None else "HTTP/1.1"

    async def read(self) -> bytes:
        """Read the whole body (at most ``max_response_size`` bytes) and release the connection."""
        if self.body is None:
            try:
                body = await _guarded(self._transport._read_capped(self._resp), self._request)
            except BaseException:
                self._drop()
                raise
            self._release()
            self.body = body
        return self.body

    async def iter_chunks(self, chunk_size: int | None) -> AsyncIterator[bytes]:
        """Yield the body as it arrives (``chunk_size`` bytes at a time if given), capped in size."""
        self._consumed = True
        cap = self._transport._max_response_size
        size = 0
        content = self._resp.content
        try:
            while chunk := await _guarded(
                content.readany() if chunk_size is None else content.read(chunk_size),
                self._request,
            ):
                size += len(chunk)
                if size > cap:
                    raise self._transport._too_large(self.request_id)
                yield chunk
        except BaseException:
            # A failure, the size cap, or the caller leaving the loop: the rest is not drained.
            self._drop()
            raise
        self._release()

    def close(self) -> None:
        """Release the connection: back to the pool if the body was read, dropped otherwise."""
        if self._elapsed is None:
            if self._resp.content.at_eof():
                self._release()
            else:
                self._drop()

    def _release(self) -> None:
        # The body was read to its end: the connection goes back to the pool.
        self._resp.release()
        self._finish()

    def _drop(self) -> None:
        # The body was not read to its end: the connection is closed, never drained.
        if self._elapsed is None:
            self._resp.close()
            self._finish()
