"""The blocking twins of the streamed-response objects: ``ResponseContextManager``, ``StreamedResponse``.

What ``client.conversations.with_streaming_response.<method>(...)`` returns on the blocking side.
Each wraps the async object of the same role (``AsyncResponseContextManager``,
``AsyncStreamedResponse``) and runs its coroutines through the client's :class:`~._runner.Runner`,
one hop per read. This module must not send requests or read bodies itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

from .._pagination import AsyncPager
from ._pager import Pager

if TYPE_CHECKING:
    import datetime

    from .._streaming import AsyncResponseContextManager, AsyncStreamedResponse
    from .._wire import HTTPRequest
    from ._runner import Runner

__all__ = ["ResponseContextManager", "StreamedResponse"]

_T = TypeVar("_T")


class StreamedResponse(Generic[_T]):
    """Blocking twin of ``AsyncStreamedResponse``: a response whose body is read on demand.

    Given by ``with client.conversations.with_streaming_response.<method>(...) as response:``; the
    official SDK's ``APIResponse``. Each read is one hop to the client's loop thread.
    """

    __slots__ = ("_async", "_runner")

    def __init__(self, runner: Runner, response: AsyncStreamedResponse[Any]) -> None:
        self._runner = runner
        self._async = response

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncStreamedResponse", "StreamedResponse", 1)

    @property
    def status_code(self) -> int:
        """The HTTP status, always a success (an error status raises when the block is entered)."""
        return self._async.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""
        return self._async.headers

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id``, if it sent one."""
        return self._async.request_id

    @property
    def http_request(self) -> HTTPRequest:
        """The request as sent (method, URL, headers; the key is masked in reprs)."""
        return self._async.http_request

    @property
    def url(self) -> str:
        """The URL of the request, query included."""
        return self._async.url

    @property
    def method(self) -> str:
        """The HTTP method of the request."""
        return self._async.method

    @property
    def http_version(self) -> str:
        """The HTTP version of the response, such as ``HTTP/1.1``."""
        return self._async.http_version

    @property
    def elapsed(self) -> datetime.timedelta:
        """From sending the final attempt to the end of the body (to now while it is open)."""
        return self._async.elapsed

    @property
    def is_closed(self) -> bool:
        """Whether the body has been read whole or the response closed."""
        return self._async.is_closed

    @property
    def retries_taken(self) -> int:
        """How many retries were needed before this response."""
        return self._async.retries_taken

    def read(self) -> bytes:
        """Read the whole body and release the connection."""
        return self._runner.run(self._async.read())

    def text(self) -> str:
        """Read the body and decode it (UTF-8 unless the response names another charset)."""
        return self._runner.run(self._async.text())

    def json(self) -> Any:
        """Read the body and decode it as JSON (not structured into a model)."""
        return self._runner.run(self._async.json())

    def parse(self) -> _T:
        """Read the body and structure it into the method's return type (the first page for
        ``items.list``, as a blocking page object)."""
        parsed = self._runner.run(self._async.parse())
        if isinstance(parsed, AsyncPager):
            return cast("_T", Pager(self._runner, parsed))
        return cast("_T", parsed)

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Yield the body as it arrives (``chunk_size`` bytes at a time if given)."""
        return self._runner.iterate(self._async.iter_bytes(chunk_size))

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """Yield the body decoded as text, piece by piece."""
        return self._runner.iterate(self._async.iter_text(chunk_size))

    def iter_lines(self) -> Iterator[str]:
        """Yield the body's lines, without their line endings."""
        return self._runner.iterate(self._async.iter_lines())

    def close(self) -> None:
        """Release the connection (dropping it if the body was not read to the end)."""
        self._runner.run(self._async.close())


class ResponseContextManager(Generic[_T]):
    """What a blocking ``with_streaming_response`` method returns: ``with`` it to get the response.

    The request is sent when the block is entered; the connection is released when it is left.
    """

    __slots__ = ("_in_callers_terms", "_manager", "_runner")

    def __init__(
        self,
        runner: Runner,
        manager: AsyncResponseContextManager[Any],
        in_callers_terms: Callable[[TypeError], TypeError],
    ) -> None:
        self._runner = runner
        self._manager = manager
        # The arguments are bound when the block is entered: a TypeError then names the blocking
        # method, as it would had the call itself failed.
        self._in_callers_terms = in_callers_terms

    def __enter__(self) -> StreamedResponse[_T]:
        try:
            response = self._runner.run(self._manager.__aenter__())
        except TypeError as exc:
            raise self._in_callers_terms(exc) from None
        return StreamedResponse(self._runner, response)

    def __exit__(self, *exc_info: object) -> None:
        self._runner.run(self._manager.__aexit__(None, None, None))

    async def __aenter__(self) -> NoReturn:
        raise TypeError(
            "a with_streaming_response call of the blocking Client is entered with a plain "
            "`with ... as response:`; `async with` is for conversations_sdk.AsyncClient"
        )

    async def __aexit__(self, *exc_info: object) -> None:  # pragma: no cover
        return None


StreamedResponse.__module__ = "conversations_sdk"
ResponseContextManager.__module__ = "conversations_sdk"
