"""Profile one benchmark scenario of one implementation: where does the client's time go?

``python -m bench.profile sdk-async retrieve`` starts the canned server (on another core where
it can), runs the scenario exactly as the benchmark does, under pyinstrument when it is
installed (the ``bench`` dependency group) or cProfile otherwise, and prints the profile.
Both sample the main thread only: for the blocking client, profile ``sdk-async`` instead, since
the loop thread runs the same coroutines.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from typing import Any

from bench import runner
from bench._processes import Server, pinning
from bench._scenarios import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m bench.profile IMPL SCENARIO``."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("impl", choices=runner.IMPLS)
    parser.add_argument("scenario", choices=[s.name for s in SCENARIOS if s.name != "import"])
    parser.add_argument("--quick", action="store_true", help="the quick mode's workload")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile even if pyinstrument exists"
    )
    parser.add_argument("--limit", type=int, default=30, help="cProfile: rows to print")
    args = parser.parse_args(argv)
    scenario = next(s for s in SCENARIOS if s.name == args.scenario)
    params: dict[str, Any] = dict(scenario.quick if args.quick else scenario.full)
    pins = pinning(enabled=True)
    if pins.client and hasattr(os, "sched_setaffinity"):
        # This process is the client: keep it off the server's core, as the runners are.
        os.sched_setaffinity(0, {int(pins.client[-1])})
    with Server(pins.server, sys.executable, [200, params.get("items", 200)]) as server:
        metrics = _profiled(args, server.base_url, params)
    print(metrics, file=sys.stderr)
    return 0


def _profiled(args: argparse.Namespace, base_url: str, params: dict[str, Any]) -> dict[str, float]:
    if not args.cprofile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            pass
        else:
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            with profiler:
                metrics = runner.run(args.impl, args.scenario, base_url, params)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            return metrics
    profile = cProfile.Profile()
    metrics = profile.runcall(runner.run, args.impl, args.scenario, base_url, params)
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.limit)
    return metrics


if __name__ == "__main__":
    sys.exit(main())
