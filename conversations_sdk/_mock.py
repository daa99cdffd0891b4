"""``MockTransport``: a transport that answers from a function, for fast unit tests.

It sits below the seam (``_seam.AsyncTransport``), so everything above it runs as over sockets:
retries and their backoff, idempotency keys, status errors, request ids, the size cap, parsing,
raw and streamed responses. It does no I/O and never imports a test framework.
"""

from __future__ import annotations

import asyncio
import inspect
import json as _json
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import aiohttp
import anyio
from multidict import CIMultiDict, CIMultiDictProxy

from ._errors import APIConnectionError, APIError, APITimeoutError
from ._seam import TransportRequest
from ._wire import RequestHeaders, Response

__all__ = ["MockHandler", "MockRequest", "MockResponse", "MockTransport"]

_ABSENT: Any = object()


class MockRequest:
    """The request a :class:`MockTransport` handler receives (one per attempt).

    Attributes:
        method: ``GET``, ``POST``, ``DELETE``...
        url: The absolute URL as sent, query included (percent-encoded).
        path: The URL's path (``/v1/conversations/conv_123``), without the query.
        params: The query parameters, decoded (the last value of a repeated name).
        headers: Case-insensitive headers; the repr masks ``Authorization``.
        content: The body as bytes (``b""`` when there is none).
    """

    __slots__ = ("content", "headers", "method", "params", "path", "url")

    def __init__(self, request: TransportRequest) -> None:
        self.method = request.method
        self.url = request.url
        split = urllib.parse.urlsplit(request.url)
        self.path = urllib.parse.unquote(split.path)
        self.params = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        self.headers = RequestHeaders(request.headers)
        self.content = request.body or b""

    def json(self) -> Any:
        """The body decoded as JSON (``None`` when there is no body)."""
        return _json.loads(self.content) if self.content else None

    def __repr__(self) -> str:
        return f"<MockRequest {self.method} {self.url}>"


class MockResponse:
    """What a :class:`MockTransport` handler returns.

    Args:
        status_code: The HTTP status (default 200).
        json: A body to send as JSON (``Content-Type: application/json`` is added unless given).
        content: A body to send as bytes (or ``str``, sent as UTF-8), exactly as given.
        headers: Response headers, e.g. ``{"x-request-id": "req_1", "retry-after-ms": "10"}``.

    Raises:
        TypeError: Both ``json`` and ``content`` were given.
    """

    __slots__ = ("content", "headers", "status_code")

    def __init__(
        self,
        status_code: int = 200,
        *,
        json: Any = _ABSENT,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        if json is not _ABSENT and content is not None:
            raise TypeError("MockResponse takes `json` or `content`, not both")
        self.status_code = status_code
        merged: CIMultiDict[str] = CIMultiDict(headers or ())
        if json is not _ABSENT:
            content = _json.dumps(json).encode()
            merged.setdefault("Content-Type", "application/json")
        elif isinstance(content, str):
            content = content.encode()
        #: The response headers (case-insensitive).
        self.headers: CIMultiDictProxy[str] = CIMultiDictProxy(merged)
        #: The body as bytes.
        self.content: bytes = content or b""

    def __repr__(self) -> str:
        return f"<MockResponse [{self.status_code}]>"


#: A handler: takes the request, returns (or, if async, resolves to) the response.
MockHandler = Callable[[MockRequest], MockResponse | Awaitable[MockResponse]]


class MockTransport:
    """A transport that answers each attempt by calling ``handler(request)``.

    Pass it as ``AsyncClient(transport=MockTransport(handler))`` (or to ``Client``). The handler
    may be a plain function or a coroutine function. To simulate failures, it may raise:

    - :class:`~conversations_sdk.APIConnectionError` (or any ``OSError``, such as
      ``ConnectionResetError``, which becomes one): no response; retried like a refused socket.
    - :class:`~conversations_sdk.APITimeoutError` (or ``TimeoutError``): the attempt timed out.

    An async handler that runs longer than the attempt's timeout is cancelled and the attempt
    fails with :class:`~conversations_sdk.APITimeoutError`, as over a socket (a plain function
    cannot be interrupted). Any other exception (a failed assertion in the handler) reaches the
    caller unchanged and is not retried.

    The client's waits between retries (backoff, ``Retry-After``) go through :meth:`sleep`,
    which records them in :attr:`delays` and returns at once: a test of the retry path runs
    in no time and can assert the waits the client chose.

    Args:
        handler: Called once per attempt with a :class:`MockRequest`; returns a
            :class:`MockResponse`.

    Attributes:
        requests: Every request the handler received, in order (retries included).
        delays: Every wait between attempts the client asked for, in seconds, in order.
    """

    def __init__(
        self, handler: Callable[[MockRequest], MockResponse | Awaitable[MockResponse]]
    ) -> None:
        self.handler = handler
        self.requests: list[MockRequest] = []
        self.delays: list[float] = []

    async def sleep(self, seconds: float) -> None:
        """Record a wait between retries instead of waiting (the loop still runs other tasks)."""
        self.delays.append(seconds)
        await asyncio.sleep(0)

    async def send(
        self,
        request: TransportRequest,
        *,
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - the seam's signature (per attempt)
    ) -> Response:
        """Answer one attempt with the handler (see the class docstring for errors)."""
        mocked = MockRequest(request)
        self.requests.append(mocked)
        where = f"{mocked.method} {mocked.path}"
        limit = timeout.total if timeout.total is not None else timeout.sock_read
        failure: APIError | None = None
        try:
            with anyio.fail_after(limit):
                answer = self.handler(mocked)
                if inspect.isawaitable(answer):
                    answer = await answer
        except APIError:
            raise
        except (TimeoutError, asyncio.TimeoutError) as exc:
            failure = APITimeoutError(f"Request timed out on {where}: {type(exc).__name__}")
        except OSError as exc:
            failure = APIConnectionError(
                f"Connection error on {where}: {type(exc).__name__}: {exc}"
            )
            failure.__cause__ = exc
        if failure is not None:
            # Raised outside the except block, as the aiohttp transport does: no __context__.
            raise failure
        if not isinstance(answer, MockResponse):
            raise TypeError(
                f"a MockTransport handler must return a MockResponse, got {type(answer).__name__}"
            )
        return Response(status=answer.status_code, headers=answer.headers, body=answer.content)

    def __repr__(self) -> str:
        return f"<MockTransport handler={getattr(self.handler, '__qualname__', self.handler)!r}>"


MockRequest.__module__ = "conversations_sdk.testing"
MockResponse.__module__ = "conversations_sdk.testing"
MockTransport.__module__ = "conversations_sdk.testing"
