"""What the benchmark measures: the scenarios, their workloads and metrics, the implementations' names.

The catalogue the driver, the figures and the report share: each scenario's full and quick
workloads and the metrics it reports, the row names of the implementations, what the import
scenario imports, which figures are derived from others, and the multiplication sign and en dash
the figures' text uses. It must not run, time or print anything: ``_processes`` runs,
``_figures`` computes, ``_report`` writes.
"""

from __future__ import annotations

from typing import NamedTuple

from bench.runner import ASYNC_IMPLS, IMPLS

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
    """One figure of a scenario: its key in the runner's answer, its label, its direction."""

    key: str
    label: str
    higher_is_better: bool = False


class Scenario(NamedTuple):
    """One scenario: the implementations it runs, its full and quick workloads, its metrics."""

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
