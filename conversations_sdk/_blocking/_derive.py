"""Deriving the blocking methods from the async ones: one descriptor, one table of counterparts.

In a blocking resource's class body, ``create = blocking(AsyncConversations.create)`` makes the
blocking twin of an async method: the same parameters and docstring, and a call that builds what the
async method builds and hands it to the client's :class:`~._runner.Runner`. What the async side
gives decides what the twin does, in four kinds (one class each below):

- a coroutine of ``R`` (a resource's ``async def``): the twin runs it on the loop and returns ``R``;
- an ``AsyncPager[T]`` (``items.list``): it fetches the first page and returns a ``Pager[T]``;
- a coroutine of ``RawResponse[R]`` (a ``with_raw_response`` method): it runs it and returns
  ``RawResponse[R']``;
- an ``AsyncResponseContextManager[R]`` (a ``with_streaming_response`` method): it wraps it in a
  ``ResponseContextManager[R']``, whose ``with`` sends the request.

``R'`` is ``R`` with each async-only class replaced by its counterpart from :data:`COUNTERPARTS` (a
raw or streamed ``list`` parses to a ``Pager``). The overloads of :func:`blocking` state the same
table to type checkers; :func:`blocking_type` applies it at run time to the async method's resolved
hints (``typing.get_type_hints``), which become the twin's ``__annotations__`` (what
``get_type_hints`` and Sphinx read); ``inspect.signature`` and ``help()`` show the async signature
with that return written as the source writes types (:func:`type_text`: ``Pager[ConversationItem]``).

This module must not run anything itself: it builds the async side's objects and hands them to the
runner, and it re-raises what they raise (a ``TypeError`` from binding the arguments renamed to the
blocking method).
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import MappingProxyType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, cast, overload

import attrs

from .._pagination import AsyncPager
from .._resources import RawMethod, RawPagerMethod, StreamMethod, StreamPagerMethod
from .._streaming import AsyncResponseContextManager, AsyncStreamedResponse
from .._wire import RawResponse
from ._pager import Pager
from ._runner import Runner
from ._streamed import ResponseContextManager, StreamedResponse

__all__ = ["COUNTERPARTS", "BlockingMethod", "BlockingResource", "blocking", "blocking_type"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")

#: Each class that exists only on the async side, and the blocking class that stands for it.
COUNTERPARTS: Mapping[type, type] = MappingProxyType(
    {
        AsyncPager: Pager,
        AsyncResponseContextManager: ResponseContextManager,
        AsyncStreamedResponse: StreamedResponse,
    }
)


class BlockingResource:
    """Base of the blocking resources: the runner, and where the async twin hangs off the client."""

    __slots__ = ("_path", "_runner")

    def __init__(self, runner: Runner, path: tuple[str, ...]) -> None:
        self._runner = runner
        self._path = path

    def _target(self) -> Any:
        # Resolved per call (two getattrs) rather than cached: after a fork the async client is new.
        return functools.reduce(getattr, self._path, self._runner.client())

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__}>"


# -- the table, applied to types --------------------------------------------------------------------


def blocking_type(hint: Any) -> Any:
    """``hint`` (a resolved type) with every async-only class in it replaced by its counterpart."""
    origin = typing.get_origin(hint)
    if origin is None:
        if isinstance(hint, type):
            for async_class, blocking_class in COUNTERPARTS.items():
                if issubclass(hint, async_class):
                    return blocking_class
        return hint
    args = typing.get_args(hint)
    mapped = tuple(blocking_type(arg) for arg in args)
    counterpart = blocking_type(origin)
    if counterpart is origin and mapped == args:
        return hint  # nothing async inside: the very object, so an alias keeps its name
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[mapped]  # noqa: UP007 - built from a tuple
    return counterpart[mapped]


def type_text(hint: Any, namespace: Mapping[str, Any]) -> str:
    """``hint`` written as the module ``namespace`` writes it: bare class names, aliases by name.

    Used for return annotations (classes, generics of classes, unions, aliases, ``None``); the
    result evaluates back to ``hint`` in ``namespace`` plus the classes it names.
    """
    for name, value in namespace.items():
        # An alias (ConversationItem, a union of 30 classes) is shown by its name, as in the source.
        if typing.get_origin(value) is not None and not name.startswith("_") and value == hint:
            return name
    if hint is None or hint is type(None):
        return "None"
    origin = typing.get_origin(hint)
    if origin is None:
        return hint.__qualname__ if isinstance(hint, type) else repr(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(type_text(arg, namespace) for arg in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(map(repr, args))}]"
    return f"{type_text(origin, namespace)}[{', '.join(type_text(a, namespace) for a in args)}]"


@functools.cache
def _resolved_hints(method: Callable[..., Any]) -> Mapping[str, Any]:
    # Cached: a resource method has up to three twins (plain, raw, streaming).
    try:
        return MappingProxyType(typing.get_type_hints(method))
    except Exception as exc:
        raise TypeError(
            f"cannot derive a blocking method from {method.__qualname__}: its annotations "
            f"do not resolve ({exc})"
        ) from exc


# -- the descriptor ---------------------------------------------------------------------------------


class BlockingMethod(Generic[_P, _R]):
    """The blocking twin of one async method (see :func:`blocking`); a descriptor.

    It reads as the async method does (``__doc__``, ``__wrapped__``, ``__signature__`` and
    ``__annotations__``, the return mapped by :func:`blocking_type`); bound to a blocking resource,
    calling it runs the async side's call through that resource's runner.
    """

    def __init__(self, source: Any, method: Callable[..., Any]) -> None:
        self._source = source  # what the async class holds: the method, or a view's descriptor
        self._method = method  # the resource method it stands for: parameters and docstring
        functools.update_wrapper(self, method)
        self.__module__ = "conversations_sdk"
        hints = _resolved_hints(method)
        returns = blocking_type(self._async_return(hints["return"]))
        self.__annotations__ = {**hints, "return": returns}
        self.__signature__ = inspect.signature(method).replace(
            return_annotation=type_text(returns, method.__globals__)
        )

    @staticmethod
    def _async_return(returns: Any) -> Any:
        """What the async callable gives, from its resource method's return annotation."""
        return returns

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name
        self.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> BlockingMethod[_P, _R]: ...
    @overload
    def __get__(
        self, obj: BlockingResource, owner: type[Any] | None = None
    ) -> Callable[_P, _R]: ...
    def __get__(self, obj: BlockingResource | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def __call__(self, resource: BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        raise NotImplementedError  # each kind below makes its call its own way

    def _in_callers_terms(self, exc: TypeError) -> TypeError:
        """The same TypeError, naming this method (``Items.retrieve``) instead of its async twin,
        a class the caller never used."""
        message, async_name = str(exc), self._method.__qualname__
        if message.startswith(async_name):
            return TypeError(self.__qualname__ + message[len(async_name) :])
        return exc


class _RunsCoroutine(BlockingMethod[_P, _R]):
    """A coroutine method: run it on the loop, return its result (or raise its error)."""

    def __call__(self, resource: BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run the async method on the resource's loop and wait for its result."""
        try:
            coro = self._method(resource._target(), *args, **kwargs)
        except TypeError as exc:
            raise self._in_callers_terms(exc) from None
        result: _R = resource._runner.run(coro)  # (no cast() call: this is the hot path)
        return result


class _FetchesFirstPage(BlockingMethod[_P, _R]):
    """A method returning an ``AsyncPager``: fetch its first page now, return a ``Pager``."""

    def __call__(self, resource: BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Fetch the first page now and return it as a page that also walks every item."""
        try:
            pager = self._method(resource._target(), *args, **kwargs)
        except TypeError as exc:
            raise self._in_callers_terms(exc) from None
        # As the official SDK's blocking list(): the first page is fetched here (so its errors are
        # raised here), once; iterating starts from it and fetches the rest lazily.
        resource._runner.run(_await(pager))
        return cast("_R", Pager(resource._runner, pager))


class _RunsRawView(BlockingMethod[_P, _R]):
    """A ``with_raw_response`` method: run it, return its ``RawResponse`` (a page parsed to a
    ``Pager``)."""

    @staticmethod
    def _async_return(returns: Any) -> Any:
        return RawResponse[returns]

    def __call__(self, resource: BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run the async view's method on the resource's loop and wait for its RawResponse."""
        runner = resource._runner
        call = getattr(resource._target(), self._source.__name__)
        try:
            raw = runner.run(_await(call(*args, **kwargs)))
        except TypeError as exc:  # the view binds the arguments inside its coroutine
            raise self._in_callers_terms(exc) from None
        if isinstance(raw.parsed, AsyncPager):
            raw = attrs.evolve(raw, parsed=Pager(runner, raw.parsed))
        return cast("_R", raw)


class _WrapsStreamView(BlockingMethod[_P, _R]):
    """A ``with_streaming_response`` method: wrap its context manager (the request is sent when
    the ``with`` block is entered)."""

    @staticmethod
    def _async_return(returns: Any) -> Any:
        return AsyncResponseContextManager[returns]

    def __call__(self, resource: BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Make the context manager; the request is sent when it is entered."""
        call = getattr(resource._target(), self._source.__name__)
        try:
            manager = call(*args, **kwargs)
        except TypeError as exc:
            raise self._in_callers_terms(exc) from None
        return cast("_R", ResponseContextManager(resource._runner, manager, self._in_callers_terms))


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


# -- the factory: the table as type checkers read it -------------------------------------------------
# A type checker takes the first overload that matches, so the order matters: an ``async def`` is a
# coroutine method whatever it returns (as at run time, below), and a streaming view's context
# manager, awaitable too (to say "use async with"), must not be read as a raw view's awaitable.


@overload
def blocking(  # type: ignore[overload-overlap]
    source: Callable[Concatenate[Any, _P], Coroutine[Any, Any, _R]],
) -> BlockingMethod[_P, _R]: ...
@overload
def blocking(
    source: Callable[Concatenate[Any, _P], AsyncPager[_T]],
) -> BlockingMethod[_P, Pager[_T]]: ...
@overload
def blocking(
    source: Callable[_P, AsyncResponseContextManager[AsyncPager[_T]]],
) -> BlockingMethod[_P, ResponseContextManager[Pager[_T]]]: ...
@overload
def blocking(
    source: Callable[_P, AsyncResponseContextManager[_R]],
) -> BlockingMethod[_P, ResponseContextManager[_R]]: ...
@overload
def blocking(
    source: Callable[_P, Awaitable[RawResponse[AsyncPager[_T]]]],
) -> BlockingMethod[_P, RawResponse[Pager[_T]]]: ...
@overload
def blocking(
    source: Callable[_P, Awaitable[RawResponse[_R]]],
) -> BlockingMethod[_P, RawResponse[_R]]: ...
def blocking(source: Any) -> BlockingMethod[Any, Any]:
    """The blocking twin of an async resource method, or of a method of its raw/streaming views.

    Raises:
        TypeError: ``source`` is none of the four kinds (see the module docstring), or its
            annotations do not resolve.
    """
    if isinstance(source, (RawMethod, RawPagerMethod)):
        return _RunsRawView(source, _resource_method(source))
    if isinstance(source, (StreamMethod, StreamPagerMethod)):
        return _WrapsStreamView(source, _resource_method(source))
    if inspect.iscoroutinefunction(source):
        return _RunsCoroutine(source, source)
    returns = _resolved_hints(source).get("return")
    if blocking_type(typing.get_origin(returns) or returns) is Pager:
        return _FetchesFirstPage(source, source)
    raise TypeError(f"cannot derive a blocking method from {source!r}: see _blocking._derive")


def _resource_method(view_method: Any) -> Callable[..., Any]:
    """The resource method an async view's method wraps (recorded by ``functools.update_wrapper``)."""
    wrapped: Callable[..., Any] = view_method.__wrapped__
    return wrapped
