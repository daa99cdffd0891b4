"""The blocking machinery on its own: the hop, the descriptors, lifecycle, threads and loops.

These tests drive a tiny fake async resource through a ``Runner`` and the ``blocking`` descriptor,
so they pin down what ``_blocking`` itself promises independently of HTTP: results and exceptions
pass through unchanged, calls from many threads never cross, Ctrl-C cancels the coroutine, closing
and garbage collection stop the loop thread. They use the runner's own methods only; code that must
run on the loop thread is a coroutine of the fake resource, as it would be in a real client.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import inspect
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, cast

import pytest

from conversations_sdk import AsyncPager, ClientClosedError, NotFoundError
from conversations_sdk._blocking import Pager, blocking
from conversations_sdk._blocking._derive import BlockingResource
from conversations_sdk._blocking._runner import Runner, finalize

TRACE: contextvars.ContextVar[str] = contextvars.ContextVar("TRACE", default="unset")


class FakePage:
    def __init__(self, data: list[int], last: bool) -> None:
        self.data = data
        self.has_more = not last
        self.last_id = str(data[-1]) if data else ""


class FakePager(AsyncPager[int]):
    """Pages of three numbers up to ``total``; counts page fetches like a real pager's requests."""

    def __init__(self, owner: FakeResource, total: int) -> None:
        self.owner = owner
        self.total = total
        super().__init__(self._page)

    async def _page(self, cursor: str | None) -> Any:
        self.owner.page_fetches += 1
        start = 0 if cursor is None else int(cursor) + 1
        stop = min(start + 3, self.total)
        return FakePage(list(range(start, stop)), last=stop >= self.total)

    async def pages(self) -> Any:
        try:
            async for page in super().pages():
                yield page
        finally:
            self.owner.pages_closed_on.append(threading.get_ident())


class FakeResource:
    """Stands in for an async resource: coroutine methods and a pager-returning ``list``."""

    def __init__(self) -> None:
        self.page_fetches = 0
        self.pages_closed_on: list[int] = []
        self.started = asyncio.Event  # replaced per test where needed
        self.cancelled = threading.Event()
        self.entered = threading.Event()
        self.loop_threads: set[int] = set()

    async def echo(self, value: str, *, suffix: str = "") -> str:
        """Return ``value + suffix`` after one loop turn."""
        self.loop_threads.add(threading.get_ident())
        await asyncio.sleep(0)
        return value + suffix

    async def fail(self, conversation_id: str) -> None:
        """Raise NotFoundError like the API would."""
        raise NotFoundError(
            "No conversation found", status_code=404, request_id="req_1", code="not_found"
        )

    async def hang(self) -> None:
        """Wait forever, noting when it is cancelled."""
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise

    async def trace(self) -> str:
        """Read a context variable set by the caller."""
        return TRACE.get()

    async def thread(self) -> threading.Thread:
        """The thread the coroutine runs on: the loop thread."""
        return threading.current_thread()

    async def call_here(self, fn: Callable[[], Any]) -> Any:
        """Call ``fn()`` on the loop thread, as code running on the client's loop would."""
        return fn()

    def list(self, total: int) -> FakePager:
        """A pager over ``total`` numbers."""
        return FakePager(self, total)


class FakeAsyncClient:
    def __init__(self) -> None:
        self.resource = FakeResource()
        self.closed = 0
        self.closed_event = threading.Event()

    async def aclose(self) -> None:
        self.closed += 1
        self.closed_event.set()


class Blocking(BlockingResource):
    echo = blocking(FakeResource.echo)
    fail = blocking(FakeResource.fail)
    hang = blocking(FakeResource.hang)
    trace = blocking(FakeResource.trace)
    thread = blocking(FakeResource.thread)
    call_here = blocking(FakeResource.call_here)
    # The fake pager yields pages of ints, not ConversationItemList: fine at run time.
    list = blocking(cast(Any, FakeResource.list))


@pytest.fixture
def runner() -> Any:
    fake = FakeAsyncClient()
    r = Runner(FakeAsyncClient, fake)
    yield r
    r.close()


@pytest.fixture
def res(runner: Runner) -> Blocking:
    return Blocking(runner, ("resource",))


def test_result_passes_through(res: Blocking) -> None:
    """A blocking method returns exactly what its coroutine returns, arguments forwarded."""
    assert res.echo("a", suffix="b") == "ab"


def test_error_passes_through_unchanged(res: Blocking) -> None:
    """The coroutine's exception reaches the caller as the same class with the same attributes."""
    with pytest.raises(NotFoundError) as info:
        res.fail("conv_x")
    assert info.value.status_code == 404
    assert info.value.request_id == "req_1"
    assert info.value.code == "not_found"


def test_descriptor_copies_signature_and_docstring() -> None:
    """help() and Sphinx show the async method's parameters and docstring on the blocking twin."""
    assert Blocking.echo.__doc__ == FakeResource.echo.__doc__
    assert inspect.signature(Blocking.echo) == inspect.signature(FakeResource.echo)
    assert Blocking.echo.__qualname__ == "Blocking.echo"
    assert Blocking.echo.__module__ == "conversations_sdk"


def test_bound_signature_drops_self(res: Blocking) -> None:
    """The bound blocking method's signature is the async one without ``self``."""
    assert list(inspect.signature(res.echo).parameters) == ["value", "suffix"]


def test_one_loop_thread_for_the_client_life(res: Blocking, runner: Runner) -> None:
    """Every call runs on the same long-lived loop thread, not a new loop per call."""
    for _ in range(5):
        res.echo("x")
    fake = runner.client()
    assert len(fake.resource.loop_threads) == 1
    assert threading.get_ident() not in fake.resource.loop_threads


def test_threads_share_one_client_without_crossing(res: Blocking) -> None:
    """32 threads calling at once each get their own answer: none lost, none crossed."""
    n = 32
    barrier = threading.Barrier(n)
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = [res.echo(f"t{i}-", suffix=str(j)) for j in range(20)]
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == {i: [f"t{i}-{j}" for j in range(20)] for i in range(n)}


async def test_callable_inside_a_running_loop(res: Blocking) -> None:
    """A coroutine (a notebook cell) may call the blocking facade: the loop lives in another thread."""
    asyncio.get_running_loop()  # there is a running loop in this thread
    assert res.echo("in", suffix="-loop") == "in-loop"


def test_call_from_the_loop_thread_is_refused(res: Blocking, runner: Runner) -> None:
    """A blocking call or close() made on the client's own loop thread raises, no deadlock."""
    with pytest.raises(RuntimeError, match="own event loop thread"):
        res.call_here(lambda: res.echo("x"))
    with pytest.raises(RuntimeError, match="own event loop thread"):
        res.call_here(runner.close)
    assert res.echo("still", suffix=" works") == "still works"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="create_task(context=) needs 3.11")
def test_contextvars_follow_the_call(res: Blocking) -> None:
    """Context variables set by the caller are visible to the coroutine, as across an await."""
    token = TRACE.set("req-42")
    try:
        assert res.trace() == "req-42"
    finally:
        TRACE.reset(token)


def test_keyboard_interrupt_cancels_the_inflight_call(res: Blocking, runner: Runner) -> None:
    """Ctrl-C while a call is blocked cancels its coroutine on the loop, then propagates."""
    res.echo("start")
    fake = runner.client().resource
    main = threading.get_ident()

    def interrupt_when_entered() -> None:
        fake.entered.wait(10)
        signal.pthread_kill(main, signal.SIGINT)

    helper = threading.Thread(target=interrupt_when_entered)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            res.hang()
    finally:
        helper.join()
    assert fake.cancelled.is_set()  # _cancel waited for the cancellation to land
    assert res.echo("after") == "after"


def test_close_stops_the_thread_and_refuses_calls(runner: Runner, res: Blocking) -> None:
    """close() closes the async client on its loop, stops the thread; later calls raise."""
    res.echo("x")
    fake = runner.client()
    loop_thread = res.thread()
    runner.close()
    assert fake.closed == 1
    assert not loop_thread.is_alive()
    with pytest.raises(ClientClosedError):
        res.echo("y")
    runner.close()  # idempotent
    assert fake.closed == 1


def test_close_never_started_does_not_start_a_thread() -> None:
    """Closing a client that never made a call starts no thread and opens nothing."""
    before = set(threading.enumerate())
    fake = FakeAsyncClient()
    runner = Runner(FakeAsyncClient, fake)
    runner.close()
    assert set(threading.enumerate()) == before
    assert fake.closed == 0


def test_close_cancels_calls_in_flight(runner: Runner, res: Blocking) -> None:
    """A call still waiting when another thread closes the client ends with ClientClosedError."""
    res.echo("start")
    fake = runner.client().resource
    outcome: list[BaseException] = []

    def blocked() -> None:
        try:
            res.hang()
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=blocked)
    t.start()
    fake.entered.wait(10)
    runner.close()
    t.join()
    assert len(outcome) == 1
    assert isinstance(outcome[0], ClientClosedError)
    assert fake.cancelled.is_set()


def test_finalizer_closes_an_unclosed_runner() -> None:
    """The finalizer closes the async client and stops the thread of a client nobody closed."""
    fake = FakeAsyncClient()
    runner = Runner(FakeAsyncClient, fake)
    loop_thread = Blocking(runner, ("resource",)).thread()
    finalize(runner)
    assert fake.closed == 1
    assert not loop_thread.is_alive()


def test_finalizer_on_the_loop_thread_does_not_deadlock() -> None:
    """Collected on its own loop thread, a runner is closed from a helper thread, not in place."""
    fake = FakeAsyncClient()
    runner = Runner(FakeAsyncClient, fake)
    res = Blocking(runner, ("resource",))
    loop_thread = res.thread()
    res.call_here(lambda: finalize(runner))  # returns at once instead of waiting for its own loop
    assert fake.closed_event.wait(10)
    loop_thread.join(10)
    assert not loop_thread.is_alive()


def test_pager_crosses_the_loop_once_per_page(res: Blocking, runner: Runner) -> None:
    """Iterating a pager yields every item, fetching one page per hop, never one item per hop."""
    pager = res.list(10)
    assert isinstance(pager, Pager)
    fake = runner.client().resource
    assert fake.page_fetches == 1  # the first page, fetched by list() as the official SDK does
    assert list(pager.data) == [0, 1, 2]
    assert list(pager) == list(range(10))
    assert fake.page_fetches == 4  # the first page was not fetched again


def test_pager_pages_and_first_page(res: Blocking, runner: Runner) -> None:
    """pages() yields each page; first_page() is the page list() fetched, not a new request."""
    pages: list[Any] = [p.data for p in res.list(7).pages()]
    assert pages == [[0, 1, 2], [3, 4, 5], [6]]
    pager = res.list(7)
    fake = runner.client().resource
    fetched = fake.page_fetches
    first: Any = pager.first_page().data
    assert first == [0, 1, 2]
    assert fake.page_fetches == fetched


def test_pager_break_early_closes_the_async_generator(res: Blocking, runner: Runner) -> None:
    """Breaking out of a pager stops its async generator on the loop and fetches no more pages."""
    fake = runner.client().resource
    loop_thread = res.thread()
    for item in res.list(100):
        if item == 4:
            break
    gc.collect()
    assert fake.page_fetches == 2
    # Closed on the loop thread, right away, not left suspended until the loop shuts down.
    assert fake.pages_closed_on == [loop_thread.ident]
    assert res.echo("ok") == "ok"
