"""An SVG bar chart of the headline figures, written from the results JSON with no dependency.

One panel per headline figure (lower is better in all of them), one bar per implementation,
each labelled with its median and its ratio to raw aiohttp, so the docs can show the gap at a
glance. Plain SVG 1.1 text: it renders in browsers, GitHub and Sphinx without matplotlib.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

#: (scenario, metric, panel title) of each panel, in reading order.
PANELS = (
    ("retrieve", "cpu_us_per_req", "retrieve at 32 concurrent: client CPU µs/request"),
    ("create", "cpu_us_per_req", "create at 32 concurrent: client CPU µs/request"),
    ("list", "cpu_ms", "auto-page 10,000 items: client CPU ms"),
    ("list_large", "peak_rss_mb", "auto-page 100,000 items: peak RSS MB"),
    ("structure", "us_per_page", "structure one 100-item page: µs"),
    ("blocking_1t", "cpu_us_per_call", "one caller, sequential retrieve: CPU µs/call"),
    ("blocking_8t", "cpu_us_per_call", "8 threads (async: 8 tasks): CPU µs/call"),
    ("import", "import_ms", "import time beyond `python -c pass`: ms"),
)

COLORS = {
    "aiohttp": "#8c8c8c",
    "sdk-async": "#1f5fa8",
    "sdk-blocking": "#6fa8dc",
    "openai-async": "#c0392b",
    "openai-async-aiohttp": "#e59866",
    "openai-sync": "#922b21",
}

PANEL_W = 500
LABEL_W = 200
BAR_W = 200
BAR_H = 16
GAP = 5
TITLE_H = 24
PAD = 14


def _load(meta: dict[str, Any]) -> str:
    load = meta.get("load_average") or []
    return " → ".join(f"{x:.1f}" for x in load) or "unknown"


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _panel(x: int, y: int, title: str, rows: list[dict[str, Any]]) -> tuple[list[str], int]:
    parts = [
        f'<text x="{x}" y="{y + 16}" class="title">{escape(title)}</text>',
    ]
    top = max((r["median"] for r in rows), default=1.0) or 1.0
    for i, row in enumerate(rows):
        by = y + TITLE_H + i * (BAR_H + GAP)
        width = max(1.0, BAR_W * max(row["median"], 0.0) / top)
        ratio = row.get("ratio_raw")
        value = _fmt(row["median"]) + (
            f"  ({ratio:.1f}\N{MULTIPLICATION SIGN})"
            if ratio is not None and row["impl"] != "aiohttp"
            else ""
        )
        parts += [
            f'<text x="{x + LABEL_W - 6}" y="{by + 12}" class="label">{escape(row["impl_label"])}</text>',
            f'<rect x="{x + LABEL_W}" y="{by}" width="{width:.1f}" height="{BAR_H}" '
            f'fill="{COLORS.get(row["impl"], "#555")}"><title>{escape(row["impl_label"])}: '
            f"{escape(_fmt(row['median']))}</title></rect>",
            f'<text x="{x + LABEL_W + width + 4:.1f}" y="{by + 12}" class="value">{escape(value)}</text>',
        ]
    height = TITLE_H + len(rows) * (BAR_H + GAP) + PAD
    return parts, height


def chart(result: dict[str, Any]) -> str:
    """The SVG document for a results dict as the driver writes it to JSON."""
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in result["rows"]:
        by_key.setdefault((row["scenario"], row["metric"]), []).append(row)
    panels = [(title, by_key[s, m]) for s, m, title in PANELS if (s, m) in by_key]
    body: list[str] = []
    y_cols = [PAD + 30, PAD + 30]
    for n, (title, rows) in enumerate(panels):
        col = n % 2
        parts, height = _panel(PAD + col * PANEL_W, y_cols[col], title, rows)
        body += parts
        y_cols[col] += height
    meta = result["meta"]
    footer_y = max(y_cols) + 6
    footer = (
        f"medians of {meta['repeats']} fresh processes per bar · Python {meta['python']} · "
        f"{meta['cpus']} CPUs, {meta['pinning']} · load average {_load(meta)} · {meta['date']}"
        + (" · QUICK MODE: smoke figures, not measurements" if meta["quick"] else "")
    )
    width = 2 * PANEL_W + 2 * PAD
    height = footer_y + 20
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">',
        "<style>.title{font-size:13px;font-weight:bold;fill:#222}"
        ".label{font-size:11px;fill:#333;text-anchor:end}"
        ".value{font-size:11px;fill:#222}.note{font-size:11px;fill:#666}"
        ".head{font-size:16px;font-weight:bold;fill:#111}</style>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{PAD}" y="{PAD + 12}" class="head">conversations-sdk vs raw aiohttp and the '
        "official openai SDK (lower is better; ratio to raw aiohttp in brackets)</text>",
    )
    tail = (f'<text x="{PAD}" y="{footer_y + 8}" class="note">{escape(footer)}</text>', "</svg>")
    return "\n".join((*head, *body, *tail)) + "\n"
