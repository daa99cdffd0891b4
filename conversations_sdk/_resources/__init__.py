"""The API's resources as classes: each method checks its parameters, builds a call, and structures
the answer; sending and retrying belong to the request engine (``_requester.py``), the only part
of the client they import. Also the ``with_raw_response`` views, derived from the same methods.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

import attrs

from .._converter import NO_CONTENT, structure_no_content, structure_response
from .._errors import ResponseValidationError
from .._pagination import AsyncPager
from .._requester import RAW_SINK, StreamSink
from .._streaming import AsyncResponseContextManager, AsyncStreamedResponse
from .._wire import RawResponse
from ..models import ConversationItem, ConversationItemList

__all__ = [
    "RawMethod",
    "RawPagerMethod",
    "RawView",
    "StreamMethod",
    "StreamPagerMethod",
    "structurer",
]

_R = TypeVar("_R")
_T = TypeVar("_T")
_P = ParamSpec("_P")


class RawView(Generic[_R]):
    """Base of the ``with_raw_response`` views: holds the resource whose methods it wraps."""

    def __init__(self, resource: _R) -> None:
        self._resource = resource


async def _capture(call: Awaitable[Any]) -> RawResponse[Any]:
    # _request appends the final RawResponse to the sink of the current context; one call
    # makes exactly one final response.
    sink: list[RawResponse[Any]] = []
    token = RAW_SINK.set(sink)
    try:
        await call
    finally:
        RAW_SINK.reset(token)
    return sink[-1]


class RawMethod(Generic[_R, _P, _T]):
    """``view.create(...)`` runs ``resource.create(...)`` and returns its :class:`RawResponse`."""

    def __init__(self, method: Callable[Concatenate[_R, _P], Awaitable[_T]]) -> None:
        self._method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(
        self, view: RawView[_R] | None, owner: type[Any]
    ) -> Callable[_P, Awaitable[RawResponse[_T]]]:
        if view is None:
            return self  # type: ignore[return-value]
        method, resource = self._method, view._resource

        @functools.wraps(method)
        async def call(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
            return await _capture(method(resource, *args, **kwargs))

        return call


class RawPagerMethod(Generic[_R, _P, _T]):
    """``view.list(...)`` fetches the first page and returns its :class:`RawResponse`, whose
    ``parse()`` is that page as a page object (``data``, ``has_next_page()``, ...)."""

    def __init__(self, method: Callable[Concatenate[_R, _P], AsyncPager[_T]]) -> None:
        self._method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(
        self, view: RawView[_R] | None, owner: type[Any]
    ) -> Callable[_P, Awaitable[RawResponse[AsyncPager[ConversationItem]]]]:
        if view is None:
            return self  # type: ignore[return-value]
        method, resource = self._method, view._resource

        @functools.wraps(method)
        async def call(
            *args: _P.args, **kwargs: _P.kwargs
        ) -> RawResponse[AsyncPager[ConversationItem]]:
            pager = method(resource, *args, **kwargs)
            raw = await _capture(_first_page(pager))
            # As in the official SDK, parse() gives the page object (data, has_next_page(), ...).
            return attrs.evolve(raw, parsed=pager)

        return call


async def _first_page(pager: AsyncPager[Any]) -> ConversationItemList:
    return await pager._first()


async def _capture_stream(
    call: Awaitable[Any], post_parse: Callable[[Any], Any] | None = None
) -> AsyncStreamedResponse[Any]:
    # _request stops after a success's headers and leaves the live response in the sink; the
    # call's own return value (built from no body) is discarded.
    sink = StreamSink()
    token = RAW_SINK.set(sink)
    try:
        await call
    except BaseException:
        for live, *_ in sink:  # failed after the response was handed over: release it
            live.close()
        raise
    finally:
        RAW_SINK.reset(token)
    live, request, cast, retries = sink[-1]
    return AsyncStreamedResponse(live, request, cast, retries, post_parse)


class StreamMethod(Generic[_R, _P, _T]):
    """``view.create(...)`` gives a context manager; entering it sends ``resource.create(...)``
    and yields the :class:`AsyncStreamedResponse` before the body is read."""

    def __init__(self, method: Callable[Concatenate[_R, _P], Awaitable[_T]]) -> None:
        self._method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(
        self, view: RawView[_R] | None, owner: type[Any]
    ) -> Callable[_P, AsyncResponseContextManager[_T]]:
        if view is None:
            return self  # type: ignore[return-value]
        method, resource = self._method, view._resource

        @functools.wraps(method)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> AsyncResponseContextManager[_T]:
            return AsyncResponseContextManager(
                lambda: _capture_stream(method(resource, *args, **kwargs))
            )

        return call


class StreamPagerMethod(Generic[_R, _P, _T]):
    """``view.list(...)`` streams the first page; ``parse()`` gives the page object."""

    def __init__(self, method: Callable[Concatenate[_R, _P], AsyncPager[_T]]) -> None:
        self._method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(
        self, view: RawView[_R] | None, owner: type[Any]
    ) -> Callable[_P, AsyncResponseContextManager[AsyncPager[_T]]]:
        if view is None:
            return self  # type: ignore[return-value]
        method, resource = self._method, view._resource

        @functools.wraps(method)
        def call(
            *args: _P.args, **kwargs: _P.kwargs
        ) -> AsyncResponseContextManager[AsyncPager[_T]]:
            # Arguments are checked here, before anything is sent, as for the plain list().
            pager = method(resource, *args, **kwargs)
            return AsyncResponseContextManager(
                lambda: _capture_stream(pager._fetch(pager._after), pager._with_first_page)
            )

        return call


def structurer(
    cl: type[_T], no_content: Callable[[], dict[str, Any]] | None = None
) -> Callable[[Any, str | None, bool], _T]:
    """The ``cast`` for ``Requester._request``: decoded JSON, request id, strictness in, ``cl`` out.

    For a union alias such as ``ConversationItem``, pass it through ``typing.cast(Any, ...)``.
    ``no_content`` builds the body a 204 without content stands for (a delete's result); without
    it, such an answer is an error.
    """

    def structure(body: Any, request_id: str | None, strict: bool = False) -> _T:
        if body is NO_CONTENT:
            if no_content is None:
                raise ResponseValidationError(
                    "the response has no body (HTTP 204)", body="", request_id=request_id
                )
            result: _T = structure_no_content(no_content(), cl)
            return result
        return structure_response(body, cl, request_id=request_id, strict=strict)

    return structure
