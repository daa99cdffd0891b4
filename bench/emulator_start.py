"""What an emulator start costs, and the share of it spent parsing the bundled spec.

Times ``load_spec()`` and a whole in-memory ``Emulator`` start and stop (what a per-test pytest
fixture pays), ``--runs`` times each. With ``--uncached`` the spec is parsed on every call, as it
was before it was cached, for a before/after comparison on the same machine.

Run: ``python -m bench.emulator_start [--runs 100] [--uncached]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from conversations_sdk.emulator import Emulator, _schema


def _summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    return (
        f"{name}: median {statistics.median(ordered):.2f} ms, min {ordered[0]:.2f} ms, "
        f"p90 {ordered[int(len(ordered) * 0.9)]:.2f} ms (n={len(ordered)})"
    )


async def _starts(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        async with Emulator():
            pass
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Emulator start-up timings.")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--uncached", action="store_true", help="parse the spec on every call")
    args = parser.parse_args(argv)
    if args.uncached:
        _schema.load_spec = getattr(_schema.load_spec, "__wrapped__", _schema.load_spec)  # type: ignore[method-assign]
    loads = []
    for _ in range(args.runs):
        start = time.perf_counter()
        _schema.load_spec()
        loads.append((time.perf_counter() - start) * 1000)
    print("uncached" if args.uncached else "cached (as shipped)")
    print(_summary("load_spec()", loads))
    print(_summary("Emulator start+stop", asyncio.run(_starts(args.runs))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
