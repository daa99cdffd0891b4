"""Load: many coroutines on one async client and many threads on one blocking client.

Each worker owns one conversation and checks that every answer belongs to it (its id, its
metadata, its item texts), so a response delivered to the wrong caller — a crossed response — is
caught. Afterwards every pooled connection must be idle (none checked out) and closing the clients
must not leave anything for the garbage collector to warn about.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest

from conversations_sdk import AsyncClient, Client
from tests._support.reliability import FigureRecorder, count, live_emulator, text_of
from tests.conftest import API_KEY

COROUTINES = 256
THREADS = 32


def _pool_state(session: aiohttp.ClientSession | None) -> tuple[int, int]:
    """(connections checked out, idle connections kept for reuse)."""
    assert session is not None
    connector = session.connector
    assert connector is not None
    idle = sum(len(conns) for conns in connector._conns.values())
    return len(connector._acquired), idle


def _split(calls: int, workers: int) -> list[int]:
    """Share ``calls`` between ``workers`` as evenly as possible (the total stays exact)."""
    base, extra = divmod(calls, workers)
    return [base + (w < extra) for w in range(workers)]


class Tally:
    """Calls made and crossed responses seen, shared by every worker (lock: threads too)."""

    def __init__(self) -> None:
        self.calls = 0
        self.crossed = 0
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def add(self, crossed: bool) -> None:
        with self._lock:
            self.calls += 1
            self.crossed += crossed


def _owned(owner: str, conversation: Any, cid: str) -> bool:
    return bool(conversation.id == cid and conversation.metadata == {"owner": owner})


def _texts_owned(owner: str, page: Any) -> bool:
    return all(text_of(item).startswith(owner + "/") for item in page.data)


async def _async_worker(client: AsyncClient, w: int, calls: int, tally: Tally) -> None:
    owner = f"a{w}"
    cid = (await client.conversations.create(metadata={"owner": owner})).id
    for k in range(calls):
        step = k % 3
        if step == 0:
            conversation = await client.conversations.retrieve(cid)
            tally.add(not _owned(owner, conversation, cid))
        elif step == 1:
            text = f"{owner}/{k}"
            added = await client.conversations.items.create(
                cid, items=[{"role": "user", "content": text}]
            )
            tally.add(text_of(added.data[0]) != text)
        else:
            page = await client.conversations.items.list(cid, limit=3)
            tally.add(not _texts_owned(owner, page))


def _thread_worker(client: Client, w: int, calls: int, tally: Tally) -> None:
    owner = f"t{w}"
    cid = client.conversations.create(metadata={"owner": owner}).id
    for k in range(calls):
        step = k % 3
        if step == 0:
            tally.add(not _owned(owner, client.conversations.retrieve(cid), cid))
        elif step == 1:
            text = f"{owner}/{k}"
            added = client.conversations.items.create(
                cid, items=[{"role": "user", "content": text}]
            )
            tally.add(text_of(added.data[0]) != text)
        else:
            page = next(iter(client.conversations.items.list(cid, limit=3).pages()))
            tally.add(not _texts_owned(owner, page))


@pytest.mark.slow
async def test_load_async_and_blocking_clients(figure: FigureRecorder) -> None:
    """20,000 calls from 256 coroutines and 32 threads: 0 errors, 0 crossed, pool idle, no warnings."""
    total = count(20_000, 1_200)
    async_share = _split(total // 2, COROUTINES)
    thread_share = _split(total - total // 2, THREADS)
    async_tally, thread_tally = Tally(), Tally()
    with warnings.catch_warnings(record=True) as caught, live_emulator(api_key=API_KEY) as live:
        warnings.simplefilter("always")
        loop = asyncio.get_running_loop()
        started = loop.time()
        # The blocking client's pool, made as the SDK makes its own; the factory keeps it at hand.
        blocking_sessions: list[aiohttp.ClientSession] = []

        def blocking_session() -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(limit=1000)
            session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
            blocking_sessions.append(session)
            return session

        blocking = Client(api_key=API_KEY, base_url=live.base_url, session_factory=blocking_session)
        async with AsyncClient(api_key=API_KEY, base_url=live.base_url) as client:

            def threads() -> None:
                with ThreadPoolExecutor(max_workers=THREADS) as pool:
                    futures = [
                        pool.submit(_thread_worker, blocking, w, thread_share[w], thread_tally)
                        for w in range(THREADS)
                    ]
                    for future in futures:
                        future.result()

            # Both clients at once: the threads run while this loop drives the coroutines.
            await asyncio.gather(
                asyncio.to_thread(threads),
                *(_async_worker(client, w, async_share[w], async_tally) for w in range(COROUTINES)),
            )
            elapsed = loop.time() - started
            async_busy, async_idle = _pool_state(client._transport.session)
        (blocking_pool,) = blocking_sessions
        blocking_busy, blocking_idle = _pool_state(blocking_pool)
        blocking.close()
        gc.collect()
    resource_warnings = [w for w in caught if issubclass(w.category, ResourceWarning)]
    calls = async_tally.calls + thread_tally.calls
    figure(
        calls=calls,
        coroutines=COROUTINES,
        threads=THREADS,
        errors=0,  # any error would have propagated out of gather and failed the test
        crossed_responses=async_tally.crossed + thread_tally.crossed,
        connections_checked_out_after=async_busy + blocking_busy,
        idle_pooled_connections_after={"async": async_idle, "blocking": blocking_idle},
        resource_warnings=len(resource_warnings),
        calls_per_second=round(calls / elapsed),
        seconds=round(elapsed, 1),
    )
    assert calls == total
    assert async_tally.crossed == thread_tally.crossed == 0
    assert async_busy == blocking_busy == 0
    assert not resource_warnings, [str(w.message) for w in resource_warnings]
    # Recording replaced the suite's "warnings are errors" filter here: keep its strictness.
    assert not caught, [f"{w.category.__name__}: {w.message}" for w in caught]
