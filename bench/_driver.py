"""The benchmark driver (``python -m bench``): what to run, running it, and what is written.

One run measures issue 10's five scenarios for each client implementation, each (scenario,
implementation) pair in a new ``python -m bench.runner`` process per repeat, repeats interleaved
so slow drift of the machine hits every implementation alike. The server runs pinned to one
core and the runners to another where ``taskset`` and two cores exist, so the client's CPU
figure is its own. It prints a table of medians with ratios to raw aiohttp (the floor) and to
the official SDK, checks the issue's targets, and writes JSON and an SVG chart.

This module owns the command line, the plan (which pairs, how many repeats, which workloads),
the loop over it, the import scenario's timing, the results JSON and the exit status. It must
not start a child itself (``_processes``), compute a figure (``_figures``) or format one
(``_report``); the scenarios are ``_scenarios``'s.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench import _svg
from bench._figures import aggregate, check_targets
from bench._processes import (
    ROOT,
    Pinning,
    Server,
    load_average,
    package_versions,
    pinning,
    run_once,
    time_import,
)
from bench._report import brief_answer, render_table, render_targets
from bench._scenarios import (
    ASYNC_TWIN,
    FLOOR,
    IMPORT_STATEMENTS,
    SCENARIO_NAMES,
    SCENARIOS,
    TIMES,
    Scenario,
)
from bench.runner import IMPLS

RESULTS = ROOT / "bench" / "results"


@dataclasses.dataclass
class _Collected:
    """What the runs gave: samples per (scenario, impl), why a pair was not measured, errors."""

    samples: dict[tuple[str, str], list[dict[str, float]]] = dataclasses.field(default_factory=dict)
    notes: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark conversations-sdk against raw aiohttp and the official openai SDK.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny workloads, 1 repeat: a smoke run, not figures"
    )
    parser.add_argument(
        "--repeats", type=int, help="fresh processes per (scenario, impl); default 5, quick 1"
    )
    parser.add_argument(
        "--impl",
        action="append",
        choices=IMPLS,
        help=f"implementation to run (repeatable; default all; {FLOOR!r} always runs)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIO_NAMES,
        help="scenario to run (repeatable; default all)",
    )
    parser.add_argument(
        "--json",
        type=pathlib.Path,
        default=RESULTS / "latest.json",
        help="where to write the JSON results",
    )
    parser.add_argument(
        "--svg",
        type=pathlib.Path,
        default=RESULTS / "latest.svg",
        help="where to write the SVG chart",
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and clients to separate cores"
    )
    parser.add_argument(
        "--check-targets", action="store_true", help="exit 3 if an issue-10 target is missed"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter for server and runners"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print the table and targets; write JSON and SVG. Returns the exit code."""
    args = parse_args(argv)
    impls = set(args.impl or IMPLS) | {FLOOR}
    # A blocking client's overhead is measured against its own async twin: run both.
    impls |= {ASYNC_TWIN[i] for i in impls if i in ASYNC_TWIN}
    names = set(args.scenario or SCENARIO_NAMES)
    if "list_large" in names:
        names.add("list")  # its RSS growth is measured against the 10k run
    scenarios = [s for s in SCENARIOS if s.name in names]
    repeats = args.repeats or (1 if args.quick else 5)
    pins = pinning(not args.no_pin)
    plan = [(s, impl) for s in scenarios if s.name != "import" for impl in s.impls if impl in impls]

    got = _Collected()
    started = time.perf_counter()
    load_before = load_average()
    print(
        f"bench: {len(plan)} runs {TIMES} {repeats} repeats; pinning: {pins.note}", file=sys.stderr
    )
    if plan:
        _run_plan(args, scenarios, plan, repeats, pins, got)

    python_startup_ms = None
    import_scenario = next((s for s in scenarios if s.name == "import"), None)
    if import_scenario is not None:
        python_startup_ms = _measure_imports(args, import_scenario, impls, pins, got)

    rows = aggregate(got.samples, scenarios)
    targets = check_targets(rows)
    print(render_table(rows, got.notes))
    print("\nIssue 10 targets (conversations_sdk):")
    print(render_targets(targets))
    result: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "pinning": pins.note,
            "quick": args.quick,
            "repeats": repeats,
            "python_startup_ms": python_startup_ms,
            "versions": package_versions(args.python),
            "params": {s.name: (s.quick if args.quick else s.full) for s in scenarios},
            "seconds": round(time.perf_counter() - started, 1),
            # 1-minute load average before and after: above ~1 on 2 cores, others shared the CPUs.
            "load_average": [load_before, load_average()],
        },
        "rows": rows,
        "targets": targets,
        "unavailable": [
            {"scenario": s, "impl": i, "reason": r} for (s, i), r in sorted(got.notes.items())
        ],
        "errors": got.errors,
    }
    _write(args.json, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    _write(args.svg, _svg.chart(result))
    if max(result["meta"]["load_average"]) > 1.5:
        print(
            f"\nWARNING: load average {result['meta']['load_average']}: other processes competed "
            "for the CPUs; figures are inflated and noisy.",
            file=sys.stderr,
        )
    print(f"\nwrote {args.json} and {args.svg} in {result['meta']['seconds']} s", file=sys.stderr)
    if got.errors:
        print("errors:\n  " + "\n  ".join(got.errors), file=sys.stderr)
        return 1
    if args.check_targets and any(t["met"] is False for t in targets):
        return 3
    return 0


def _run_plan(
    args: argparse.Namespace,
    scenarios: list[Scenario],
    plan: list[tuple[Scenario, str]],
    repeats: int,
    pins: Pinning,
    got: _Collected,
) -> None:
    """Every (scenario, impl) pair of the plan in a fresh runner, ``repeats`` rounds, one server."""
    preload = sorted(
        {200}
        | {(s.quick if args.quick else s.full)["items"] for s in scenarios if "items" in s.full}
    )
    timeout = 120.0 if args.quick else 900.0
    with Server(pins.server, args.python, preload) as server:
        for repeat in range(repeats):
            for scenario, impl in plan:
                if (scenario.name, impl) in got.notes:
                    continue
                params = scenario.quick if args.quick else scenario.full
                answer = run_once(
                    pins.client,
                    args.python,
                    impl,
                    scenario.name,
                    server.base_url,
                    params,
                    timeout,
                )
                if "metrics" in answer:
                    got.samples.setdefault((scenario.name, impl), []).append(answer["metrics"])
                elif "unavailable" in answer:
                    got.notes[scenario.name, impl] = str(answer["unavailable"])
                else:
                    # Not skipped in later repeats: a failure can be transient (a module
                    # caught mid-edit), and the repeats that pass still count.
                    got.errors.append(f"{scenario.name}/{impl}: {answer.get('error', 'no answer')}")
                print(
                    f"  [{repeat + 1}/{repeats}] {scenario.name:<11} {impl:<21} {brief_answer(answer)}",
                    file=sys.stderr,
                )
    for scenario, impl in plan:
        if (scenario.name, impl) not in got.samples and (scenario.name, impl) not in got.notes:
            got.notes[scenario.name, impl] = "failed in every repeat (see errors)"


def _measure_imports(
    args: argparse.Namespace,
    scenario: Scenario,
    impls: set[str],
    pins: Pinning,
    got: _Collected,
) -> float:
    """Fresh-interpreter import times, each minus the median of ``python -c pass``."""
    statements = {"": "pass"}
    statements.update({i: IMPORT_STATEMENTS[i] for i in scenario.impls if i in impls})
    times: dict[str, list[float]] = {key: [] for key in statements}
    repeats = (scenario.quick if args.quick else scenario.full)["repeats"]
    for key, statement in list(statements.items()):
        try:
            # Writes .pyc files and warms the page cache before anything is timed.
            time_import(pins.client, args.python, statement)
        except subprocess.CalledProcessError as exc:
            got.notes["import", key] = f"`{statement}` failed (exit {exc.returncode})"
            del statements[key]
            if key in ("", FLOOR):
                got.errors.append(f"import/{key or 'python'}: `{statement}` failed")
    for _ in range(repeats):
        for key, statement in statements.items():
            times[key].append(time_import(pins.client, args.python, statement))
    baseline = statistics.median(times[""]) if times[""] else 0.0
    for key in statements:
        if key:
            for t in times[key]:
                got.samples.setdefault(("import", key), []).append(
                    {"import_ms": (t - baseline) * 1e3}
                )
    return baseline * 1e3


def _write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
