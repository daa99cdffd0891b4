"""One asyncio event loop on its own thread, and the hop that runs a coroutine there from any thread.

Used by the blocking ``Client`` (its ``AsyncClient`` and session live on the loop) and by
``ThreadedEmulator`` (its server lives there). The thread runs :func:`anyio.run` on asyncio
(aiohttp needs asyncio) with an anyio :class:`~anyio.from_thread.BlockingPortal` as its main task;
anyio owns the loop's whole life (start, async generator shutdown, close), and the portal is what
keeps it running until :meth:`LoopThread.stop`. Only anyio's public API and the standard library:
no dependency's private attribute is read or written here.

A call does not go through ``portal.call``: :meth:`LoopThread.run` queues one task on the loop and
waits on a plain lock, which is the cheapest hop (see ``python -m bench.blocking_overhead``). While
it waits, Ctrl-C (or any exception) cancels the task on the loop before it propagates, so a stalled
request is dropped, not left running.

After :func:`os.fork` the child has a copy of this object but no thread behind it: :meth:`stop` is a
no-op there and :meth:`run` refuses, instead of waiting forever for a loop that does not exist.
This module must not import anything else from the SDK: the emulator uses it and must never load
the client's converter or models.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

__all__ = ["LoopThread", "PendingCall"]

_T = TypeVar("_T")

# How long an interrupted call waits for its task to be cancelled on the loop before the interrupt
# propagates: long enough for aiohttp to drop the connection, short enough that a stuck loop can
# never make Ctrl-C feel ignored.
_CANCEL_GRACE_SECONDS = 5.0

# Longest a blocked call goes without checking for Ctrl-C (see LoopThread.wait).
_SIGNAL_CHECK_SECONDS = 0.2

# create_task(context=...) exists from 3.11: there the caller's contextvars (tracing ids, ...) follow
# the call onto the loop thread, as they would across an ``await``.
_TASK_CONTEXT = sys.version_info >= (3, 11)
# asyncio.Task(..., eager_start=True) exists from 3.12.
_EAGER_START = sys.version_info >= (3, 12)

_NO_TASKS: set[asyncio.Task[Any]] = set()


class PendingCall:
    """One call queued on a loop thread: the coroutine, its task, its outcome, and a done lock."""

    __slots__ = ("context", "coro", "done", "error", "result", "task", "tasks")

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self.coro = coro
        self.task: asyncio.Task[Any] | None = None
        self.tasks: set[asyncio.Task[Any]] = _NO_TASKS  # the loop's in-flight set, once spawned
        self.context = contextvars.copy_context() if _TASK_CONTEXT else None
        self.result: Any = None
        self.error: BaseException | None = None
        # A plain lock acquired up front and released when the coroutine ends: the cheapest
        # cross-thread "wait for one event" in CPython (no Condition, no concurrent.futures.Future).
        self.done = threading.Lock()
        self.done.acquire()

    async def drive(self) -> None:
        # Runs as the task. The lock is released in the coroutine's own last step rather than by
        # a done callback, which would cost one more loop iteration per call.
        try:
            self.result = await self.coro
        except BaseException as exc:  # handed to the waiting thread, re-raised there
            self.error = exc
        finally:
            if self.task is not None:
                self.tasks.discard(self.task)
            self.done.release()


class LoopThread:
    """A running asyncio event loop on a daemon thread of its own; started by the constructor.

    Thread-safe: any number of threads may :meth:`run` coroutines on it at once.

    Args:
        name: The thread's name; anyio's ``asyncio-portal-<id>`` by default.

    Raises:
        BaseException: Whatever stopped the loop from starting.
    """

    __slots__ = ("loop", "pid", "portal", "tasks", "thread", "thread_id")

    def __init__(self, name: str | None = None) -> None:
        started: Future[tuple[BlockingPortal, asyncio.AbstractEventLoop]] = Future()
        self.thread = threading.Thread(target=_run_loop, args=(started, name), daemon=True)
        # Daemon: a loop nobody stopped never keeps the interpreter from exiting (the owners'
        # finalizers stop it at exit when they can).
        if name is not None:
            self.thread.name = name
        self.thread.start()
        self.portal, self.loop = started.result()
        self.thread_id: int | None = self.thread.ident
        self.pid = os.getpid()
        self.tasks: set[asyncio.Task[Any]] = set()  # touched on the loop thread only

    def is_current(self) -> bool:
        """Whether the caller is this loop's own thread (where waiting for the loop deadlocks)."""
        return threading.get_ident() == self.thread_id

    # -- the hop ------------------------------------------------------------------------------

    def submit(self, call: PendingCall) -> None:
        """Queue ``call`` on the loop (from any thread but the loop's own); returns at once.

        Raises:
            RuntimeError: The loop is closed.
        """
        self.loop.call_soon_threadsafe(self._spawn, call)

    def _spawn(self, call: PendingCall) -> None:
        call.tasks = self.tasks
        if _EAGER_START:
            # 3.12+: the first step (building and sending the request) runs right here instead
            # of one loop iteration later.
            task: asyncio.Task[None] = asyncio.Task(  # type: ignore[call-arg,unused-ignore]
                call.drive(), loop=self.loop, context=call.context, eager_start=True
            )
        elif call.context is not None:
            task = self.loop.create_task(call.drive(), context=call.context)  # type: ignore[call-arg,unused-ignore]
        else:
            task = self.loop.create_task(call.drive())
        call.task = task
        if not task.done():  # an eagerly started call may already be over
            self.tasks.add(task)

    def wait(self, call: PendingCall) -> None:
        """Block until a submitted ``call`` ends; its outcome is then in ``result``/``error``.

        A ``KeyboardInterrupt`` (or any exception) while waiting cancels the call's task on the
        loop, waits a bounded time for that to land (so the connection is dropped), and propagates.
        """
        try:
            # A signal landing just before the thread blocks in acquire() is not seen until the
            # acquire returns (CPython checks for signals only on EINTR or between bytecodes), so
            # wait in slices: Ctrl-C is then honoured within one slice even in that race.
            while not call.done.acquire(timeout=_SIGNAL_CHECK_SECONDS):
                pass
        except BaseException:
            # The coroutine belongs to the loop thread now: only that thread may stop it.
            self.cancel(call)
            raise

    def cancel(self, call: PendingCall) -> None:
        """Cancel a submitted ``call`` on the loop and wait (bounded) for it to end."""
        try:
            self.loop.call_soon_threadsafe(_cancel_task, call)
        except RuntimeError:  # the loop is already closed: nothing is running any more
            return
        # A second Ctrl-C during this wait propagates at once.
        call.done.acquire(timeout=_CANCEL_GRACE_SECONDS)

    def run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the loop, block until it ends, and return its result or raise its error.

        Raises:
            RuntimeError: Called from the loop's own thread (it would deadlock), from a forked
                child (the loop is the parent's), or after :meth:`stop`.
        """
        try:
            self._refuse_dead_or_current()
            call = PendingCall(coro)
            self.submit(call)
        except BaseException:
            coro.close()  # never started: close it so it is not reported as "never awaited"
            raise
        self.wait(call)
        error = call.error
        if error is None:
            return call.result  # type: ignore[no-any-return]
        call.error = None  # no cycle: exception -> traceback -> this frame -> call -> exception
        raise error

    def _refuse_dead_or_current(self) -> None:
        if self.is_current():
            raise RuntimeError("cannot wait for an event loop from its own thread (deadlock)")
        if self.pid != os.getpid():
            raise RuntimeError("this event loop thread belongs to the parent process (fork)")

    # -- lifecycle ----------------------------------------------------------------------------

    def stop(self, last: Callable[[], Awaitable[None]] | None = None) -> None:
        """Cancel the calls in flight, await ``last()`` on the loop, then end the loop and thread.

        Idempotent. In a forked child it does nothing (no thread to stop there, and the parent's
        objects must not be closed by the child).

        Raises:
            RuntimeError: Called from the loop's own thread.
        """
        if self.pid != os.getpid():
            return
        if self.is_current():
            raise RuntimeError("cannot stop an event loop from its own thread (deadlock)")
        if self.thread.is_alive():
            try:
                self.portal.call(self._shutdown, last)
            finally:
                with contextlib.suppress(RuntimeError):  # already stopped
                    self.portal.call(self.portal.stop)
        self.thread.join()

    async def _shutdown(self, last: Callable[[], Awaitable[None]] | None) -> None:
        # Calls queued just before the owner stopped submitting may still be pending callbacks:
        # one loop turn lets them create their tasks, so none is missed below.
        await asyncio.sleep(0)
        pending = list(self.tasks)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        if last is not None:
            await last()


def _run_loop(
    started: Future[tuple[BlockingPortal, asyncio.AbstractEventLoop]], name: str | None
) -> None:
    async def main() -> None:
        async with BlockingPortal() as portal:
            if name is None:
                threading.current_thread().name = f"asyncio-portal-{id(portal):x}"
            started.set_result((portal, asyncio.get_running_loop()))
            await portal.sleep_until_stopped()

    try:
        anyio.run(main, backend="asyncio")
    except BaseException as exc:
        if not started.done():
            started.set_exception(exc)
        # Otherwise the loop ended after it started; its owner already has what it needs.


def _cancel_task(call: PendingCall) -> None:
    if call.task is not None:
        call.task.cancel()
    else:  # interrupted before the call was even queued: nothing started, nothing to wait for
        call.coro.close()
        call.done.release()
