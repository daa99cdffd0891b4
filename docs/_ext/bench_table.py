"""The ``bench-table`` directive: the benchmark results JSON rendered as tables in the docs.

``python -m bench --json docs/_static/bench.json --svg docs/_static/bench.svg`` refreshes the
figures; the page then shows exactly what that run measured, with no hand-copied numbers. The
JSON's shape is the one ``bench/_driver.py`` writes (``meta``, ``rows``, ``targets``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

# Typographic signs on purpose (escaped for ruff RUF001): they are what the page shows.
DASH = "\u2013"
TIMES = "\u00d7"


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


def _ratio(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}{TIMES}"


def _table(header: list[str], rows: list[list[str]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["bench-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    body = nodes.tbody()
    group += head
    group += body
    for cells, parent in [(header, head), *((row, body) for row in rows)]:
        line = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=cell)
            line += entry
        parent += line
    return table


class BenchTable(SphinxDirective):
    """``{bench-table} path/to/results.json`` with ``:part: meta|targets|rows``."""

    required_arguments = 1
    option_spec = {"part": lambda arg: directives.choice(arg, ("meta", "targets", "rows"))}  # noqa: RUF012 - docutils' API

    def run(self) -> list[nodes.Node]:
        relative, absolute = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)
        results: dict[str, Any] = json.loads(Path(absolute).read_text(encoding="utf-8"))
        part = self.options.get("part", "rows")
        self._errors: list[str] = results.get("errors", [])
        if part == "meta":
            return [self._meta(results["meta"])]
        if part == "targets":
            return [self._targets(results.get("targets", []))]
        return [self._rows(results["rows"])]

    def _meta(self, meta: dict[str, Any]) -> nodes.Node:
        versions = ", ".join(f"{name} {v}" for name, v in meta.get("versions", {}).items())
        load = meta.get("load_average")
        text = (
            f"Measured {meta.get('date', '?')[:16].replace('T', ' ')} UTC on {meta.get('cpus', '?')} "
            f"CPUs ({meta.get('machine', '?')}), {meta.get('implementation', 'CPython')} "
            f"{meta.get('python', '?')}; {meta.get('pinning', 'no pinning')}; "
            f"{meta.get('repeats', '?')} fresh process(es) per figure"
            + (f"; load average {load}" if load is not None else "")
            + (" — a quick smoke run, not reference figures" if meta.get("quick") else "")
            + f". Versions: {versions}."
        )
        errors = meta.get("errors") or self._errors
        if errors:
            # A run that failed is missing from its median: say so next to the figures.
            text += (
                f" {len(errors)} run(s) failed and are missing from their medians: "
                + "; ".join(errors)
                + "."
            )
        return nodes.paragraph(text=text)

    def _targets(self, targets: list[dict[str, Any]]) -> nodes.Node:
        verdict = {True: "met", False: "missed", None: "not measured"}
        rows = [
            [
                t["target"],
                DASH if t["measured"] is None else f"{_fmt(t['measured'])} {t['unit']}",
                verdict[t["met"]],
            ]
            for t in targets
        ]
        return _table(["target", "measured", "verdict"], rows, [60, 20, 20])

    def _rows(self, rows: list[dict[str, Any]]) -> nodes.Node:
        out: list[list[str]] = []
        last_title = last_label = None
        for row in rows:
            # Each scenario and each metric is named once, on the first row it applies to.
            title = row["title"] if row["title"] != last_title else ""
            label = row["label"] if (row["title"], row["label"]) != last_label else ""
            last_title, last_label = row["title"], (row["title"], row["label"])
            if row.get("higher_is_better") and label:
                label += " (higher is better)"
            spread = (
                "derived" if row.get("derived") else f"{_fmt(row['min'])}{DASH}{_fmt(row['max'])}"
            )
            out.append(
                [
                    title,
                    label,
                    row["impl_label"],
                    _fmt(row["median"]),
                    spread,
                    _ratio(row.get("ratio_raw")),
                    _ratio(row.get("ratio_openai")),
                ]
            )
        header = [
            "scenario",
            "metric",
            "implementation",
            "median",
            f"min{DASH}max",
            f"{TIMES} raw aiohttp",
            f"{TIMES} openai",
        ]
        return _table(header, out, [22, 14, 24, 10, 14, 8, 8])


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive."""
    app.add_directive("bench-table", BenchTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
