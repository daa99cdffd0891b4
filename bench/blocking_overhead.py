"""What the blocking facade costs per call, over the async client it delegates to.

Two measurements, both in this one process:

1. **The hop alone**: a no-op coroutine run from a plain thread on a loop thread, 20,000 times,
   by ``portal.call``, by ``asyncio.run_coroutine_threadsafe(...).result()``, and by the facade's
   own hop (``Runner.run``). CPU is :func:`time.process_time`, so the loop thread's work counts.
2. **Real calls**: ``conversations.retrieve`` against the canned bench server (a separate process,
   so its CPU is not billed here), by ``AsyncClient`` awaited in a loop and by ``Client`` from the
   main thread, interleaved in rounds so drift hits both alike. The overhead is the difference of
   the per-call medians; the target is under 100 us of CPU per call.

Run: ``python -m bench.blocking_overhead [--calls 2000] [--rounds 5] [--hops 20000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from anyio.from_thread import start_blocking_portal

from conversations_sdk import AsyncClient, Client
from conversations_sdk._blocking._runner import Runner

API_KEY = "sk-bench-not-a-real-key"
CONVERSATION_ID = "conv_bench"
TARGET_US = 100.0


async def _noop() -> int:
    return 1


class _NullClient:
    async def aclose(self) -> None:
        pass


def _per_call(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    """CPU and wall microseconds per call of ``fn`` (after a short warm-up)."""
    for _ in range(min(200, n)):
        fn()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        fn()
    cpu1, wall1 = time.process_time(), time.perf_counter()
    return (cpu1 - cpu0) * 1e6 / n, (wall1 - wall0) * 1e6 / n


def measure_hops(n: int, rounds: int) -> dict[str, dict[str, float]]:
    """Per-call cost of each way of running a no-op coroutine on another thread's loop."""
    results: dict[str, list[tuple[float, float]]] = {}
    runner = Runner(_NullClient, _NullClient())
    try:
        with start_blocking_portal("asyncio") as portal:
            loop = portal.call(asyncio.get_running_loop)
            ways: dict[str, Callable[[], Any]] = {
                "portal.call": lambda: portal.call(_noop),
                "run_coroutine_threadsafe": lambda: asyncio.run_coroutine_threadsafe(
                    _noop(), loop
                ).result(),
                "facade hop (Runner.run)": lambda: runner.run(_noop()),
            }
            for _ in range(rounds):
                for name, fn in ways.items():
                    results.setdefault(name, []).append(_per_call(fn, n))
    finally:
        runner.close()
    return {
        name: {
            "cpu_us": statistics.median(c for c, _ in runs),
            "wall_us": statistics.median(w for _, w in runs),
        }
        for name, runs in results.items()
    }


def _start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.server", "--port", "0", "--watch-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        proc.kill()
        raise RuntimeError(f"bench server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{line[1]}/v1"


def measure_calls(n: int, rounds: int) -> dict[str, dict[str, float]]:
    """Per-call cost of ``retrieve`` through AsyncClient and through Client, same server."""
    proc, base_url = _start_server()
    async_runs: list[tuple[float, float]] = []
    blocking_runs: list[tuple[float, float]] = []
    try:
        loop = asyncio.new_event_loop()
        aclient = AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0)

        async def async_batch(count: int) -> tuple[float, float]:
            retrieve = aclient.conversations.retrieve
            for _ in range(min(200, count)):
                await retrieve(CONVERSATION_ID)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(count):
                await retrieve(CONVERSATION_ID)
            cpu1, wall1 = time.process_time(), time.perf_counter()
            return (cpu1 - cpu0) * 1e6 / count, (wall1 - wall0) * 1e6 / count

        with Client(api_key=API_KEY, base_url=base_url, max_retries=0) as client:
            retrieve = client.conversations.retrieve
            for _ in range(rounds):
                async_runs.append(loop.run_until_complete(async_batch(n)))
                blocking_runs.append(_per_call(lambda: retrieve(CONVERSATION_ID), n))
        loop.run_until_complete(aclient.aclose())
        loop.close()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(10)

    def med(runs: list[tuple[float, float]]) -> dict[str, float]:
        return {
            "cpu_us": statistics.median(c for c, _ in runs),
            "wall_us": statistics.median(w for _, w in runs),
        }

    a, b = med(async_runs), med(blocking_runs)
    return {
        "AsyncClient": a,
        "Client": b,
        "overhead": {
            "cpu_us": b["cpu_us"] - a["cpu_us"],
            "wall_us": b["wall_us"] - a["wall_us"],
            "cpu_ratio": b["cpu_us"] / a["cpu_us"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Print both tables and a JSON line; exit 1 when the facade's CPU overhead misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="retrieve calls per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median taken)")
    parser.add_argument("--hops", type=int, default=20000, help="no-op hops per round")
    args = parser.parse_args(argv)

    hops = measure_hops(args.hops, args.rounds)
    print(
        f"No-op coroutine from a thread onto a loop thread ({args.hops} calls, median of rounds):"
    )
    for name, fig in hops.items():
        print(f"  {name:28s} {fig['cpu_us']:7.1f} us CPU  {fig['wall_us']:7.1f} us wall")

    calls = measure_calls(args.calls, args.rounds)
    print(f"\nconversations.retrieve against the canned server ({args.calls} calls per round):")
    for name in ("AsyncClient", "Client"):
        fig = calls[name]
        print(f"  {name:28s} {fig['cpu_us']:7.1f} us CPU  {fig['wall_us']:7.1f} us wall")
    over = calls["overhead"]
    verdict = "meets" if over["cpu_us"] <= TARGET_US else "MISSES"
    print(
        f"  facade overhead              {over['cpu_us']:7.1f} us CPU  {over['wall_us']:7.1f} us wall"
        f"  (x{over['cpu_ratio']:.2f} CPU; {verdict} the {TARGET_US:.0f} us target)"
    )
    print(json.dumps({"hops": hops, "calls": calls}))
    return 0 if over["cpu_us"] <= TARGET_US else 1


if __name__ == "__main__":
    sys.exit(main())
