"""``with_streaming_response``: the response handed over after its headers, its body read on demand.

``async with client.conversations.with_streaming_response.retrieve(cid) as response:`` sends the
request (retrying as every call does, so only a final success is handed over), stops after the
headers and gives an :class:`AsyncStreamedResponse`. Nothing of the body is read until the caller
asks (``read()``, ``text()``, ``json()``, ``parse()``, ``iter_bytes()``, ...); leaving the block
releases the connection (dropping it if the body was not read to the end).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._errors import ConversationsError
from ._requester import attach_request_id
from ._seam import LiveResponse, chunks_of
from ._wire import HTTPRequest, Request, RequestHeaders, charset_of, decode_json

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["AsyncResponseContextManager", "AsyncStreamedResponse", "StreamAlreadyConsumed"]

_T = TypeVar("_T")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A lone CR at the very end may be the first half of a CRLF split across chunks: wait for more.
_BREAK_BEFORE_END = re.compile(r"\r\n|\r(?!\Z)|\n")


class StreamAlreadyConsumed(ConversationsError):
    """The body was already streamed with ``iter_bytes()``/``iter_text()``/``iter_lines()``, so it
    cannot be read again. Call ``read()`` first to keep it, then iterate as often as needed."""


class AsyncStreamedResponse(Generic[_T]):
    """A response whose body has not been read yet (the official SDK's ``AsyncAPIResponse``)."""

    def __init__(
        self,
        live: LiveResponse,
        request: Request,
        cast: Callable[[Any, str | None], Any],
        retries_taken: int,
        post_parse: Callable[[Any], _T] | None = None,
    ) -> None:
        self._live = live
        self._request = request
        self._cast = cast
        self._post_parse = post_parse
        self._parsed: Any = _UNSET
        self._retries_taken = retries_taken

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} [{self.status_code}] {self.method} {self.url} "
            f"{'closed' if self.is_closed else 'open'}>"
        )

    @property
    def status_code(self) -> int:
        """The HTTP status, always a success (an error status raises when the block is entered)."""
        return self._live.status

    @property
    def retries_taken(self) -> int:
        """How many retries were needed before this response."""
        return self._retries_taken

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""
        return self._live.headers

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id``, if it sent one."""
        return self._live.request_id

    @property
    def http_request(self) -> HTTPRequest:
        """The request as sent (method, URL, headers; the key is masked in reprs)."""
        request = self._request
        return HTTPRequest(
            method=request.method, url=request.url, headers=RequestHeaders(request.headers)
        )

    @property
    def url(self) -> str:
        """The URL of the request, query included."""
        return self._request.url

    @property
    def method(self) -> str:
        """The HTTP method of the request."""
        return self._request.method

    @property
    def http_version(self) -> str:
        """The HTTP version of the response, such as ``HTTP/1.1``."""
        return self._live.http_version

    @property
    def elapsed(self) -> datetime.timedelta:
        """From sending the final attempt to the end of the body (to now while it is open)."""
        return self._live.elapsed

    @property
    def is_closed(self) -> bool:
        """Whether the body has been read whole or the response closed."""
        return self._live.closed

    async def read(self) -> bytes:
        """Read the whole body (at most ``max_response_size`` bytes) and release the connection.

        Raises:
            StreamAlreadyConsumed: The body was already streamed with ``iter_bytes()``.
            APIConnectionError: The connection failed while reading.
        """
        live = self._live
        if live.body is None and live.consumed:
            raise StreamAlreadyConsumed(
                "the body was already streamed with iter_bytes()/iter_text()/iter_lines(); call "
                "read() before iterating to keep it"
            )
        return await live.read()

    async def text(self) -> str:
        """Read the body and decode it (UTF-8 unless the response names another charset)."""
        return self._live.text_of(await self.read())

    async def json(self) -> Any:
        """Read the body and decode it as JSON (not structured into a model)."""
        body = await self.read()
        return decode_json(body, request_id=self.request_id)

    async def parse(self) -> _T:
        """Read the body and structure it into the method's return type (cached).

        Returns:
            What the plain method returns (a model; the first page for ``items.list``).

        Raises:
            ResponseValidationError: The body does not have the expected shape.
        """
        if self._parsed is _UNSET:
            request_id = self.request_id
            parsed = self._cast(await self.json(), request_id)
            attach_request_id(parsed, request_id)
            self._parsed = parsed if self._post_parse is None else self._post_parse(parsed)
        result: _T = self._parsed
        return result

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body as it arrives (``chunk_size`` bytes at a time if given).

        After :meth:`read`, yields the kept body instead of reading again.
        """
        live = self._live
        if live.body is not None:
            for chunk in chunks_of(live.body, chunk_size):
                yield chunk
            return
        if live.consumed:
            raise StreamAlreadyConsumed("the body was already streamed; call read() to keep it")
        async for chunk in live.iter_chunks(chunk_size):
            yield chunk

    async def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """Yield the body decoded as text, piece by piece (multi-byte characters kept whole)."""
        import codecs

        decoder = codecs.getincrementaldecoder(charset_of(self._live.headers))(errors="replace")
        async for chunk in self.iter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def iter_lines(self) -> AsyncIterator[str]:
        """Yield the body's lines (split at ``\\n``, ``\\r\\n`` or ``\\r``), without line endings."""
        pending = ""
        async for text in self.iter_text():
            pending += text
            start = 0
            for match in _BREAK_BEFORE_END.finditer(pending):
                yield pending[start : match.start()]
                start = match.end()
            pending = pending[start:]
        if pending:
            lines = _LINE_BREAK.split(pending)
            if not lines[-1]:
                lines.pop()
            for line in lines:
                yield line

    async def close(self) -> None:
        """Release the connection (dropping it if the body was not read to the end). Idempotent."""
        self._live.close()


class _Unset:
    pass


_UNSET: Any = _Unset()


class AsyncResponseContextManager(Generic[_T]):
    """What a ``with_streaming_response`` method returns: ``async with`` it to get the response.

    The request is sent when the block is entered; the connection is released when it is left.
    """

    def __init__(self, enter: Callable[[], Awaitable[AsyncStreamedResponse[_T]]]) -> None:
        self._enter = enter
        self._response: AsyncStreamedResponse[_T] | None = None

    async def __aenter__(self) -> AsyncStreamedResponse[_T]:
        self._response = await self._enter()
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.close()

    def __enter__(self) -> None:
        raise TypeError(
            "a with_streaming_response call of the AsyncClient is an async context manager: "
            "write `async with client.conversations.with_streaming_response.<method>(...) as "
            "response:` (or use the blocking Client with `with`)"
        )

    def __exit__(self, *exc_info: object) -> None:  # pragma: no cover - __enter__ always raises
        return None

    def __await__(self) -> Generator[Any, None, Any]:
        raise TypeError(
            "a with_streaming_response call is not awaited but entered: write `async with "
            "client.conversations.with_streaming_response.<method>(...) as response:`; for the "
            "whole response at once, use `await client.conversations.with_raw_response.<method>(...)`"
        )


for _cls in (AsyncStreamedResponse, AsyncResponseContextManager, StreamAlreadyConsumed):
    _cls.__module__ = "conversations_sdk"
del _cls

# json is re-exported for tests that compare against the standard library's decoding.
_ = json
