"""Retry storm: a fleet of coroutines against a server that answers 503 to everything.

Without a budget every call would be tried ``1 + max_retries`` times (3,000 attempts for 1,000
calls); the per-client retry budget must hold the total to at most 10 % over the calls.
"""

from __future__ import annotations

import asyncio

import pytest

from conversations_sdk import AsyncClient, Client, InternalServerError, RetryPolicy
from conversations_sdk.emulator import Faults
from tests._support.reliability import FigureRecorder, MixedFaults, count, live_emulator
from tests.conftest import API_KEY

# retry_after=0: the server asks for no delay, so the storm runs at full speed, as storms do.
ALWAYS_503 = [Faults(mode="503", retry_after=0.0)]
CONCURRENCY = 100


async def _storm(calls: int, retry: RetryPolicy) -> tuple[int, int]:
    """Run ``calls`` calls from CONCURRENCY coroutines; return (attempts seen, calls failed)."""
    injector = MixedFaults(ALWAYS_503, fraction=1.0)
    with live_emulator(api_key=API_KEY, injector=injector) as live:
        async with AsyncClient(api_key=API_KEY, base_url=live.base_url, retry=retry) as client:
            numbers = iter(range(calls))
            failed = 0

            async def worker() -> None:
                nonlocal failed
                for n in numbers:
                    try:
                        if n % 2:
                            await client.conversations.retrieve(f"conv_{n}")
                        else:
                            await client.conversations.create(metadata={"n": str(n)})
                    except InternalServerError as exc:
                        failed += exc.status_code == 503

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return injector.requests, failed


@pytest.mark.slow
async def test_retry_budget_stops_a_storm(figure: FigureRecorder) -> None:
    """1,000 calls against 503-everything with the default policy: at most 1,100 attempts."""
    calls = count(1_000, 200)
    attempts, failed = await _storm(calls, RetryPolicy())
    figure(
        calls=calls,
        attempts=attempts,
        retries=attempts - calls,
        limit=int(calls * 1.1),
        without_budget_would_be=calls * 3,
        failed=failed,
    )
    assert failed == calls
    assert attempts <= calls * 1.1


@pytest.mark.slow
async def test_storm_without_budget_for_contrast(figure: FigureRecorder) -> None:
    """With the budget switched off the same storm triples the load: the budget is what stops it."""
    calls = count(1_000, 200)
    attempts, failed = await _storm(calls, RetryPolicy(budget=None))
    figure(calls=calls, attempts=attempts, failed=failed)
    assert failed == calls
    assert attempts == calls * 3


@pytest.mark.slow
def test_retry_budget_stops_a_storm_from_threads(figure: FigureRecorder) -> None:
    """The blocking client shares one budget across 32 threads: at most 10 % extra attempts."""
    from concurrent.futures import ThreadPoolExecutor

    calls = count(1_000, 200)
    injector = MixedFaults(ALWAYS_503, fraction=1.0)
    with (
        live_emulator(api_key=API_KEY, injector=injector) as live,
        Client(api_key=API_KEY, base_url=live.base_url) as client,
    ):

        def one(n: int) -> bool:
            try:
                client.conversations.retrieve(f"conv_{n}")
            except InternalServerError:
                return False
            return True

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(one, range(calls)))
    figure(calls=calls, threads=32, attempts=injector.requests, limit=int(calls * 1.1))
    assert not any(results)
    assert injector.requests <= calls * 1.1
