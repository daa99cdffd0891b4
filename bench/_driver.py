"""The benchmark driver: canned server up, every scenario in fresh processes, medians, report.

One run measures issue 10's five scenarios for each client implementation, each (scenario,
implementation) pair in a new ``python -m bench.runner`` process per repeat, repeats interleaved
so slow drift of the machine hits every implementation alike. The server runs pinned to one
core and the runners to another where ``taskset`` and two cores exist, so the client's CPU
figure is its own. It prints a table of medians with ratios to raw aiohttp (the floor) and to
the official SDK, checks the issue's targets, and writes JSON and an SVG chart.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from bench import _svg
from bench.runner import ASYNC_IMPLS, IMPLS, SYNC_IMPLS

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# Named, not typed in literally: they are easy to confuse with x and - in source.
TIMES = "\N{MULTIPLICATION SIGN}"
DASH = "\N{EN DASH}"

FLOOR = "aiohttp"
LABELS = {
    "aiohttp": "raw aiohttp + json.loads",
    "sdk-async": "conversations_sdk AsyncClient",
    "sdk-blocking": "conversations_sdk Client",
    "openai-async": "openai AsyncOpenAI (httpx)",
    "openai-async-aiohttp": "openai AsyncOpenAI (aiohttp)",
    "openai-sync": "openai OpenAI (httpx)",
}


class Metric(NamedTuple):
    key: str
    label: str
    higher_is_better: bool = False


class Scenario(NamedTuple):
    name: str
    title: str
    impls: tuple[str, ...]
    full: dict[str, int]
    quick: dict[str, int]
    metrics: tuple[Metric, ...]


_RATE = (Metric("cpu_us_per_req", "CPU µs/request"), Metric("req_per_s", "requests/s", True))
_LIST = (
    Metric("cpu_ms", "CPU ms"),
    Metric("wall_ms", "wall ms"),
    Metric("peak_rss_mb", "peak RSS MB"),
)
_CALL = (
    Metric("cpu_us_per_call", "CPU µs/call"),
    Metric("latency_us", "latency µs/call"),
)

_CALL_OVERHEAD = (
    *_CALL,
    Metric("overhead_cpu_us", "CPU µs/call over own async"),
    Metric("overhead_latency_us", "latency µs/call over own async"),
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "retrieve",
        "1. retrieve, 32 concurrent",
        ASYNC_IMPLS,
        {"requests": 4000, "concurrency": 32, "warmup": 320},
        {"requests": 320, "concurrency": 32, "warmup": 64},
        _RATE,
    ),
    Scenario(
        "create",
        "1. create, 32 concurrent",
        ASYNC_IMPLS,
        {"requests": 4000, "concurrency": 32, "warmup": 320},
        {"requests": 320, "concurrency": 32, "warmup": 64},
        _RATE,
    ),
    Scenario(
        "list",
        "2. auto-page 10,000 items",
        IMPLS,
        {"items": 10_000},
        {"items": 1_000},
        _LIST,
    ),
    Scenario(
        "list_large",
        "2. auto-page 100,000 items",
        IMPLS,
        {"items": 100_000},
        {"items": 2_000},
        (*_LIST, Metric("rss_growth_mb", "peak RSS growth MB vs 10k")),
    ),
    Scenario(
        "structure",
        "3. structure a 100-item page",
        ("aiohttp", "sdk-async", "openai-async"),
        {"iterations": 2000},
        {"iterations": 50},
        (Metric("us_per_page", "µs/page"),),
    ),
    Scenario(
        "blocking_1t",
        "4. sequential retrieve, 1 caller",
        IMPLS,
        {"calls": 2000, "threads": 1, "warmup": 100},
        {"calls": 100, "threads": 1, "warmup": 20},
        _CALL_OVERHEAD,
    ),
    Scenario(
        "blocking_8t",
        "4. retrieve, 8 threads (async: 8 tasks)",
        IMPLS,
        {"calls": 4000, "threads": 8, "warmup": 160},
        {"calls": 160, "threads": 8, "warmup": 32},
        _CALL_OVERHEAD,
    ),
    Scenario(
        "import",
        "5. import time (minus `python -c pass`)",
        ("aiohttp", "sdk-async", "sdk-blocking", "openai-async"),
        {"repeats": 9},
        {"repeats": 1},
        (Metric("import_ms", "ms"),),
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)

#: What each implementation's row in the import scenario imports.
IMPORT_STATEMENTS = {
    "aiohttp": "import aiohttp",
    "sdk-async": "import conversations_sdk",
    # What a cold start (a CLI, a serverless function) pays before its first request: the lazy
    # names resolved, the models imported and the converter built (no session, no socket).
    "sdk-blocking": (
        "import conversations_sdk as c; c.Client; c.AsyncClient(api_key='sk-x').conversations"
    ),
    "openai-async": "import openai",
}
#: Row names for the import scenario (the statements themselves are long).
IMPORT_LABELS = {
    "aiohttp": "import aiohttp",
    "sdk-async": "import conversations_sdk",
    "sdk-blocking": "conversations_sdk ready to call",
    "openai-async": "import openai",
}

#: The blocking twin's async counterpart, for the facade overhead figures.
ASYNC_TWIN = {"sdk-blocking": "sdk-async", "openai-sync": "openai-async"}
#: Derived overhead metric -> the measured metric it is the blocking-minus-async difference of.
OVERHEAD_OF = {"overhead_cpu_us": "cpu_us_per_call", "overhead_latency_us": "latency_us"}


def _reference(impl: str, present: set[str]) -> str | None:
    """The official-SDK implementation an implementation is compared with."""
    order = (
        ("openai-sync", "openai-async") if impl in SYNC_IMPLS else ("openai-async", "openai-sync")
    )
    return next((ref for ref in order if ref in present), None)


# --- processes -------------------------------------------------------------------------------


class Pinning(NamedTuple):
    server: list[str]
    client: list[str]
    note: str


def pinning(enabled: bool) -> Pinning:
    """``taskset`` prefixes putting the server and the clients on different cores, if possible."""
    if not enabled:
        return Pinning([], [], "off (--no-pin)")
    taskset = shutil.which("taskset")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if taskset is None or len(cpus) < 2:
        return Pinning([], [], "off (needs taskset and 2 cores)")
    return Pinning(
        [taskset, "-c", str(cpus[0])],
        [taskset, "-c", str(cpus[1])],
        f"server on CPU {cpus[0]}, clients on CPU {cpus[1]}",
    )


class Server:
    """The canned server as a child process, for use in ``with``."""

    def __init__(self, prefix: list[str], python: str, preload: list[int]) -> None:
        self._cmd = [
            *prefix,
            python,
            "-m",
            "bench.server",
            "--watch-stdin",
            "--preload",
            ",".join(str(n) for n in preload),
        ]
        self.base_url = ""

    def __enter__(self) -> Server:
        self._proc = subprocess.Popen(
            self._cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("READY "):
            self._proc.kill()
            raise RuntimeError(f"canned server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}/v1"
        return self

    def __exit__(self, *_: object) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()


def run_once(
    prefix: list[str],
    python: str,
    impl: str,
    scenario: str,
    base_url: str,
    params: dict[str, int],
    timeout: float,
) -> dict[str, Any]:
    """One fresh runner process; its parsed JSON answer."""
    cmd = [
        *prefix,
        python,
        "-m",
        "bench.runner",
        impl,
        scenario,
        "--base-url",
        base_url,
        "--params",
        json.dumps(params),
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return answer


def time_import(prefix: list[str], python: str, statement: str) -> float:
    """Wall seconds of a fresh interpreter running ``statement`` (startup included)."""
    cmd = [*prefix, python, "-c", statement]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


# --- aggregation -----------------------------------------------------------------------------


def _impl_label(scenario: str, impl: str) -> str:
    """The row's name: what was actually run, where that is not the client itself."""
    if scenario == "structure" and impl == FLOOR:
        return "json.loads only"
    if scenario == "import":
        return IMPORT_LABELS[impl]
    return LABELS[impl]


def _median_row(
    scenario: Scenario, metric: Metric, impl: str, values: list[float]
) -> dict[str, Any]:
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "metric": metric.key,
        "label": metric.label,
        "higher_is_better": metric.higher_is_better,
        "impl": impl,
        "impl_label": _impl_label(scenario.name, impl),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def aggregate(
    samples: dict[tuple[str, str], list[dict[str, float]]],
    scenarios: Sequence[Scenario],
) -> list[dict[str, Any]]:
    """Median rows per (scenario, metric, implementation), with derived figures and ratios."""
    rows: list[dict[str, Any]] = []
    medians: dict[tuple[str, str, str], float] = {}
    for scenario in scenarios:
        for metric in scenario.metrics:
            for impl in scenario.impls:
                values = [
                    s[metric.key] for s in samples.get((scenario.name, impl), []) if metric.key in s
                ]
                if values:
                    row = _median_row(scenario, metric, impl, values)
                    rows.append(row)
                    medians[scenario.name, metric.key, impl] = row["median"]
    # Derived figures: computed from medians of separate processes, so no min/max spread.
    derived: list[tuple[Scenario, Metric, str, float]] = []
    for scenario in scenarios:
        for metric in scenario.metrics:
            for impl in scenario.impls:
                if (scenario.name, metric.key, impl) in medians:
                    continue
                value: float | None = None
                if metric.key == "rss_growth_mb":
                    big = medians.get((scenario.name, "peak_rss_mb", impl))
                    small = medians.get(("list", "peak_rss_mb", impl))
                    if big is not None and small is not None:
                        value = big - small
                elif metric.key in OVERHEAD_OF and impl in ASYNC_TWIN:
                    base = OVERHEAD_OF[metric.key]
                    mine = medians.get((scenario.name, base, impl))
                    twin = medians.get((scenario.name, base, ASYNC_TWIN[impl]))
                    if mine is not None and twin is not None:
                        value = mine - twin
                if value is not None:
                    derived.append((scenario, metric, impl, value))
    for scenario, metric, impl, value in derived:
        row = _median_row(scenario, metric, impl, [value])
        row["derived"] = True
        rows.append(row)
        medians[scenario.name, metric.key, impl] = value
    order = {
        (s.name, m.key): (i, j) for i, s in enumerate(scenarios) for j, m in enumerate(s.metrics)
    }
    rows.sort(key=lambda r: (*order[r["scenario"], r["metric"]], IMPLS.index(r["impl"])))
    for row in rows:
        key = (row["scenario"], row["metric"])
        present = {impl for (s, m, impl) in medians if (s, m) == key}
        floor = medians.get((*key, FLOOR))
        ref = _reference(row["impl"], present)
        official = medians.get((*key, ref)) if ref else None
        # A difference of two medians can sit near zero: a ratio of it would only show noise.
        plain = not row.get("derived")
        row["ratio_raw"] = _ratio(row["median"], floor) if plain else None
        row["ratio_openai"] = _ratio(row["median"], official) if plain else None
        row["openai_ref"] = ref if plain else None
    return rows


def _ratio(value: float, base: float | None) -> float | None:
    if base is None or base <= 0 or value < 0:
        return None
    return value / base


def check_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 10's targets, each with the measured figure and whether it is met."""
    med = {(r["scenario"], r["metric"], r["impl"]): r for r in rows}

    def get(scenario: str, metric: str, field: str, impl: str = "sdk-async") -> float | None:
        row = med.get((scenario, metric, impl))
        value = row.get(field) if row else None
        return None if value is None else float(value)

    out: list[dict[str, Any]] = []

    def target(name: str, measured: float | None, limit: float, unit: str) -> None:
        out.append(
            {
                "target": name,
                "measured": measured,
                "limit": limit,
                "unit": unit,
                "met": None if measured is None else measured <= limit,
            }
        )

    for scenario in ("retrieve", "create"):
        target(
            f"{scenario} CPU/request <= 1.3{TIMES} raw aiohttp",
            get(scenario, "cpu_us_per_req", "ratio_raw"),
            1.3,
            TIMES,
        )
    target(
        f"auto-paging 10k items CPU <= 2{TIMES} raw aiohttp + json",
        get("list", "cpu_ms", "ratio_raw"),
        2.0,
        TIMES,
    )
    target(
        "peak RSS growth 10k -> 100k items <= 10 MB",
        get("list_large", "rss_growth_mb", "median"),
        10.0,
        "MB",
    )
    target(
        "structure a 100-item page <= 250 µs",
        get("structure", "us_per_page", "median"),
        250.0,
        "µs",
    )
    target(
        f"structure a 100-item page <= 2.5{TIMES} json.loads",
        get("structure", "us_per_page", "ratio_raw"),
        2.5,
        TIMES,
    )
    for scenario in ("blocking_1t", "blocking_8t"):
        target(
            f"blocking facade CPU/call over async ({scenario[-2:]}) <= 100 µs",
            get(scenario, "overhead_cpu_us", "median", "sdk-blocking"),
            100.0,
            "µs",
        )
    sdk = get("import", "import_ms", "median")
    aio = get("import", "import_ms", "median", FLOOR)
    over = sdk - aio if sdk is not None and aio is not None else None
    target("import conversations_sdk <= import aiohttp + 40 ms", over, 40.0, "ms over")
    return out


# --- output ----------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None:
        return DASH
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio_text(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}{TIMES}"


def render_table(rows: list[dict[str, Any]], notes: dict[tuple[str, str], str]) -> str:
    """The results as a Markdown pipe table (readable in a terminal, pasteable in the docs)."""
    header = [
        "scenario",
        "metric",
        "implementation",
        "median",
        f"min{DASH}max",
        f"{TIMES} raw aiohttp",
        f"{TIMES} openai",
    ]
    lines = [header]
    last: tuple[str, str] | None = None
    for row in rows:
        key = (row["title"], row["label"])
        title, label = key if key != last else ("", "")
        last = key
        if row["higher_is_better"] and label:
            label += " (higher is better)"
        spread = "derived" if row.get("derived") else f"{_fmt(row['min'])}{DASH}{_fmt(row['max'])}"
        lines.append(
            [
                title,
                label,
                row["impl_label"],
                _fmt(row["median"]),
                spread,
                _ratio_text(row["ratio_raw"]),
                _ratio_text(row["ratio_openai"]),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append(
            "| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |"
        )
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if notes:
        out.append("\nNot measured:")
        out += [
            f"  {scenario} / {LABELS[impl]}: {reason}"
            for (scenario, impl), reason in sorted(notes.items())
        ]
    return "\n".join(out)


def render_targets(targets: list[dict[str, Any]]) -> str:
    """One line per target: met, missed, or not measured."""
    out = []
    for t in targets:
        mark = {True: "MET   ", False: "MISSED", None: "n/a   "}[t["met"]]
        measured = "not measured" if t["measured"] is None else f"{_fmt(t['measured'])} {t['unit']}"
        out.append(f"  [{mark}] {t['target']}: {measured}")
    return "\n".join(out)


# --- entry point -----------------------------------------------------------------------------


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
    preload = sorted(
        {200}
        | {(s.quick if args.quick else s.full)["items"] for s in scenarios if "items" in s.full}
    )
    timeout = 120.0 if args.quick else 900.0

    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    notes: dict[tuple[str, str], str] = {}
    errors: list[str] = []
    started = time.perf_counter()
    load_before = _load()
    print(
        f"bench: {len(plan)} runs {TIMES} {repeats} repeats; pinning: {pins.note}", file=sys.stderr
    )
    if plan:
        with Server(pins.server, args.python, preload) as server:
            for repeat in range(repeats):
                for scenario, impl in plan:
                    if (scenario.name, impl) in notes:
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
                        samples.setdefault((scenario.name, impl), []).append(answer["metrics"])
                    elif "unavailable" in answer:
                        notes[scenario.name, impl] = str(answer["unavailable"])
                    else:
                        # Not skipped in later repeats: a failure can be transient (a module
                        # caught mid-edit), and the repeats that pass still count.
                        errors.append(f"{scenario.name}/{impl}: {answer.get('error', 'no answer')}")
                    print(
                        f"  [{repeat + 1}/{repeats}] {scenario.name:<11} {impl:<21} {_brief(answer)}",
                        file=sys.stderr,
                    )

    for scenario, impl in plan:
        if (scenario.name, impl) not in samples and (scenario.name, impl) not in notes:
            notes[scenario.name, impl] = "failed in every repeat (see errors)"

    python_startup_ms = None
    import_scenario = next((s for s in scenarios if s.name == "import"), None)
    if import_scenario is not None:
        python_startup_ms = _measure_imports(
            args, import_scenario, impls, pins, samples, notes, errors
        )

    rows = aggregate(samples, scenarios)
    targets = check_targets(rows)
    print(render_table(rows, notes))
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
            "versions": _versions(args.python),
            "params": {s.name: (s.quick if args.quick else s.full) for s in scenarios},
            "seconds": round(time.perf_counter() - started, 1),
            # 1-minute load average before and after: above ~1 on 2 cores, others shared the CPUs.
            "load_average": [load_before, _load()],
        },
        "rows": rows,
        "targets": targets,
        "unavailable": [
            {"scenario": s, "impl": i, "reason": r} for (s, i), r in sorted(notes.items())
        ],
        "errors": errors,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    args.svg.parent.mkdir(parents=True, exist_ok=True)
    args.svg.write_text(_svg.chart(result), encoding="utf-8")
    if max(result["meta"]["load_average"]) > 1.5:
        print(
            f"\nWARNING: load average {result['meta']['load_average']}: other processes competed "
            "for the CPUs; figures are inflated and noisy.",
            file=sys.stderr,
        )
    print(f"\nwrote {args.json} and {args.svg} in {result['meta']['seconds']} s", file=sys.stderr)
    if errors:
        print("errors:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    if args.check_targets and any(t["met"] is False for t in targets):
        return 3
    return 0


def _load() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def _brief(answer: dict[str, Any]) -> str:
    if "metrics" in answer:
        return ", ".join(f"{k}={_fmt(v)}" for k, v in answer["metrics"].items())
    return str(answer)[:120]


def _measure_imports(
    args: argparse.Namespace,
    scenario: Scenario,
    impls: set[str],
    pins: Pinning,
    samples: dict[tuple[str, str], list[dict[str, float]]],
    notes: dict[tuple[str, str], str],
    errors: list[str],
) -> float:
    """Fresh-interpreter import times, each minus the median of ``python -c pass``."""
    statements = {"": "pass"}
    statements.update({i: IMPORT_STATEMENTS[i] for i in scenario.impls if i in impls})
    times: dict[str, list[float]] = {key: [] for key in statements}
    repeats = (scenario.quick if args.quick else scenario.full)["repeats"]
    for key, statement in list(statements.items()):
        try:
            time_import(
                pins.client, args.python, statement
            )  # writes .pyc files, warms the page cache
        except subprocess.CalledProcessError as exc:
            notes["import", key] = f"`{statement}` failed (exit {exc.returncode})"
            del statements[key]
            if key in ("", FLOOR):
                errors.append(f"import/{key or 'python'}: `{statement}` failed")
    for _ in range(repeats):
        for key, statement in statements.items():
            times[key].append(time_import(pins.client, args.python, statement))
    baseline = statistics.median(times[""]) if times[""] else 0.0
    for key in statements:
        if key:
            for t in times[key]:
                samples.setdefault(("import", key), []).append({"import_ms": (t - baseline) * 1e3})
    return baseline * 1e3


def _versions(python: str) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for name in ('conversations-sdk', 'aiohttp', 'attrs', 'cattrs', 'anyio', 'openai', 'httpx2', 'pydantic'):\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    try:
        versions: dict[str, str] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {}
    return versions
