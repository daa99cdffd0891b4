"""One blocking client's loop thread: started on first use, the hop into it, closing, fork, finalizers.

A :class:`Runner` holds the ``AsyncClient`` a blocking ``Client`` drives and, from the first call on,
the :class:`~conversations_sdk._loop_thread.LoopThread` that async client lives on. The loop thread
itself (start, the hop, Ctrl-C, stop) is ``_loop_thread.py``'s; this module owns what is the
client's around it: when the thread starts, the calls it refuses because they would deadlock (from
the loop thread itself, or to an emulator served by the caller's own loop), ``ClientClosedError``
once closed, closing the async client on its loop, :func:`finalize` for a client nobody closed, and
the fresh start in a forked child. :class:`DerivedRunner` is a ``with_options`` copy's: the
original's thread and pool, the copy's async client.

It must not know the API: it runs coroutines and iterates async generators that others built
(``_derive.py``, ``_pager.py``, ``_streamed.py``), and re-raises what they raise, unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, Protocol, TypeVar

from .._errors import ClientClosedError
from .._loop_servers import LOOP_SERVERS, served_by_this_thread
from .._loop_thread import LoopThread, PendingCall

__all__ = ["DerivedRunner", "Runner", "finalize"]

_T = TypeVar("_T")
_C = TypeVar("_C")

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


class Runner:
    """The loop thread of one blocking client, the async client living on it, and the hop into it.

    Thread-safe. Holds no reference to the blocking ``Client``, so a finalizer can own it.

    Args:
        factory: Makes a new async client (the one a forked child starts afresh with).
        client: The async client to drive; not yet on any loop.
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

    def run(self, coro: Coroutine[Any, Any, _T], calling: Any = None) -> _T:
        """Run ``coro`` on the loop thread and block until it ends; return or raise its outcome.

        A ``KeyboardInterrupt`` (or any exception) while waiting cancels the task on the loop (so the
        request is dropped, not left running) before it propagates.

        Args:
            coro: The coroutine; closed unstarted when the call is refused.
            calling: The async client whose server ``coro`` calls, when it is not this runner's
                own (a ``with_options`` copy's, which may have another ``base_url``).

        Raises:
            ClientClosedError: The client is closed, or was closed while the call was in flight.
            RuntimeError: The call would deadlock (see :meth:`_refuse_loop_thread` and
                ``_loop_servers``).
        """
        try:
            opened = self._open or self._start()
            if threading.get_ident() == opened.thread_id:
                self._refuse_loop_thread("a blocking method")
            if LOOP_SERVERS:  # an Emulator serves in this process: is it on the caller's loop?
                _refuse_own_loop_server(opened.client if calling is None else calling)
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

    def iterate(self, agen: AsyncIterator[_T]) -> Iterator[_T]:
        """Iterate an async generator living on the loop, one hop per element.

        Leaving early (``break``, garbage collection) closes the async generator on its own loop,
        so whatever it holds (a page walk, a response body) is released there and then.
        """
        while True:
            # An exception from run() (an API error, a cancelled fetch) has already ended the
            # async generator; only leaving at the yield below leaves it suspended.
            element = self.run(_next_or_done(agen))
            if element is _Done.DONE:
                return
            try:
                yield element
            except GeneratorExit:
                self._close_async_iterator(agen)
                raise

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

    def _close_async_iterator(self, agen: Any) -> None:
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


class DerivedRunner(Runner):
    """The runner of a client copy (``with_options``): the original's loop, the copy's client.

    Calls run on the original's loop thread; closing the copy refuses further calls on it and
    leaves the loop and the pool to the original.

    Args:
        parent: The original client's runner.
        derive: Makes the copy's async client from the original's (again after a fork).
        first: The copy's async client, derived from the original's current one.
    """

    __slots__ = ("_derive", "_parent", "_source")

    def __init__(
        self, parent: Runner, derive: Callable[[Any], _AsyncClosable], first: _AsyncClosable
    ) -> None:
        # Not Runner.__init__: a copy has no loop of its own and is not restarted after a fork.
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

    def run(self, coro: Coroutine[Any, Any, _T], calling: Any = None) -> _T:
        """Run ``coro`` on the original's loop thread."""
        if self._closed:
            coro.close()
            raise ClientClosedError("this Client (a copy) is closed; create a new one")
        return self._parent.run(coro, self._client if calling is None else calling)

    def close(self) -> None:
        """Refuse further calls on the copy; the original's loop and pool stay up."""
        self._refuse_loop_thread("close()")
        self._closed = True

    def on_loop_thread(self) -> bool:
        """Whether the caller is the original's loop thread."""
        return self._parent.on_loop_thread()

    def _close_async_iterator(self, agen: Any) -> None:
        self._parent._close_async_iterator(agen)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - never registered
        return None


def _refuse_own_loop_server(client: Any) -> None:
    if served_by_this_thread(getattr(client, "base_url", "")):
        raise RuntimeError(
            "this blocking conversations_sdk.Client calls an Emulator that runs on the "
            "event loop of the calling thread (a notebook's loop): the call would wait "
            "for a server that cannot answer until the call returns, a deadlock. Use "
            "`with conversations_sdk.emulator.emulated_client() as client:` (or a "
            "ThreadedEmulator) for a blocking client, or AsyncClient and `await` its "
            "calls with this Emulator"
        )


class _Done(enum.Enum):
    DONE = "DONE"


async def _next_or_done(agen: AsyncIterator[_T]) -> _T | _Done:
    try:
        return await agen.__anext__()
    except StopAsyncIteration:
        return _Done.DONE


def _adopt(client: _C) -> _C:
    """Take charge of closing an async client: its own unclosed-client finalizer is dropped.

    The runner closes it (``close()``, or :func:`finalize` at collection or exit); a parent's
    client abandoned after a fork must never be closed by the child.
    """
    finalizer = getattr(client, "_finalizer", None)
    if finalizer is not None:
        finalizer.detach()
    return client


def finalize(runner: Runner) -> None:
    """Close a client nobody closed: at garbage collection or interpreter exit, without noise."""
    if runner.on_loop_thread():
        # Collected on its own loop thread (e.g. the last reference died in a callback there):
        # closing waits for that loop, so do it from a helper thread instead.
        threading.Thread(target=finalize, args=(runner,), daemon=True).start()
        return
    try:
        runner.close()
    except Exception:  # a finalizer has no caller to report to; a traceback at exit helps no one
        _log.debug("closing an unclosed conversations_sdk.Client failed", exc_info=True)


_RUNNERS: weakref.WeakSet[Runner] = weakref.WeakSet()
_ABANDONED_AFTER_FORK: list[object] = []


def _after_fork_in_child() -> None:
    for runner in list(_RUNNERS):
        runner._after_fork_in_child()


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_after_fork_in_child)
