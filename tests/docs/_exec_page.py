"""Run the Python blocks of one documentation page, in order, in one namespace (a child process).

Usage: ``python _exec_page.py BLOCKS.json``, where the JSON holds ``{"page": ..., "blocks": [{"line":
N, "source": ...}, ...]}``. Blocks may use top-level ``await``, as in ``python -m asyncio`` or a
notebook; they share one event loop, so a client opened in one block can be used in the next. A
block without ``await`` runs as plain code outside any running loop, exactly as in a script.

Exits 0 when every block ran; otherwise prints the page, the block's line and the traceback (line
numbers are the page's own) and exits 1. This file is a script, not a test module: the test runs it
in a fresh interpreter so no page can leak state into another, or into the test process.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import inspect
import json
import sys
import traceback
import warnings


def _run(page: str, blocks: list[dict[str, object]]) -> int:
    # Leaked sessions and clients must show: the test fails on any ResourceWarning text.
    warnings.simplefilter("default", ResourceWarning)
    loop = asyncio.new_event_loop()
    namespace: dict[str, object] = {"__name__": "__main__"}
    status = 0
    for block in blocks:
        line = int(str(block["line"]))
        # Padding with newlines makes tracebacks and syntax errors report the page's line numbers.
        source = "\n" * (line - 1) + str(block["source"])
        try:
            code = compile(source, page, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(code, namespace)  # noqa: S307 - running the docs' own examples is the point
            if inspect.iscoroutine(result):
                loop.run_until_complete(result)
        except BaseException:
            print(f"--- {page}: the block starting at line {line} failed ---", file=sys.stderr)
            traceback.print_exc()
            status = 1
            break
    try:
        # What a page left running is cancelled, then collected while the loop still exists, so a
        # leak is reported as a ResourceWarning here rather than lost at interpreter exit.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        namespace.clear()
        gc.collect()
        loop.close()
    return status


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    return _run(spec["page"], spec["blocks"])


if __name__ == "__main__":
    sys.exit(main())
