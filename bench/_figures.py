"""The benchmark's figures: medians of the samples, derived figures, ratios, and the targets.

Owns the arithmetic from the runners' samples to the result rows (median, min, max, the RSS
growth and facade overhead derived from other medians, the ratios to raw aiohttp and to the
official SDK of the same kind) and issue 10's targets checked against those rows. It must not
run anything nor format text for people (``_report`` does).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from bench._scenarios import (
    ASYNC_TWIN,
    FLOOR,
    IMPORT_LABELS,
    LABELS,
    OVERHEAD_OF,
    TIMES,
    Metric,
    Scenario,
)
from bench.runner import IMPLS, SYNC_IMPLS


def _reference(impl: str, present: set[str]) -> str | None:
    """The official-SDK implementation an implementation is compared with."""
    order = (
        ("openai-sync", "openai-async") if impl in SYNC_IMPLS else ("openai-async", "openai-sync")
    )
    return next((ref for ref in order if ref in present), None)


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
