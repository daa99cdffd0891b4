"""The blocking facade: ``Client``, ``Conversations``, ``Items`` and ``Pager`` over the async client.

There is no second implementation here. A :class:`Client` owns one long-lived event loop thread
(a :class:`~conversations_sdk._loop_thread.LoopThread`: asyncio, because aiohttp needs it) and one
:class:`AsyncClient` whose session lives on that loop. Every blocking method is *derived* from its
async twin by one descriptor (:class:`blocking`; :class:`blocking_pager` for the pager-returning
``list`` and :class:`blocking_raw` for the ``with_raw_response`` views are its variants): it builds
the coroutine of the async method and runs it on the client's loop, one thread hop per call (one per
page when paging). This module must not build requests, parse responses or map errors: whatever the
coroutine raises is re-raised unchanged, so errors are the async side's classes and attributes.
The loop thread itself (start, the hop, Ctrl-C, stop) lives in ``_loop_thread.py``; this module
owns what is the client's: when the thread starts, closing, finalizers, ``with_options`` copies
sharing the thread, and the fresh start in a forked child.

Lifecycle: the loop thread starts on first use (or ``__enter__``) and lives until :meth:`Client.close`
(or ``__exit__``); a client never closed is shut down by :func:`weakref.finalize` at garbage collection
or interpreter exit. After :func:`os.fork` the child transparently starts its own loop and client.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import inspect
import logging
import os
import threading
import types
import typing
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterator
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    NoReturn,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
    overload,
)

import attrs

from ._client import AsyncClient
from ._errors import ClientClosedError, InvalidRequestError
from ._loop_servers import LOOP_SERVERS, served_by_this_thread
from ._loop_thread import LoopThread, PendingCall
from ._pagination import AsyncPager, page_items
from ._resources.conversations import (
    AsyncConversations,
    AsyncConversationsWithRawResponse,
    AsyncConversationsWithStreamingResponse,
)
from ._resources.items import (
    AsyncItems,
    AsyncItemsWithRawResponse,
    AsyncItemsWithStreamingResponse,
)
from ._streaming import AsyncResponseContextManager, AsyncStreamedResponse
from ._wire import RawResponse
from .models import ConversationItemList, ValidationIssue

if TYPE_CHECKING:
    import datetime
    from collections.abc import Mapping, Sequence

    import aiohttp

    from ._pagination import PageInfo
    from ._retry import RetryPolicy
    from ._wire import HTTPRequest

__all__ = [
    "Client",
    "Conversations",
    "Items",
    "Pager",
    "ResponseContextManager",
    "StreamedResponse",
    "blocking",
    "blocking_pager",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

_log = logging.getLogger("conversations_sdk")


class _AsyncClosable(Protocol):
    async def aclose(self) -> None: ...


class _Loop(LoopThread):
    """A running loop thread and the async client that lives on it."""

    __slots__ = ("client",)

    def __init__(self, client: _AsyncClosable) -> None:
        super().__init__()
        self.client = client

    def stop(self, last: Callable[[], Awaitable[None]] | None = None) -> None:
        """Cancel the calls in flight, close the async client on the loop, end the thread."""
        super().stop(self.client.aclose if last is None else last)


class _Runner:
    """The loop thread of one blocking client, the async client living on it, and the hop into it.

    Thread-safe. Holds no reference to the blocking ``Client``, so a finalizer can own it.
    """

    __slots__ = ("__weakref__", "_client", "_closed", "_factory", "_lock", "_open")

    def __init__(self, factory: Callable[[], _AsyncClosable], client: _AsyncClosable) -> None:
        self._factory = factory
        self._client: _AsyncClosable | None = _adopt(client)  # not yet on a loop
        self._lock = threading.Lock()
        self._open: _Loop | None = None
        self._closed = False
        _RUNNERS.add(self)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._closed

    def peek_client(self) -> Any:
        """The async client, without starting the loop thread (for reading its settings)."""
        opened = self._open
        return opened.client if opened is not None else self._client

    def client(self) -> Any:
        """Start the loop thread if needed and return the async client that lives on it."""
        return (self._open or self._start()).client

    def _start(self) -> _Loop:
        with self._lock:
            if self._closed:
                raise ClientClosedError("the client is closed; create a new Client to make calls")
            if self._open is None:
                if self._client is None:
                    self._client = _adopt(self._factory())
                self._open = _Loop(self._client)
            return self._open

    def close(self) -> None:
        """Cancel calls still in flight, close the async client on its loop, stop the thread.

        Idempotent. Raises ``RuntimeError`` when called from the loop thread itself, where waiting
        for the loop would deadlock.
        """
        self._refuse_loop_thread("close()")
        with self._lock:
            opened, self._open, self._closed = self._open, None, True
        if opened is not None:
            opened.stop()
        # Never started: the async client never opened a session, so there is nothing to release.

    def _after_fork_in_child(self) -> None:
        # The parent's loop thread does not exist here; its loop, session and sockets belong to
        # the parent. Keep them referenced (collecting them would close the parent's connections
        # and spam "unclosed" warnings) and start afresh on the next call.
        self._lock = threading.Lock()  # may have been held by a thread that does not exist here
        if self._open is not None:
            # Its stop() is a no-op here (another process's loop), so nothing ever waits for it.
            _ABANDONED_AFTER_FORK.append(self._open)
            self._open = None
            self._client = _adopt(self._factory())

    # -- the hop ------------------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the loop thread and block until it ends; return or raise its outcome.

        A ``KeyboardInterrupt`` (or any exception) while waiting cancels the task on the loop (so the
        request is dropped, not left running) before it propagates.
        """
        try:
            opened = self._open or self._start()
            if threading.get_ident() == opened.thread_id:
                self._refuse_loop_thread("a blocking method")
            if LOOP_SERVERS and served_by_this_thread(getattr(opened.client, "base_url", "")):
                raise RuntimeError(
                    "this blocking conversations_sdk.Client calls an Emulator that runs on the "
                    "event loop of the calling thread (a notebook's loop): the call would wait "
                    "for a server that cannot answer until the call returns, a deadlock. Use "
                    "`with conversations_sdk.emulator.emulated_client() as client:` (or a "
                    "ThreadedEmulator) for a blocking client, or AsyncClient and `await` its "
                    "calls with this Emulator"
                )
            call = PendingCall(coro)
        except BaseException:
            coro.close()  # never started: close it so it is not reported as "never awaited"
            raise
        # The lock makes "is it open?" and "queue the call" one step, so close() can never stop
        # the loop between them and leave this caller waiting for a loop that is gone.
        with self._lock:
            if self._open is not opened:
                coro.close()
                raise ClientClosedError("the client is closed; create a new Client")
            try:
                opened.submit(call)
            except BaseException:  # interrupted at the very moment it was queued
                opened.cancel(call)
                raise
        opened.wait(call)  # from here the coroutine belongs to the loop thread
        error = call.error
        if error is None:
            return call.result  # type: ignore[no-any-return]
        call.error = None  # no cycle: exception -> traceback -> this frame -> call -> exception
        if isinstance(error, asyncio.CancelledError):
            raise ClientClosedError("the client was closed while this call was in flight")
        raise error

    def on_loop_thread(self) -> bool:
        """Whether the caller is this runner's loop thread."""
        opened = self._open
        return opened is not None and threading.get_ident() == opened.thread_id

    def _refuse_loop_thread(self, what: str) -> None:
        if self.on_loop_thread():
            raise RuntimeError(
                f"{what} of the blocking conversations_sdk.Client was called from the client's own "
                "event loop thread, where waiting for the loop would deadlock; from code running on "
                "that loop, use conversations_sdk.AsyncClient and await it instead"
            )

    def close_async_iterator(self, agen: Any) -> None:
        """Close an async generator on the loop, quietly: used when a blocking iterator is dropped."""
        opened = self._open
        if opened is None:
            return  # the loop is gone or never ran; asyncio finalized its generators at shutdown
        if threading.get_ident() == opened.thread_id:
            # Dropped (garbage-collected) on the loop thread itself: cannot wait here.
            opened.loop.create_task(agen.aclose())
            return
        with contextlib.suppress(Exception):
            self.run(agen.aclose())


def _adopt(client: _T) -> _T:
    """Take charge of closing an async client: its own unclosed-client finalizer is dropped.

    The runner closes it (``close()``, or :func:`_finalize` at collection or exit); a parent's
    client abandoned after a fork must never be closed by the child.
    """
    finalizer = getattr(client, "_finalizer", None)
    if finalizer is not None:
        finalizer.detach()
    return client


def _finalize(runner: _Runner) -> None:
    """Close a client nobody closed: at garbage collection or interpreter exit, without noise."""
    if runner.on_loop_thread():
        # Collected on its own loop thread (e.g. the last reference died in a callback there):
        # closing waits for that loop, so do it from a helper thread instead.
        threading.Thread(target=_finalize, args=(runner,), daemon=True).start()
        return
    try:
        runner.close()
    except Exception:  # a finalizer has no caller to report to; a traceback at exit helps no one
        _log.debug("closing an unclosed conversations_sdk.Client failed", exc_info=True)


_RUNNERS: weakref.WeakSet[_Runner] = weakref.WeakSet()
_ABANDONED_AFTER_FORK: list[object] = []


def _after_fork_in_child() -> None:
    for runner in list(_RUNNERS):
        runner._after_fork_in_child()


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_after_fork_in_child)


# -- derivation: one descriptor turns an async method into its blocking twin ------------------------


class _BlockingResource:
    """Base of the blocking resources: the runner, and where the async twin hangs off the client."""

    __slots__ = ("_path", "_runner")

    def __init__(self, runner: _Runner, path: tuple[str, ...]) -> None:
        self._runner = runner
        self._path = path

    def _target(self) -> Any:
        # Resolved per call (two getattrs) rather than cached: after a fork the async client is new.
        return functools.reduce(getattr, self._path, self._runner.client())

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__qualname__}>"


def _type_hints(method: Callable[..., Any]) -> dict[str, Any] | None:
    # Resolved annotations, so typing.get_type_hints() on a blocking method names Pager or
    # RawResponse where the async one names AsyncPager or the parsed type; None when they cannot
    # be resolved at run time (then only the signature's strings are adjusted).
    try:
        return typing.get_type_hints(method)
    except Exception:
        return None


def _wrap(wrapper: Any, method: Callable[..., Any]) -> None:
    functools.update_wrapper(wrapper, method)
    wrapper.__module__ = "conversations_sdk"
    wrapper.__signature__ = inspect.signature(method)


class blocking(Generic[_P, _R]):
    """Derive a blocking method from a coroutine method of the async resource.

    In a blocking resource's class body, ``create = blocking(AsyncConversations.create)`` gives a
    method with the same parameters, docstring and return type that runs the coroutine on the
    client's loop thread and returns its result (or raises its exception, unchanged).
    """

    def __init__(self, method: Callable[Concatenate[Any, _P], Coroutine[Any, Any, _R]]) -> None:
        self._method = method
        _wrap(self, method)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name
        self.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> blocking[_P, _R]: ...
    @overload
    def __get__(
        self, obj: _BlockingResource, owner: type[Any] | None = None
    ) -> Callable[_P, _R]: ...
    def __get__(self, obj: _BlockingResource | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def __call__(self, resource: _BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run the async method on the resource's loop and wait for its result."""
        try:
            coro = self._method(resource._target(), *args, **kwargs)
        except TypeError as exc:
            # "AsyncItems.retrieve() missing ..." would name a class the caller never used.
            raise _in_callers_terms(exc, self._method, self.__qualname__) from None
        return resource._runner.run(coro)


def _in_callers_terms(exc: TypeError, method: Callable[..., Any], qualname: str) -> TypeError:
    """The same TypeError, naming the blocking method (``Items.retrieve``) instead of its twin."""
    message = str(exc)
    async_name = getattr(method, "__qualname__", "")
    if async_name and message.startswith(async_name):
        return TypeError(qualname + message[len(async_name) :])
    return exc


class blocking_raw(blocking[_P, _R]):
    """Derive a blocking method of a ``with_raw_response`` view from the async view's method.

    The async view's methods are already bound to their resource (they take no ``self``), so the
    call looks the method up on the async view by name and runs what it returns.
    """

    def __init__(self, method: Callable[_P, Awaitable[_R]]) -> None:
        wrapped: Callable[..., Any] = getattr(method, "__wrapped__", method)
        self._method = wrapped
        self._lookup = method.__name__
        _wrap(self, wrapped)
        sig = inspect.signature(wrapped)
        parsed = sig.return_annotation
        if isinstance(parsed, str) and parsed.startswith("AsyncPager"):
            parsed = "ConversationItemList"  # a raw list returns its first page's response
        self.__signature__ = sig.replace(return_annotation=f"RawResponse[{parsed}]")
        hints = _type_hints(wrapped)
        if hints is not None:
            ret = hints.get("return")
            if typing.get_origin(ret) is AsyncPager:
                ret = ConversationItemList
            self.__annotations__ = {**hints, "return": RawResponse[ret]}  # type: ignore[valid-type]

    def __call__(self, resource: _BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """Run the async view's method on the resource's loop and wait for its RawResponse."""
        call: Callable[_P, Awaitable[_R]] = getattr(resource._target(), self._lookup)
        try:
            result = resource._runner.run(_await(call(*args, **kwargs)))
        except TypeError as exc:
            raise _in_callers_terms(exc, self._method, self.__qualname__) from None
        parsed = getattr(result, "parsed", None)
        if isinstance(parsed, AsyncPager):
            # A raw list's parse() is the first page: here, the blocking page object.
            return cast(
                "_R", attrs.evolve(cast(Any, result), parsed=Pager(resource._runner, parsed))
            )
        return result


class blocking_stream(Generic[_P, _T]):
    """Derive a blocking ``with_streaming_response`` method from the async view's method.

    The derived method returns a :class:`ResponseContextManager`; ``with`` sends the request and
    gives a :class:`StreamedResponse` whose body is read on demand, each read one hop to the loop.
    """

    def __init__(self, method: Callable[_P, AsyncResponseContextManager[_T]]) -> None:
        wrapped: Callable[..., Any] = getattr(method, "__wrapped__", method)
        self._method = wrapped
        self._lookup = method.__name__
        _wrap(self, wrapped)
        sig = inspect.signature(wrapped)
        parsed = sig.return_annotation
        if isinstance(parsed, str) and parsed.startswith("AsyncPager"):
            parsed = parsed[len("Async") :]
        self.__signature__ = sig.replace(
            return_annotation=f"ResponseContextManager[StreamedResponse[{parsed}]]"
        )
        hints = _type_hints(wrapped)
        if hints is not None:
            ret = hints.get("return")
            if typing.get_origin(ret) is AsyncPager:
                ret = Pager[typing.get_args(ret)]  # type: ignore[misc]
            self.__annotations__ = {
                **hints,
                "return": ResponseContextManager[StreamedResponse[ret]],  # type: ignore[valid-type]
            }

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name
        self.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> blocking_stream[_P, _T]: ...
    @overload
    def __get__(
        self, obj: _BlockingResource, owner: type[Any] | None = None
    ) -> Callable[_P, ResponseContextManager[_T]]: ...
    def __get__(self, obj: _BlockingResource | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def __call__(
        self, resource: _BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> ResponseContextManager[_T]:
        """Make the context manager; the request is sent when it is entered."""
        call: Callable[..., AsyncResponseContextManager[Any]] = getattr(
            resource._target(), self._lookup
        )
        try:
            manager = call(*args, **kwargs)
        except TypeError as exc:
            raise _in_callers_terms(exc, self._method, self.__qualname__) from None
        return ResponseContextManager(resource._runner, manager, self._method, self.__qualname__)


class _AsyncPagerLike(Protocol[_T_co]):
    def pages(self) -> AsyncIterator[ConversationItemList]: ...
    def __await__(self) -> Generator[Any, None, Any]: ...
    def __aiter__(self) -> AsyncIterator[_T_co]: ...


class blocking_pager(Generic[_P, _T]):
    """Derive a blocking ``list`` from an async method returning an ``AsyncPager``.

    The derived method returns a :class:`Pager` wrapping the async pager; no request is made until
    the pager is used, as on the async side.
    """

    def __init__(self, method: Callable[Concatenate[Any, _P], _AsyncPagerLike[_T]]) -> None:
        self._method = method
        _wrap(self, method)
        sig = inspect.signature(method)
        ret = sig.return_annotation
        if isinstance(ret, str) and ret.startswith("AsyncPager"):
            # The documented signature should name what this method returns: a Pager.
            self.__signature__ = sig.replace(return_annotation=ret[len("Async") :])
        hints = _type_hints(method)
        if hints is not None and typing.get_origin(hints.get("return")) is AsyncPager:
            (item,) = typing.get_args(hints["return"])
            self.__annotations__ = {**hints, "return": Pager[item]}  # type: ignore[valid-type]

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name
        self.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> blocking_pager[_P, _T]: ...
    @overload
    def __get__(
        self, obj: _BlockingResource, owner: type[Any] | None = None
    ) -> Callable[_P, Pager[_T]]: ...
    def __get__(self, obj: _BlockingResource | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def __call__(
        self, resource: _BlockingResource, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> Pager[_T]:
        """Fetch the first page now and return it as a page that also walks every item."""
        try:
            async_pager = self._method(resource._target(), *args, **kwargs)
        except TypeError as exc:
            raise _in_callers_terms(exc, self._method, self.__qualname__) from None
        # As the official SDK's blocking list(): the first page is fetched here (so its errors are
        # raised here), once; iterating starts from it and fetches the rest lazily.
        resource._runner.run(_await(async_pager))
        return Pager(resource._runner, async_pager)


class _Done(enum.Enum):
    DONE = "DONE"


async def _next_page(pages: Any) -> Any:
    try:
        return await pages.__anext__()
    except StopAsyncIteration:
        return _Done.DONE


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


class Pager(Generic[_T]):
    """What the blocking ``items.list(...)`` returns: the first page, which also walks every item.

    ``for item in client.conversations.items.list(cid): ...`` walks every page, fetching the next
    one (``after=<last_id>``) only when the current one is used up. One page, never one item, crosses
    to the event loop at a time. The object is also the first page, as the official SDK's
    ``SyncConversationCursorPage`` is: ``data``, ``has_more``, ``first_id``, ``last_id``,
    ``request_id``, ``has_next_page()``, ``next_page_info()``, ``get_next_page()``, ``iter_pages()``.
    """

    __slots__ = ("_async", "_runner")

    def __init__(self, runner: _Runner, async_pager: _AsyncPagerLike[_T]) -> None:
        self._runner = runner
        self._async = async_pager

    # -- the page (read from the async pager, which holds it) ---------------------------------

    @property
    def data(self) -> Sequence[_T]:
        """The items of this page."""
        data: Sequence[_T] = cast(Any, self._async).data
        return data

    @property
    def has_more(self) -> bool:
        """Whether the API has more items after this page."""
        return bool(cast(Any, self._async).has_more)

    @property
    def first_id(self) -> str:
        """The ID of this page's first item."""
        return str(cast(Any, self._async).first_id)

    @property
    def last_id(self) -> str:
        """The ID of this page's last item, which is the cursor of the next page."""
        return str(cast(Any, self._async).last_id)

    @property
    def object(self) -> str:
        """``"list"``."""
        return str(cast(Any, self._async).object)

    @property
    def extra(self) -> Mapping[str, Any]:
        """Fields of the page that this SDK version does not know, kept as received."""
        extra: Mapping[str, Any] = cast(Any, self._async).extra
        return extra

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this page came from."""
        request_id: str | None = cast(Any, self._async).request_id
        return request_id

    @property
    def _request_id(self) -> str | None:
        # The official SDK's spelling.
        return self.request_id

    @property
    def validation_issues(self) -> tuple[ValidationIssue, ...]:
        """Where this page's body did not match the spec, its items' issues included."""
        issues: tuple[ValidationIssue, ...] = cast(Any, self._async).validation_issues
        return issues

    def has_next_page(self) -> bool:
        """Whether the API reported more items after this page (``has_more``)."""
        return bool(cast(Any, self._async).has_next_page())

    def next_page_info(self) -> PageInfo | None:
        """Where a next page would start (``PageInfo(params={"after": <last_id>})``), or
        ``None`` without a cursor; :meth:`has_next_page` says whether there is one."""
        info: PageInfo | None = cast(Any, self._async).next_page_info()
        return info

    def get_next_page(self) -> Pager[_T]:
        """Fetch the page after this one.

        Raises:
            RuntimeError: This is the last page (check :meth:`has_next_page` first).
            ResponseValidationError: The API reported more items but no usable cursor.
        """
        following = self._runner.run(cast(Any, self._async).get_next_page())
        return Pager(self._runner, following)

    def iter_pages(self) -> Iterator[Pager[_T]]:
        """Yield this page, then each following page, as page objects (fetched lazily)."""
        for page in _bridge(self._runner, cast(Any, self._async).iter_pages()):
            yield Pager(self._runner, page)

    def __aiter__(self) -> NoReturn:
        raise TypeError(
            "the blocking Client's items.list() is iterated with a plain `for item in ...`; "
            "`async for` is for conversations_sdk.AsyncClient"
        )

    def __iter__(self) -> Iterator[_T]:
        """Yield every item of every page, in the order the API returns them."""
        first = getattr(self._async, "_page", None)
        if isinstance(first, ConversationItemList) and not first.has_more:
            # The whole list was the page list() already fetched: no hop to the loop at all.
            yield from cast("list[_T]", page_items(first))
            return
        for page in self.pages():
            yield from cast("list[_T]", page_items(page))

    def pages(self) -> Iterator[ConversationItemList]:
        """Yield each page (``data``, ``first_id``, ``last_id``, ``has_more``), fetching lazily.

        Raises:
            APIError: As the async pager does, when fetching a page fails.
        """
        pages = self._async.pages()
        while True:
            # An exception from run() (an API error, a cancelled fetch) has already ended the
            # async generator; only leaving at the yield below leaves it suspended.
            page = self._runner.run(_next_page(pages))
            if page is _Done.DONE:
                return
            try:
                yield page
            except GeneratorExit:
                # Left early (break, garbage collection): close the async generator on its own
                # loop, so whatever it holds is released there rather than at loop shutdown.
                self._runner.close_async_iterator(pages)
                raise

    def first_page(self) -> ConversationItemList:
        """This page as the plain model (fetched once, by ``list()``, and kept).

        Returns:
            The first page for ``list()``, or the page ``iter_pages()`` yielded.
        """
        page = getattr(self._async, "_page", None)
        if isinstance(page, ConversationItemList):
            return page
        return cast(ConversationItemList, self._runner.run(cast(Any, self._async)._first()))

    def __repr__(self) -> str:
        return f"<conversations_sdk.Pager of {self._async!r}>"

    def _repr_html_(self) -> str | None:
        # Jupyter: the page renders as its model does (the items as a transcript).
        page = getattr(self._async, "_page", None)
        return page._repr_html_() if isinstance(page, ConversationItemList) else None


def _bridge(runner: _Runner, agen: Any) -> Iterator[Any]:
    """Iterate an async generator living on the loop, one hop per element."""
    while True:
        element = runner.run(_next_page(agen))
        if element is _Done.DONE:
            return
        try:
            yield element
        except GeneratorExit:
            # Left early: close the async generator on its own loop (releasing what it holds).
            runner.close_async_iterator(agen)
            raise


class StreamedResponse(Generic[_T]):
    """Blocking twin of ``AsyncStreamedResponse``: a response whose body is read on demand.

    Given by ``with client.conversations.with_streaming_response.<method>(...) as response:``; the
    official SDK's ``APIResponse``. Each read is one hop to the client's loop thread.
    """

    __slots__ = ("_async", "_runner")

    def __init__(self, runner: _Runner, response: AsyncStreamedResponse[Any]) -> None:
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
        return _bridge(self._runner, self._async.iter_bytes(chunk_size))

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """Yield the body decoded as text, piece by piece."""
        return _bridge(self._runner, self._async.iter_text(chunk_size))

    def iter_lines(self) -> Iterator[str]:
        """Yield the body's lines, without their line endings."""
        return _bridge(self._runner, self._async.iter_lines())

    def close(self) -> None:
        """Release the connection (dropping it if the body was not read to the end)."""
        self._runner.run(self._async.close())


class ResponseContextManager(Generic[_T]):
    """What a blocking ``with_streaming_response`` method returns: ``with`` it to get the response.

    The request is sent when the block is entered; the connection is released when it is left.
    """

    __slots__ = ("_manager", "_method", "_qualname", "_runner")

    def __init__(
        self,
        runner: _Runner,
        manager: AsyncResponseContextManager[Any],
        method: Callable[..., Any],
        qualname: str,
    ) -> None:
        self._runner = runner
        self._manager = manager
        self._method = method
        self._qualname = qualname

    def __enter__(self) -> StreamedResponse[_T]:
        try:
            response = self._runner.run(self._manager.__aenter__())
        except TypeError as exc:
            raise _in_callers_terms(exc, self._method, self._qualname) from None
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


Pager.__module__ = "conversations_sdk"


# -- the public blocking classes ------------------------------------------------------------------


class ItemsWithRawResponse(_BlockingResource):
    """``client.conversations.items.with_raw_response``: each method returns a ``RawResponse``.

    ``list`` returns the first page's response, as on the async side.
    """

    __slots__ = ()

    create = blocking_raw(AsyncItemsWithRawResponse.create)
    list = blocking_raw(AsyncItemsWithRawResponse.list)
    retrieve = blocking_raw(AsyncItemsWithRawResponse.retrieve)
    delete = blocking_raw(AsyncItemsWithRawResponse.delete)


class ConversationsWithRawResponse(_BlockingResource):
    """``client.conversations.with_raw_response``: each method returns a ``RawResponse``."""

    __slots__ = ()

    create = blocking_raw(AsyncConversationsWithRawResponse.create)
    retrieve = blocking_raw(AsyncConversationsWithRawResponse.retrieve)
    update = blocking_raw(AsyncConversationsWithRawResponse.update)
    delete = blocking_raw(AsyncConversationsWithRawResponse.delete)

    @property
    def items(self) -> ItemsWithRawResponse:
        """``client.conversations.items`` returning ``RawResponse`` objects."""
        return ItemsWithRawResponse(self._runner, ("conversations", "items", "with_raw_response"))


class ItemsWithStreamingResponse(_BlockingResource):
    """``client.conversations.items.with_streaming_response``: each method returns a
    :class:`ResponseContextManager`; ``list`` streams the first page."""

    __slots__ = ()

    create = blocking_stream(AsyncItemsWithStreamingResponse.create)
    list = blocking_stream(AsyncItemsWithStreamingResponse.list)
    retrieve = blocking_stream(AsyncItemsWithStreamingResponse.retrieve)
    delete = blocking_stream(AsyncItemsWithStreamingResponse.delete)


class ConversationsWithStreamingResponse(_BlockingResource):
    """``client.conversations.with_streaming_response``: each method returns a
    :class:`ResponseContextManager`."""

    __slots__ = ()

    create = blocking_stream(AsyncConversationsWithStreamingResponse.create)
    retrieve = blocking_stream(AsyncConversationsWithStreamingResponse.retrieve)
    update = blocking_stream(AsyncConversationsWithStreamingResponse.update)
    delete = blocking_stream(AsyncConversationsWithStreamingResponse.delete)

    @property
    def items(self) -> ItemsWithStreamingResponse:
        """``client.conversations.items`` returning streamed responses."""
        return ItemsWithStreamingResponse(
            self._runner, ("conversations", "items", "with_streaming_response")
        )


class Items(_BlockingResource):
    """The items of conversations, blocking (``client.conversations.items``).

    Each method is the :class:`AsyncItems` method of the same name, run on the client's loop
    thread: same parameters, same return types, same errors.
    """

    __slots__ = ()

    create = blocking(AsyncItems.create)
    list = blocking_pager(AsyncItems.list)
    retrieve = blocking(AsyncItems.retrieve)
    delete = blocking(AsyncItems.delete)

    @property
    def with_raw_response(self) -> ItemsWithRawResponse:
        """The same methods, each returning a ``RawResponse`` (status, headers, request id)."""
        return ItemsWithRawResponse(self._runner, (*self._path, "with_raw_response"))

    @property
    def with_streaming_response(self) -> ItemsWithStreamingResponse:
        """The same methods, each a context manager giving the response before its body is read."""
        return ItemsWithStreamingResponse(self._runner, (*self._path, "with_streaming_response"))


class Conversations(_BlockingResource):
    """The conversations resource, blocking (``client.conversations``).

    Each method is the :class:`AsyncConversations` method of the same name, run on the client's
    loop thread: same parameters, same return types, same errors.
    """

    __slots__ = ("_items",)

    def __init__(self, runner: _Runner, path: tuple[str, ...]) -> None:
        super().__init__(runner, path)
        self._items = Items(runner, (*path, "items"))

    @property
    def items(self) -> Items:
        """The items of conversations (``client.conversations.items``)."""
        return self._items

    @property
    def with_raw_response(self) -> ConversationsWithRawResponse:
        """The same methods, each returning a ``RawResponse`` (status, headers, request id)."""
        return ConversationsWithRawResponse(self._runner, (*self._path, "with_raw_response"))

    @property
    def with_streaming_response(self) -> ConversationsWithStreamingResponse:
        """The same methods, each a context manager giving the response before its body is read.

        ``with client.conversations.with_streaming_response.retrieve(cid) as response:``
        """
        return ConversationsWithStreamingResponse(
            self._runner, (*self._path, "with_streaming_response")
        )

    create = blocking(AsyncConversations.create)
    retrieve = blocking(AsyncConversations.retrieve)
    update = blocking(AsyncConversations.update)
    delete = blocking(AsyncConversations.delete)


class _ClientWithRawResponse:
    """``client.with_raw_response``: the resources, each call returning a ``RawResponse``."""

    __slots__ = ("_runner",)

    def __init__(self, runner: _Runner) -> None:
        self._runner = runner

    @property
    def conversations(self) -> ConversationsWithRawResponse:
        """``client.conversations`` returning ``RawResponse`` objects."""
        return ConversationsWithRawResponse(self._runner, ("conversations", "with_raw_response"))


class _ClientWithStreamingResponse:
    """``client.with_streaming_response``: the resources, each call a response context manager."""

    __slots__ = ("_runner",)

    def __init__(self, runner: _Runner) -> None:
        self._runner = runner

    @property
    def conversations(self) -> ConversationsWithStreamingResponse:
        """``client.conversations`` returning streamed responses."""
        return ConversationsWithStreamingResponse(
            self._runner, ("conversations", "with_streaming_response")
        )


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
        self._runner = _Runner(functools.partial(_blocking_async_client, *args, **kwargs), client)
        self._conversations = Conversations(self._runner, ("conversations",))
        self._finalizer = weakref.finalize(self, _finalize, self._runner)
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
        copy._runner = _DerivedRunner(self._runner, derive, first)
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
    def with_raw_response(self) -> _ClientWithRawResponse:
        """The same API, each call returning a ``RawResponse`` (status, headers, request id)."""
        return _ClientWithRawResponse(self._runner)

    @property
    def with_streaming_response(self) -> _ClientWithStreamingResponse:
        """The same API, each call a context manager giving the response before its body is read."""
        return _ClientWithStreamingResponse(self._runner)

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


def _no_op(runner: _Runner) -> None:
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


class _DerivedRunner(_Runner):
    """The runner of a client copy (``with_options``): the original's loop, the copy's client.

    Calls run on the original's loop thread; closing the copy refuses further calls on it and
    leaves the loop and the pool to the original.
    """

    __slots__ = ("_derive", "_parent", "_source")

    def __init__(
        self,
        parent: _Runner,
        derive: Callable[[AsyncClient], AsyncClient],
        first: AsyncClient,
    ) -> None:
        # Not _Runner.__init__: a copy has no loop of its own and is not closed after a fork.
        self._parent = parent
        self._derive = derive
        self._source: Any = parent.peek_client()
        self._client = first
        self._closed = False
        self._open = None
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        """Whether the copy or its original was closed."""
        return self._closed or self._parent.closed

    def _current(self, original: Any) -> Any:
        # After a fork the original makes a new async client: derive the copy from it again.
        if original is not self._source:
            self._client, self._source = self._derive(original), original
        return self._client

    def peek_client(self) -> Any:
        """The copy's async client, without starting the loop thread."""
        return self._current(self._parent.peek_client())

    def client(self) -> Any:
        """The copy's async client, starting the original's loop thread if needed."""
        if self._closed:
            raise ClientClosedError("this Client (a copy) is closed; create a new one")
        return self._current(self._parent.client())

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the original's loop thread."""
        if self._closed:
            coro.close()
            raise ClientClosedError("this Client (a copy) is closed; create a new one")
        return self._parent.run(coro)

    def close(self) -> None:
        """Refuse further calls on the copy; the original's loop and pool stay up."""
        self._refuse_loop_thread("close()")
        self._closed = True

    def on_loop_thread(self) -> bool:
        """Whether the caller is the original's loop thread."""
        return self._parent.on_loop_thread()

    def close_async_iterator(self, agen: Any) -> None:
        """Close an async generator on the original's loop."""
        self._parent.close_async_iterator(agen)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - never registered
        return None


for _cls in (
    Client,
    Conversations,
    Items,
    ResponseContextManager,
    StreamedResponse,
):
    _cls.__module__ = "conversations_sdk"
del _cls
