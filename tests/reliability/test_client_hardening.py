"""Client robustness of issue 14 (items 7, 15, 16, 17, 18 and the unclosed-client warning).

Each test states what broke before and asserts what a user relies on now. Unit-level cases mock at
the transport (aioresponses); the others use a real loopback server (the emulator or aiohttp's).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations_sdk import (
    AsyncClient,
    Client,
    InvalidRequestError,
    ResponseValidationError,
    RetryPolicy,
    UnclosedClientWarning,
)
from conversations_sdk._wire import retry_after_seconds
from conversations_sdk.emulator import Emulator, ThreadedEmulator, emulated_client
from conversations_sdk.testing import MockResponse, MockTransport
from tests.conftest import API_KEY, BASE_URL

PASSWORD = "hunter2-SECRET"
WITH_USERINFO = f"https://alice:{PASSWORD}@api.example.test/v1"


def _rendered_with_locals(error: BaseException) -> str:
    """The error as a renderer of traceback locals prints it, minus the test's own frame."""
    tb = error.__traceback__
    error = error.with_traceback(tb.tb_next if tb is not None else None)
    return "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())


# --- item 7: userinfo in base_url ----------------------------------------------------------------


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_base_url_with_userinfo_is_refused_at_construction(cls: Any) -> None:
    """Before: accepted; repr(client) showed the password and every call failed with a bare
    ValueError. Now: InvalidRequestError naming base_url, the password nowhere."""
    with pytest.raises(InvalidRequestError) as info:
        cls(api_key=API_KEY, base_url=WITH_USERINFO)
    error = info.value
    assert error.param == "base_url"
    assert "base_url" in str(error)
    assert "api.example.test" in str(error)  # says which URL, with the userinfo masked
    for text in (str(error), repr(error), repr(vars(error)), _rendered_with_locals(error)):
        assert PASSWORD not in text
        assert "alice" not in text
        assert API_KEY not in text


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_openai_base_url_with_userinfo_is_refused(
    cls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same from the environment; the message names OPENAI_BASE_URL, not a parameter the
    user never passed, and the key read from the environment is not in any frame's locals."""
    monkeypatch.setenv("OPENAI_BASE_URL", WITH_USERINFO)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with pytest.raises(InvalidRequestError, match="OPENAI_BASE_URL") as info:
        cls()
    assert info.value.param == "base_url"
    rendered = _rendered_with_locals(info.value)
    assert PASSWORD not in rendered
    assert API_KEY not in rendered  # before: os.environ was a local of AsyncClient.__init__


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_construction_errors_hold_no_key_in_frame_locals(cls: Any) -> None:
    """Before: a bad timeout raised through __init__, whose locals held api_key (and, for the
    blocking Client, kwargs): capture_locals printed the key."""
    with pytest.raises(InvalidRequestError) as info:
        cls(api_key=API_KEY, timeout=-1)
    assert API_KEY not in _rendered_with_locals(info.value)


def test_ordinary_base_urls_still_work() -> None:
    """An '@' in the path or query is not userinfo; a trailing slash is dropped as before."""
    assert AsyncClient(api_key=API_KEY, base_url="http://127.0.0.1:9/v1/").base_url == (
        "http://127.0.0.1:9/v1"
    )
    assert AsyncClient(api_key=API_KEY, base_url="http://127.0.0.1:9/a@b").base_url == (
        "http://127.0.0.1:9/a@b"
    )


# --- item 15: Retry-After dates the calendar cannot hold ----------------------------------------

CONV = {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}
CONV_URL = BASE_URL + "/conversations/conv_1"


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 31 Dec 10000 23:59:59 GMT",  # before: ValueError: year 10000 is out of range
        "Fri, 31 Dec 99999999999999999999 23:59:59 GMT",  # before: OverflowError
        "Fri, 31 Dec 9999 23:59:59 GMT",  # parseable, but far beyond max_retry_after
        "Mon, 32 Foo 2020 99:99:99 GMT",
        "soon",
        "1e400",
        "-5",
    ],
)
async def test_unusable_retry_after_falls_back_to_backoff(value: str) -> None:
    """A 429 whose Retry-After cannot be honoured is retried after the policy's own backoff."""
    answers = [MockResponse(429, headers={"Retry-After": value}), MockResponse(200, json=CONV)]
    # MockTransport records the waits the client chose instead of sleeping them.
    transport = MockTransport(lambda request: answers.pop(0))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=BASE_URL,
        retry=RetryPolicy(jitter=0.0, initial_backoff=0.25),
        transport=transport,
    ) as client:
        conversation = await client.conversations.retrieve("conv_1")
    assert conversation.id == "conv_1"
    assert transport.delays == [0.25]


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.from_regex(
        r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{1,25} \d\d:\d\d:\d\d [A-Z+\-0-9]{1,5}",
        fullmatch=True,
    )
)
def test_retry_after_parsing_never_raises(value: str) -> None:
    """Whatever the header holds: a finite number of seconds or None, never an exception."""
    delay = retry_after_seconds({"Retry-After": value}, now=1_700_000_000.0)
    assert delay is None or math.isfinite(delay)
    assert RetryPolicy(jitter=0.0).delay(1, delay) <= 60.0


# --- items 16 and 17: pages from a server that cycles cursors or overfills pages ------------------


def _message(item_id: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id,
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": "x"}],
    }


class PageServer:
    """A loopback server answering ``items.list`` from a script keyed by the ``after`` cursor."""

    def __init__(self, pages: dict[str | None, dict[str, Any] | bytes]) -> None:
        self.pages = pages
        self.requests: list[dict[str, str]] = []
        self._server: TestServer | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(dict(request.query))
        page = self.pages[request.query.get("after")]
        body = page if isinstance(page, bytes) else json.dumps(page).encode()
        return web.Response(body=body, content_type="application/json")

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_get("/v1/conversations/{cid}/items", self._handle)
        self._server = TestServer(app, host="127.0.0.1", port=0)
        await self._server.start_server()
        return str(self._server.make_url("/v1"))

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        await self._server.close()


def _page(ids: list[str], *, has_more: bool, last_id: str) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [_message(i) for i in ids],
        "first_id": ids[0] if ids else "",
        "last_id": last_id,
        "has_more": has_more,
    }


@pytest.mark.parametrize(
    "cycle",
    [
        pytest.param(["A", "B", "A"], id="A-B-A"),
        pytest.param(["A", "B", "C", "D", "B"], id="A-B-C-D-B"),
    ],
)
async def test_a_cursor_cycle_is_a_typed_error(cycle: list[str]) -> None:
    """Before: a server whose cursors cycle A -> B -> A was paged for ever (the pager only
    compared a cursor with the previous one). Now: ResponseValidationError on the first repeat,
    after exactly one request per distinct cursor."""
    pages: dict[str | None, dict[str, Any] | bytes] = {
        None: _page(["m0"], has_more=True, last_id=cycle[0])
    }
    for current, following in itertools.pairwise(cycle):
        pages[current] = _page([f"m{current}"], has_more=True, last_id=following)
    server = PageServer(pages)
    seen: list[str] = []
    async with (
        server as base_url,
        AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client,
    ):

        async def walk() -> None:
            async for item in client.conversations.items.list("conv_1"):
                seen.append(str(item.id))

        with pytest.raises(ResponseValidationError, match="already seen") as info:
            await walk()
    assert info.value.body == {"has_more": True, "last_id": cycle[-1]}
    distinct = len(set(cycle))
    assert len(seen) == distinct + 1  # every page's item once, none twice
    assert [r.get("after") for r in server.requests] == [None, *cycle[:distinct]]


async def test_a_cursor_cycle_ends_iter_pages_too() -> None:
    """Page by page (the official SDK's iter_pages()) remembers every cursor as the item walk does."""
    cycle = ["A", "B", "A"]
    pages: dict[str | None, dict[str, Any] | bytes] = {
        None: _page(["m0"], has_more=True, last_id=cycle[0])
    }
    for current, following in itertools.pairwise(cycle):
        pages[current] = _page([f"m{current}"], has_more=True, last_id=following)
    server = PageServer(pages)
    firsts: list[str] = []
    async with (
        server as base_url,
        AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client,
    ):

        async def walk() -> None:
            async for page in client.conversations.items.list("conv_1").iter_pages():
                firsts.append(page.first_id)

        with pytest.raises(ResponseValidationError, match="already seen"):
            await walk()
    assert firsts == ["m0", "mA", "mB"]
    assert [r.get("after") for r in server.requests] == [None, "A", "B"]


def test_a_cursor_cycle_ends_the_blocking_pager_too() -> None:
    """The blocking Pager walks the same async pager: the same error, not an endless loop."""
    pages: dict[str | None, dict[str, Any] | bytes] = {
        None: _page(["m0"], has_more=True, last_id="A"),
        "A": _page(["m1"], has_more=True, last_id="B"),
        "B": _page(["m2"], has_more=True, last_id="A"),
    }
    server = PageServer(pages)
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        base_url = portal.call(server.__aenter__)
        try:
            with Client(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
                pager = client.conversations.items.list("conv_1")
                with pytest.raises(ResponseValidationError, match="already seen"):
                    list(pager)
        finally:
            portal.call(server.__aexit__, None, None, None)
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("limit", "extra_query", "served", "bound"),
    [
        pytest.param(10, None, 11, 10, id="limit-10-got-11"),
        pytest.param(None, None, 101, 100, id="no-limit-got-101"),
        pytest.param(5, {"limit": "3"}, 4, 3, id="extra-query-limit-wins"),
    ],
)
async def test_a_page_over_the_limit_is_refused_before_structuring(
    limit: int | None,
    extra_query: dict[str, object] | None,
    served: int,
    bound: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: a page of any length was structured (a 32 MiB page of tiny items: ~700 MiB and
    seconds of CPU). Now: more items than the limit sent is a ResponseValidationError, raised
    before a single item is structured."""
    import conversations_sdk._resources.items as items_module

    structured: list[object] = []
    real = items_module._TO_PAGE

    def spy(body: Any, request_id: str | None, strict: bool) -> Any:
        structured.append(body)
        return real(body, request_id, strict)

    monkeypatch.setattr(items_module, "_TO_PAGE", spy)
    pages: dict[str | None, dict[str, Any] | bytes] = {
        None: _page([f"m{i}" for i in range(served)], has_more=False, last_id=f"m{served - 1}")
    }
    server = PageServer(pages)
    options: dict[str, Any] = {} if limit is None else {"limit": limit}
    async with (
        server as base_url,
        AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client,
    ):
        with pytest.raises(ResponseValidationError, match=f"{served} items for limit={bound}"):
            await client.conversations.items.list("conv_1", extra_query=extra_query, **options)
        assert structured == []
        # At the limit, the same page is fine.
        pages[None] = _page([f"m{i}" for i in range(bound)], has_more=False, last_id="m0")
        page = await client.conversations.items.list("conv_1", extra_query=extra_query, **options)
    assert len(page.data) == bound
    assert len(structured) == 1


async def test_large_bodies_are_parsed_off_the_event_loop() -> None:
    """Bodies over OFF_LOOP_PARSE_BYTES are decoded and structured in a worker thread (the loop's
    default executor), so the loop keeps serving other calls; small ones stay on the loop (no
    thread hop per call)."""
    import asyncio
    import concurrent.futures
    import threading

    from conversations_sdk._requester import OFF_LOOP_PARSE_BYTES

    class RecordingExecutor(concurrent.futures.ThreadPoolExecutor):
        """A default executor recording the thread each job runs on."""

        def __init__(self) -> None:
            super().__init__(max_workers=1)
            self.threads: list[int] = []

        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            def run() -> Any:
                self.threads.append(threading.get_ident())
                return fn(*args, **kwargs)

            return super().submit(run)

    big = _page(["m0"], has_more=False, last_id="m0")
    big["data"][0]["content"][0]["text"] = "x" * OFF_LOOP_PARSE_BYTES
    small = _page(["m0"], has_more=False, last_id="m0")
    executor = RecordingExecutor()
    # This test's own loop (one per test) shuts it down when it closes.
    asyncio.get_running_loop().set_default_executor(executor)
    for page, jobs in ((small, 0), (big, 1)):
        async with (
            PageServer({None: page}) as base_url,
            AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client,
        ):
            first = await client.conversations.items.list("conv_1")
        assert [item.to_dict() for item in first.data] == page["data"]
        assert len(executor.threads) == jobs
    assert threading.get_ident() not in executor.threads


# --- item 18: a blocking Client aimed at an Emulator on the caller's own loop ---------------------


async def test_blocking_client_to_an_emulator_on_this_loop_fails_at_once() -> None:
    """Before: the notebook pattern (``await Emulator().start()``, then a blocking Client) waited
    for the timeout (600 s per attempt, three attempts with the defaults) because the emulator
    needs the very thread the call blocks. Now: RuntimeError at once, naming emulated_client()."""
    async with Emulator(api_key=API_KEY) as emulator:
        localhost = emulator.base_url.replace("127.0.0.1", "localhost")
        for base_url in (emulator.base_url, localhost):
            with Client(api_key=API_KEY, base_url=base_url, timeout=60) as client:
                with pytest.raises(RuntimeError, match=r"emulated_client\(\)"):
                    client.conversations.create()
                with pytest.raises(RuntimeError, match="deadlock"):
                    list(client.conversations.items.list("conv_1"))
        # The emulator is unharmed and served nothing: the async client on this loop works.
        async with AsyncClient(api_key=API_KEY, base_url=emulator.base_url) as async_client:
            created = await async_client.conversations.create()
            assert created.id.startswith("conv_")


async def test_blocking_client_to_an_emulator_on_another_thread_still_works() -> None:
    """No false alarm: from inside a running loop, a ThreadedEmulator (emulated_client) or an
    Emulator on another loop is served by its own thread, and the blocking call succeeds."""
    with emulated_client() as client:
        assert client.conversations.create().id.startswith("conv_")
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        emulator = Emulator(api_key=API_KEY)
        portal.call(emulator.start)
        try:
            with Client(api_key=API_KEY, base_url=emulator.base_url) as client:
                assert client.conversations.create().id.startswith("conv_")
        finally:
            portal.call(emulator.aclose)


async def test_a_copy_is_checked_against_its_own_base_url() -> None:
    """with_options(base_url=...) is checked for the copy's server, not its original's: a copy
    aimed at an Emulator on this loop fails at once, and a copy aimed away from it works."""
    options: dict[str, Any] = {"api_key": API_KEY, "timeout": 2, "max_retries": 0}
    async with Emulator(api_key=API_KEY) as here:
        with ThreadedEmulator(api_key=API_KEY) as there:
            with Client(base_url=there.base_url, **options) as client:
                copy = client.with_options(base_url=here.base_url)
                with pytest.raises(RuntimeError, match=r"emulated_client\(\)"):
                    copy.conversations.create()
            with Client(base_url=here.base_url, **options) as client:
                away = client.with_options(base_url=there.base_url)
                assert away.conversations.create().id.startswith("conv_")


async def test_a_closed_emulator_is_forgotten() -> None:
    """After aclose, its port is no longer treated as served by this loop."""
    from conversations_sdk._loop_servers import LOOP_SERVERS

    async with Emulator(api_key=API_KEY) as emulator:
        port = emulator.port
        assert port in LOOP_SERVERS
    assert port not in LOOP_SERVERS


# --- Also: a forgotten close shows the SDK's message, not aiohttp's dump ------------------------

_FORGET = """
import asyncio, gc, threading
from conversations_sdk import AsyncClient
from conversations_sdk.emulator import Emulator

async def main(where):
    async with Emulator(api_key="k") as emulator:
        holder = [AsyncClient(api_key="k", base_url=emulator.base_url)]
        await holder[0].conversations.create()
        if where == "on-the-loop":
            holder.clear()
            gc.collect()
            await asyncio.sleep(0.1)  # the closing task's turn; no assertion rides on it
        elif where == "another-thread":
            def collect():
                holder.clear()
                gc.collect()
            thread = threading.Thread(target=collect)
            thread.start()
            thread.join()
            await asyncio.sleep(0.1)
        else:
            return holder

kept = asyncio.run(main("WHERE"))
kept = None
gc.collect()
print("done")
"""


@pytest.mark.parametrize("where", ["on-the-loop", "another-thread", "after-the-loop-closed"])
def test_a_forgotten_close_shows_the_sdk_message_only(where: str) -> None:
    """Before: Python's default filters hid the SDK's ResourceWarning and users saw aiohttp's
    raw "Unclosed client session" / "Unclosed connector" dump. Now, with default warning
    settings: one UnclosedClientWarning pointing at the line that created the client, and
    nothing from aiohttp."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("PYTHONWARNINGS", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", _FORGET.replace("WHERE", where)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert result.stderr.count("UnclosedClientWarning: AsyncClient was not closed") == 1
    assert "<string>:8:" in result.stderr  # the line that created the client
    assert "Unclosed client session" not in result.stderr
    assert "Unclosed connector" not in result.stderr
    assert "Unclosed connection" not in result.stderr


def test_the_unclosed_warning_is_a_resource_warning() -> None:
    """-W error::ResourceWarning and pytest.warns(ResourceWarning) still catch it."""
    assert issubclass(UnclosedClientWarning, ResourceWarning)
