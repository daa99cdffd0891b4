"""Chaos run: thousands of calls through the async client while the emulator fails 30 % of requests.

The faults are the ones a real deployment produces: 500 and 503 before the write and after its
commit, connection resets after commit, 429 with ``Retry-After`` and stalls past the read timeout.
Afterwards the database is read directly: no conversation or item may exist twice (every retry
reused its idempotency key), and every write the client was told succeeded must be there.

The retry budget stays at its default (40 tokens, one back per success): it throttles retries only
once failures outnumber successes, so at a 30 % fault rate every call keeps both of its retries.
"""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Any

import aiohttp
import pytest

from conversations_sdk import (
    APIConnectionError,
    AsyncClient,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
)
from conversations_sdk.emulator import Faults
from tests._support.reliability import (
    FigureRecorder,
    LiveEmulator,
    MixedFaults,
    count,
    id_of,
    live_emulator,
    text_of,
)
from tests.conftest import API_KEY

FAULT_RATE = 0.30
#: The read timeout the stalls outlast; short so that a stalled attempt costs little wall time.
READ_TIMEOUT = 0.5
STALL = 1.0
#: Server-requested delay of 429/503 faults (honoured by the client: it is within 0..60 s).
RETRY_AFTER = 0.02
CONCURRENCY = 64
TARGET = 0.97
POOL = 32  # conversations that appends and lists go to

KINDS = [
    Faults(mode="500", when="before"),
    Faults(mode="500", when="after"),
    Faults(mode="503", when="before", retry_after=RETRY_AFTER),
    Faults(mode="503", when="after", retry_after=RETRY_AFTER),
    Faults(mode="reset", when="after"),
    Faults(mode="429", when="before", retry_after=RETRY_AFTER),
    Faults(mode="stall", when="before", stall_seconds=STALL),
    Faults(mode="stall", when="after", stall_seconds=STALL),
]
#: What a call may fail with once its retries are spent: the injected faults, nothing else.
EXPECTED_FAILURES = (APIConnectionError, InternalServerError, RateLimitError)


def _policy(*, budget: bool) -> RetryPolicy:
    # Short backoff keeps the run within CI's minutes; retry counts and Retry-After stay default.
    if budget:
        return RetryPolicy(initial_backoff=0.005, max_backoff=0.05)
    return RetryPolicy(initial_backoff=0.005, max_backoff=0.05, budget=None)


class Outcome:
    """What the client was told: acknowledged writes, failures by class, successes."""

    def __init__(self) -> None:
        self.ok = 0
        self.failures: collections.Counter[str] = collections.Counter()
        self.acked_conversations: dict[str, str] = {}  # id -> the call's tag
        self.acked_items: dict[str, str] = {}  # id -> text


async def _call(client: AsyncClient, n: int, pool: list[str], out: Outcome) -> None:
    kind = n % 10
    try:
        if kind < 3:
            tag = f"chaos-{n}"
            conversation = await client.conversations.create(
                metadata={"tag": tag}, items=[{"role": "user", "content": tag}]
            )
            out.acked_conversations[conversation.id] = tag
        elif kind < 7:
            text = f"append-{n}"
            added = await client.conversations.items.create(
                pool[n % len(pool)], items=[{"role": "user", "content": text}]
            )
            (item,) = added.data
            assert text_of(item) == text
            out.acked_items[id_of(item)] = text
        else:
            await client.conversations.items.list(pool[n % len(pool)], limit=5)
    except EXPECTED_FAILURES as exc:
        out.failures[type(exc).__name__] += 1
        return
    out.ok += 1


def _texts(body: str) -> list[str]:
    item: dict[str, Any] = json.loads(body)
    return [part["text"] for part in item.get("content", []) if "text" in part]


async def _chaos(live: LiveEmulator, calls: int, *, budget: bool) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=10.0, sock_read=READ_TIMEOUT)
    async with AsyncClient(
        api_key=API_KEY, base_url=live.base_url, timeout=timeout, retry=_policy(budget=budget)
    ) as client:
        live.injector.enabled = False
        pool = [(await client.conversations.create()).id for _ in range(POOL)]
        live.injector.enabled = True
        before = live.injector.requests
        out = Outcome()
        numbers = iter(range(calls))

        async def worker() -> None:
            for n in numbers:
                await _call(client, n, pool, out)

        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = loop.time() - started
        live.injector.enabled = False
        attempts = live.injector.requests - before

    # Straight from the database: a retried write that landed twice would show here.
    tags = collections.Counter(
        json.loads(meta).get("tag") for (meta,) in live.sql("SELECT metadata FROM conversations")
    )
    conversation_ids = {cid for (cid,) in live.sql("SELECT id FROM conversations")}
    rows = live.sql("SELECT id, body FROM items")
    item_ids = {iid for iid, _ in rows}
    texts = collections.Counter(text for _, body in rows for text in _texts(body))
    duplicate_conversations = sum(n - 1 for tag, n in tags.items() if tag and n > 1)
    duplicate_items = sum(n - 1 for n in texts.values() if n > 1)
    missing = sum(cid not in conversation_ids for cid in out.acked_conversations) + sum(
        iid not in item_ids for iid in out.acked_items
    )
    return {
        "calls": calls,
        "succeeded": out.ok,
        "success_rate": round(out.ok / calls, 4),
        "failures": dict(out.failures),
        "attempts": attempts,
        "faults_injected": dict(live.injector.by_kind),
        "fault_rate": round(sum(live.injector.by_kind.values()) / attempts, 4),
        "acknowledged_writes": len(out.acked_conversations) + len(out.acked_items),
        "duplicate_conversations": duplicate_conversations,
        "duplicate_items": duplicate_items,
        "acknowledged_writes_missing": missing,
        "seconds": round(elapsed, 1),
    }


@pytest.mark.slow
async def test_chaos_default_retries(figure: FigureRecorder) -> None:
    """10,000 calls under 30 % faults: success as retries predict (target 97 %), 0 duplicates, 0 lost."""
    calls = count(10_000, 400)
    injector = MixedFaults(KINDS, fraction=FAULT_RATE, seed=8)
    with live_emulator(api_key=API_KEY, injector=injector) as live:
        result = await _chaos(live, calls, budget=True)
    # Each attempt fails independently with p ~ 0.3, so a call fails after 3 attempts with p**3.
    # p is the share of attempts that failed as the client saw them (every call ends in exactly
    # one successful attempt or none): on a loaded machine a slow answer can also time out, and
    # that is a fault like the injected ones, not a retry bug.
    p = (result["attempts"] - result["succeeded"]) / result["attempts"]
    expected = 1 - p**3
    sigma = (expected * (1 - expected) / calls) ** 0.5
    figure(
        **result,
        retry_budget="default (40 tokens, 1.0 refill)",
        max_retries=2,
        attempt_failure_rate=round(p, 4),
        expected_success_rate=round(expected, 4),
        target_met=result["success_rate"] >= TARGET,
    )
    assert result["duplicate_conversations"] == 0
    assert result["duplicate_items"] == 0
    assert result["acknowledged_writes_missing"] == 0
    # The 97 % target sits only ~1.8 sigma below the 97.3 % expectation at 10,000 calls, so a hard
    # 97 % assertion would fail about one run in thirty by chance alone. The figure reports the
    # target; the assertion allows 4 sigma, which a real regression (one lost retry) breaks.
    assert result["success_rate"] >= expected - 4 * sigma
