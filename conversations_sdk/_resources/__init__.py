"""The API's resources as classes: each method checks its parameters, builds a call, and structures
the answer; sending and retrying belong to the client. Also the ``with_raw_response`` views, derived
from the same methods.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from .._client import _RAW_SINK
from .._converter import NO_CONTENT, structure_no_content, structure_response
from .._errors import ResponseValidationError
from .._pagination import AsyncPager
from .._wire import RawResponse
from ..models import ConversationItemList

__all__ = ["RawMethod", "RawPagerMethod", "RawView", "structurer"]

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
    token = _RAW_SINK.set(sink)
    try:
        await call
    finally:
        _RAW_SINK.reset(token)
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
    """``view.list(...)`` fetches the first page and returns its :class:`RawResponse`."""

    def __init__(self, method: Callable[Concatenate[_R, _P], AsyncPager[_T]]) -> None:
        self._method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(
        self, view: RawView[_R] | None, owner: type[Any]
    ) -> Callable[_P, Awaitable[RawResponse[ConversationItemList]]]:
        if view is None:
            return self  # type: ignore[return-value]
        method, resource = self._method, view._resource

        @functools.wraps(method)
        async def call(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[ConversationItemList]:
            pager = method(resource, *args, **kwargs)
            return await _capture(_first_page(pager))

        return call


async def _first_page(pager: AsyncPager[Any]) -> ConversationItemList:
    return await pager


def structurer(
    cl: type[_T], no_content: Callable[[], dict[str, Any]] | None = None
) -> Callable[[Any, str | None, bool], _T]:
    """The ``cast`` for ``AsyncClient._request``: decoded JSON, request id, strictness in, ``cl`` out.

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
