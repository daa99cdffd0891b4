"""How long the emulator takes to answer ``responses.create``, plain and streamed (issue 18).

Measured end to end through the official ``openai`` client (the way a conversation app calls it)
against an in-process :class:`~conversations_sdk.emulator.ThreadedEmulator` over loopback, with the
default stand-in model (about 10 words per answer, one delta per word)::

    python -m bench.emulator_responses [--n 200] [--warmup 20]

Prints the median, 95th percentile and mean wall time per call, in milliseconds, for:

- ``create``: ``responses.create(model=..., input=...)``, no conversation;
- ``create+conversation``: the same in one conversation that grows by two items per call
  (the context read and the appended turn are part of the cost);
- ``stream``: ``responses.stream(...)`` iterated to ``get_final_response()`` (every event parsed);
- ``raw create`` and ``raw stream``: the same two requests with plain aiohttp, body read whole and
  not parsed: the emulator's own share of the time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable

from conversations_sdk.emulator import ThreadedEmulator


def _measure(call: Callable[[], object], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def _measure_raw(base_url: str, body: dict[str, object], n: int, warmup: int) -> list[float]:
    import aiohttp

    times = []
    async with aiohttp.ClientSession() as session:
        for i in range(warmup + n):
            start = time.perf_counter()
            async with session.post(base_url + "/responses", json=body) as response:
                await response.read()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print one Markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench.emulator_responses")
    parser.add_argument("--n", type=int, default=200, help="measured calls per row")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured calls first")
    args = parser.parse_args(argv)
    import openai

    prompt = "Summarise the plot of a short novel about a lighthouse keeper in one sentence."
    with (
        ThreadedEmulator() as emulator,
        openai.OpenAI(api_key="sk-bench", base_url=emulator.base_url, max_retries=0) as client,
    ):
        conversation = client.conversations.create()

        def create() -> object:
            return client.responses.create(model="gpt-4o", input=prompt)

        def create_in_conversation() -> object:
            return client.responses.create(
                model="gpt-4o", conversation=conversation.id, input=prompt
            )

        def stream() -> object:
            with client.responses.stream(model="gpt-4o", input=prompt) as events:
                for _ in events:
                    pass
                return events.get_final_response()

        rows = [
            ("create", _measure(create, args.n, args.warmup)),
            ("create+conversation", _measure(create_in_conversation, args.n, args.warmup)),
            ("stream", _measure(stream, args.n, args.warmup)),
        ]
        for name, streamed in (("raw create", False), ("raw stream", True)):
            body = {"model": "gpt-4o", "input": prompt, "stream": streamed}
            rows.append(
                (name, asyncio.run(_measure_raw(emulator.base_url, body, args.n, args.warmup)))
            )
    print(f"| call (n={args.n}) | median ms | p95 ms | mean ms |")
    print("|---|---|---|---|")
    for name, times in rows:
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"| {name} | {statistics.median(times):.2f} | {p95:.2f} | {statistics.fmean(times):.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
