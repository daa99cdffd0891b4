"""Micro-benchmark: one 100-item page, bytes → ``ConversationItemList`` and back, in µs.

``python -m bench.structure_page`` (or ``python bench/structure_page.py``) times, in one process and
one run, so the ratios compare like with like on a noisy machine:

* ``json.loads`` alone on the mixed page (the floor);
* ``json.loads`` + ``structure_response`` on a messages-only page and on the mixed page (the page
  the main benchmark serves: user/assistant messages, function calls and their outputs);
* ``CONVERTER.unstructure`` of the structured mixed page (what sending it back would cost);
* the mixed page read strictly (``strict=True``), and with one deviation in its middle item read
  leniently (the default): a ``null`` status (``1 odd item``), or a ``content`` that is a string,
  so the item becomes ``UnknownItem`` (``1 broken item``) — issue 13's "a page with one deviation
  costs at most a few times a clean one";

each the median over ``--repeats`` samples of CPU (thread) time per page, a sample being a batch of
``--batch`` pages. The rounds interleave the measurements, so a busy minute slows them all alike.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make ``bench`` importable from the source tree.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _payloads
from conversations_sdk._converter import CONVERTER, fast_path_stats, structure_response
from conversations_sdk.models import ConversationItemList


def messages_page(size: int = 100) -> bytes:
    """A page of user and assistant messages only (the mixed page's two message shapes)."""
    data = [_payloads.item(4 * (i // 2) + i % 2) for i in range(size)]
    body = {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"],
        "last_id": data[-1]["id"],
        "has_more": True,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _per_page(fn: Callable[[], object], batch: int) -> float:
    start = time.thread_time()
    for _ in range(batch):
        fn()
    return (time.thread_time() - start) / batch * 1e6


def _with_deviation(page: bytes, **changes: Any) -> bytes:
    """The page with its middle message changed (keys set to the given values)."""
    body = json.loads(page)
    middle = next(i for i in body["data"][50:] if i["type"] == "message")
    middle.update(changes)
    return json.dumps(body, separators=(",", ":")).encode()


def measure(repeats: int, batch: int) -> dict[str, float]:
    """Median µs per page of each measurement, sampled round-robin."""
    mixed = _payloads.page_bytes(100)
    messages = messages_page(100)
    odd = _with_deviation(mixed, status=None)
    broken = _with_deviation(mixed, content="not a list")
    page = structure_response(json.loads(mixed), ConversationItemList)
    assert CONVERTER.unstructure(page) == json.loads(mixed)  # the benchmark measures a round trip
    cases: dict[str, Callable[[], Any]] = {
        "json.loads": lambda: json.loads(mixed),
        "structure messages": lambda: structure_response(
            json.loads(messages), ConversationItemList
        ),
        "structure mixed": lambda: structure_response(json.loads(mixed), ConversationItemList),
        "strict mixed": lambda: structure_response(
            json.loads(mixed), ConversationItemList, strict=True
        ),
        "structure 1 odd item": lambda: structure_response(json.loads(odd), ConversationItemList),
        "structure 1 broken": lambda: structure_response(json.loads(broken), ConversationItemList),
        "unstructure mixed": lambda: CONVERTER.unstructure(page),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for fn in cases.values():  # warm-up: lazy hook building, caches, allocator
        _per_page(fn, batch)
    for _ in range(repeats):
        for name, fn in cases.items():
            gc.collect()
            samples[name].append(_per_page(fn, batch))
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    """Print µs per page and the ratio (x) of each figure to ``json.loads`` alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.structure_page", description=__doc__)
    parser.add_argument("--repeats", type=int, default=41, help="samples per figure (median)")
    parser.add_argument("--batch", type=int, default=20, help="pages per sample")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.repeats, args.batch)
    floor = figures["json.loads"]
    if args.json:
        out = {name: {"us": us, "ratio_json_loads": us / floor} for name, us in figures.items()}
        print(json.dumps(out, indent=2))
        return 0
    print(f"{'100-item page':<22}{'µs/page':>10}{'x json.loads':>14}")
    for name, us in figures.items():
        print(f"{name:<22}{us:>10.1f}{us / floor:>14.2f}")
    # Only the pages with a deviation should appear: a clean page never leaves the fast path.
    print("fast-path give-ups (model, reason): count")
    for (model, reason), count in sorted(fast_path_stats().items()):
        print(f"  {model}, {reason}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
