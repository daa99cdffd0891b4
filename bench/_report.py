"""The benchmark's text for people: the results table, the targets, the progress line of a run.

Owns how figures are written (three significant figures at most, dashes for missing ones) in the
Markdown pipe table printed on stdout, the targets' verdict lines and the one-line summary of a
runner's answer. It must not compute figures (``_figures`` does) nor write files.
"""

from __future__ import annotations

from typing import Any

from bench._scenarios import DASH, LABELS, TIMES


def _fmt(value: float | None) -> str:
    # Three significant figures at most: the run-to-run spread makes more digits noise.
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


def brief_answer(answer: dict[str, Any]) -> str:
    """A runner's answer on one progress line: its metrics, or the start of what it said."""
    if "metrics" in answer:
        return ", ".join(f"{k}={_fmt(v)}" for k, v in answer["metrics"].items())
    return str(answer)[:120]
