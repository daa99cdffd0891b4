"""The one loop-thread mechanism (``_loop_thread.LoopThread``) shared by ``Client`` and ``ThreadedEmulator``.

The blocking client's guarantees (threads, notebooks, Ctrl-C, fork, finalizers) are proven through
``Client`` in the other files here; these pin what the emulator relies on directly, and the
module's promise to import nothing else from the SDK.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest

from conversations_sdk._loop_thread import LoopThread


async def _where() -> int:
    return threading.get_ident()


async def _fail() -> None:
    raise LookupError("raised on the loop")


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.stop()


def test_run_returns_and_raises_as_on_the_loop(loop_thread: LoopThread) -> None:
    """A coroutine runs on the loop's own thread; its result comes back, its exception unchanged."""
    assert loop_thread.run(_where()) == loop_thread.thread_id != threading.get_ident()
    with pytest.raises(LookupError, match="raised on the loop"):
        loop_thread.run(_fail())


def test_many_threads_share_one_loop(loop_thread: LoopThread) -> None:
    """Calls from several threads at once all run, on the one loop thread."""
    seen: list[int] = []

    def worker() -> None:
        for _ in range(20):
            seen.append(loop_thread.run(_where()))

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for worker_thread in workers:
        worker_thread.start()
    for worker_thread in workers:
        worker_thread.join(timeout=30)
    assert seen == [loop_thread.thread_id] * 80


def test_run_from_the_loop_thread_is_refused(loop_thread: LoopThread) -> None:
    """Waiting for the loop on its own thread would deadlock: it raises, and the coroutine is closed."""

    async def nested() -> str:
        inner = _where()
        try:
            loop_thread.run(inner)
        except RuntimeError as exc:
            return f"{exc} / closed={inspect.getcoroutinestate(inner) == inspect.CORO_CLOSED}"
        return "ran"

    assert loop_thread.run(nested()) == (
        "cannot wait for an event loop from its own thread (deadlock) / closed=True"
    )


def test_stop_cancels_calls_in_flight_then_runs_last() -> None:
    """stop() cancels a call still running, then awaits ``last`` on the loop, then ends the thread."""
    thread = LoopThread()
    started, order = threading.Event(), list[str]()

    async def stalled() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            order.append("cancelled")
            raise

    async def last() -> None:
        order.append("last")

    outcome: list[BaseException] = []

    def call() -> None:
        try:
            thread.run(stalled())
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(timeout=10)
    thread.stop(last)
    caller.join(timeout=10)
    assert order == ["cancelled", "last"]
    assert [type(exc) for exc in outcome] == [asyncio.CancelledError]
    assert not thread.thread.is_alive()
    assert thread.loop.is_closed()
    thread.stop()  # idempotent


def _script(body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "always"},
        check=False,
    )


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_forked_child_neither_waits_for_nor_stops_the_parents_loop() -> None:
    """In a child, the parent's loop thread does not exist: stop() returns, run() refuses, no hang."""
    result = _script(
        """
        import asyncio, faulthandler, os, sys, warnings
        from conversations_sdk._loop_thread import LoopThread

        async def answer():
            return 42

        thread = LoopThread()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
            pid = os.fork()
        if pid == 0:
            faulthandler.dump_traceback_later(20, exit=True)  # a hang fails, never blocks CI
            try:
                thread.run(answer())
            except RuntimeError as exc:
                print("child refused:", "parent process" in str(exc), flush=True)
            thread.stop()
            print("child stopped", flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
        print("parent", thread.run(answer()))
        thread.stop()
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "child refused: True",
        "child stopped",
        "child exit 0",
        "parent 42",
    ]
    assert result.stderr == ""


def test_imports_nothing_else_from_the_sdk() -> None:
    """The emulator uses this module, so it must not load the client's converter or models."""
    result = _script(
        """
        import sys
        import conversations_sdk._loop_thread
        print(sorted(m for m in sys.modules if m.startswith("conversations_sdk")))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['conversations_sdk', 'conversations_sdk._loop_thread']"
