"""The transport seam: what a client needs from whatever carries its requests.

:class:`AsyncTransport` is the public interface (``AsyncClient(transport=...)``,
``Client(transport=...)``); :class:`TransportRequest` and :class:`TransportResponse` describe what
crosses it. ``_transport.Transport`` (aiohttp) is the default implementation and is used as is,
so the plain call path gains nothing; a transport passed in is wrapped once, at construction, in
:class:`UserTransport`, which gives it the same size cap and streaming as the aiohttp transport.
:class:`LiveResponse` is what either transport's ``open`` hands over for a streamed success: its
shared part here, the aiohttp one in ``_transport.py``, the one over a body already returned whole
(:class:`BufferedLiveResponse`) here. Retries, idempotency keys, errors and parsing stay above
the seam, in ``_requester.py``; nothing here touches aiohttp's sockets.
"""

from __future__ import annotations

import abc
import datetime
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Protocol

import aiohttp

from ._errors import APIError
from ._wire import Request, Response, decode_text, request_id_of

__all__ = [
    "AsyncTransport",
    "BufferedLiveResponse",
    "LiveResponse",
    "TransportRequest",
    "TransportResponse",
    "UserTransport",
    "chunks_of",
]


class TransportRequest(Protocol):
    """One request, fully built by the client; a transport sends it unchanged.

    Attributes:
        method: ``GET``, ``POST``, ``DELETE``...
        url: The absolute URL, path and query already percent-encoded.
        headers: Every header to send (``Authorization`` included; its repr is not masked here, so
            never log the mapping as is).
        body: The JSON body as bytes, or ``None``.
    """

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes | None: ...


class TransportResponse(Protocol):
    """One response, as a transport returns it: status, headers and the whole body.

    Attributes:
        status: The HTTP status.
        headers: The response headers (looked up case-insensitively by the client).
        body: The whole body, as received.
    """

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def body(self) -> bytes: ...


class AsyncTransport(Protocol):
    """What ``AsyncClient(transport=...)`` and ``Client(transport=...)`` accept.

    Any object with this one coroutine method works; :class:`conversations_sdk.testing.MockTransport`
    is the ready-made one for tests. The client calls it once per attempt, on the loop it runs on
    (the blocking ``Client``'s own loop thread), and does everything else itself: retries and
    their backoff, the idempotency key (one per call, the same on every attempt), status errors,
    request ids, ``max_response_size``, parsing, ``with_raw_response`` and
    ``with_streaming_response`` (over the body the transport returned).

    The client never closes a transport passed in; copies (``with_options``) share it. A
    transport may also define ``async def sleep(self, seconds: float) -> None``: the client then
    waits between retries through it instead of ``asyncio.sleep`` (MockTransport records the
    waits and skips them).
    """

    async def send(
        self, request: TransportRequest, *, timeout: aiohttp.ClientTimeout
    ) -> TransportResponse:
        """Send one attempt and return the response, body read whole.

        Args:
            request: The request to send, unchanged.
            timeout: This attempt's timeout (the client's or the call's ``timeout``), to enforce.

        Returns:
            The response; any status is returned, the client decides what it means.

        Raises:
            APITimeoutError: The attempt took longer than ``timeout`` (retried by the client).
            APIConnectionError: No response at all (retried by the client).
        """
        ...


class UserTransport:
    """A caller's :class:`AsyncTransport` behind the interface the client uses internally.

    Adds what the aiohttp transport does below the seam: the ``max_response_size`` cap, and a
    streamed response (``open``) over the returned body. Never closes the caller's transport.
    """

    __slots__ = ("inner", "max_response_size")

    owns_session = False
    has_open_owned_session = False
    session = None

    def __init__(self, inner: AsyncTransport, *, max_response_size: int) -> None:
        self.inner = inner
        self.max_response_size = max_response_size

    async def send(self, request: Request, *, timeout: aiohttp.ClientTimeout) -> Response:
        """Send through the caller's transport; cap and normalise the response."""
        got = await self.inner.send(request, timeout=timeout)
        body = bytes(got.body)
        if len(body) > self.max_response_size:
            raise APIError(
                "The response body is larger than max_response_size "
                f"({self.max_response_size} bytes)",
                request_id=request_id_of(got.headers),
            )
        if type(got) is Response:
            return got
        return Response(status=int(got.status), headers=got.headers, body=body)

    async def open(
        self, request: Request, *, timeout: aiohttp.ClientTimeout
    ) -> Response | BufferedLiveResponse:
        """``with_streaming_response``: a success as a streamed response over the whole body."""
        started = time.monotonic()
        response = await self.send(request, timeout=timeout)
        if 200 <= response.status < 300:
            return BufferedLiveResponse(response, started)
        return response

    def close_abandoned(self) -> None:
        """Nothing to do: the caller owns the transport."""

    async def aclose(self) -> None:
        """Nothing to do: the caller owns the transport."""


class LiveResponse(abc.ABC):
    """A success handed over after its headers, its body read on demand (streaming responses).

    What a transport's ``open`` returns for a 2xx, and what ``AsyncStreamedResponse`` reads
    through. This base keeps what every transport's streamed response shares: the status and
    headers, the request id, the clock from sending to the end of the body, and whether the body
    was streamed; a subclass reads the body (``read``, ``iter_chunks``) and lets the connection
    go (``close``), calling :meth:`_finish` once the body is done with.
    """

    __slots__ = ("_consumed", "_elapsed", "_started", "body", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], started: float) -> None:
        #: The HTTP status.
        self.status = status
        #: The response headers.
        self.headers = headers
        self._started = started
        self._elapsed: float | None = None
        self._consumed = False
        #: The whole body once read (``None`` before).
        self.body: bytes | None = None

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, if present."""
        return request_id_of(self.headers)

    @property
    def http_version(self) -> str:
        """``HTTP/1.1`` unless the transport says otherwise (a custom transport does not)."""
        return "HTTP/1.1"

    @property
    def closed(self) -> bool:
        """Whether the body was read whole or the response closed."""
        return self._elapsed is not None

    @property
    def consumed(self) -> bool:
        """Whether the body was streamed (``iter_chunks``) rather than read and kept."""
        return self._consumed

    @property
    def elapsed(self) -> datetime.timedelta:
        """From sending to the end of the body (or to now, while it is still being read)."""
        end = self._elapsed if self._elapsed is not None else time.monotonic()
        return datetime.timedelta(seconds=end - self._started)

    def text_of(self, body: bytes) -> str:
        """Decode ``body`` with the charset the response names."""
        return decode_text(body, self.headers)

    @abc.abstractmethod
    async def read(self) -> bytes:
        """Read the whole body, keep it in :attr:`body` and return it."""

    @abc.abstractmethod
    def iter_chunks(self, chunk_size: int | None) -> AsyncIterator[bytes]:
        """Yield the body, ``chunk_size`` bytes at a time (as it arrives if ``None``)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Let the connection go, whether or not the body was read. Idempotent."""

    def _finish(self) -> None:
        # The body is done with (read, streamed to its end, failed or closed): the clock stops.
        if self._elapsed is None:
            self._elapsed = time.monotonic()


def chunks_of(body: bytes, chunk_size: int | None) -> Iterator[bytes]:
    """``body`` in pieces of ``chunk_size`` bytes (whole if ``None``): a kept body, streamed."""
    step = chunk_size or len(body) or 1
    for start in range(0, len(body), step):
        yield body[start : start + step]


class BufferedLiveResponse(LiveResponse):
    """A streamed response whose body a custom transport already returned whole.

    ``iter_chunks`` hands the body out in ``chunk_size`` pieces, ``read`` returns it.
    """

    __slots__ = ("_body",)

    def __init__(self, response: Response, started: float) -> None:
        super().__init__(response.status, response.headers, started)
        self._body = response.body

    async def read(self) -> bytes:
        """The whole body."""
        if self.body is None:
            self.body = self._body
            self._finish()
        return self.body

    async def iter_chunks(self, chunk_size: int | None) -> AsyncIterator[bytes]:
        """Yield the body, ``chunk_size`` bytes at a time (all at once if ``None``)."""
        self._consumed = True
        try:
            for piece in chunks_of(self._body, chunk_size):
                yield piece
        finally:
            self._finish()

    def close(self) -> None:
        """Mark the response closed."""
        self._finish()


AsyncTransport.__module__ = "conversations_sdk"
TransportRequest.__module__ = "conversations_sdk"
TransportResponse.__module__ = "conversations_sdk"
