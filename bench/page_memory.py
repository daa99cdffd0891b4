"""Memory per byte of response body: what one ``items.list`` page costs the client, by item shape.

``python -m bench.page_memory`` serves one page of ``--mib`` MiB from a loopback server in a child
process (so the server's memory is not counted) and fetches it through a real ``AsyncClient``
with ``max_response_size`` raised to fit, asking for a ``limit`` of the page's length so that the
page-limit check lets it through to be structured (the API itself caps ``limit`` at 100). For each
item shape it prints the body size, the traced peak during the call (``tracemalloc``: body bytes, decoded JSON
and models together) and what the structured page keeps once the call returns, each also as a
multiple of the body's bytes: the *memory factor* that docs/reliability.md reports.

``max_response_size`` bounds the bytes read, not the memory: multiply it by the factor of the
smallest items a server may send to get the worst case.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conversations_sdk import AsyncClient

SHAPES: dict[str, dict[str, Any]] = {
    # An item of a type this SDK does not know: the smallest a server can send.
    "tiny (unknown type)": {"type": "x"},
    "small message": {
        "type": "message",
        "id": "msg_1",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": "hi"}],
    },
    "message, 1 KiB of text": {
        "type": "message",
        "id": "msg_1",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": "x" * 1024}],
    },
}

SERVER = """
import sys
from aiohttp import web
body = sys.stdin.buffer.read()
async def page(request):
    return web.Response(body=body, content_type="application/json")
app = web.Application()
app.router.add_get("/v1/conversations/{cid}/items", page)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def page_body(shape: dict[str, Any], mib: int) -> tuple[bytes, int]:
    one = json.dumps(shape, separators=(",", ":"))
    count = (mib << 20) // (len(one) + 1)
    data = ",".join([one] * count)
    body = f'{{"object":"list","data":[{data}],"first_id":"a","last_id":"b","has_more":false}}'
    return body.encode(), count


async def _wait_listening(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)  # the child server is still starting
        else:
            writer.close()
            await writer.wait_closed()
            return
    raise RuntimeError(f"the page server did not listen on 127.0.0.1:{port}")


async def fetch(port: int, count: int, size: int) -> tuple[int, int, float]:
    async with AsyncClient(
        api_key="bench", base_url=f"http://127.0.0.1:{port}/v1", max_response_size=size + 1
    ) as client:
        await _wait_listening(port)
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        page = await client.conversations.items.list("conv_1", extra_query={"limit": str(count)})
        seconds = time.perf_counter() - started
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(page.data) == count
        return peak, kept, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=8, help="page body size in MiB (default 8)")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args(argv)
    print(f"{'shape':24} {'items':>9} {'body MiB':>9} {'peak MiB':>9} {'x body':>7} "
          f"{'kept MiB':>9} {'x body':>7} {'seconds':>8}")  # fmt: skip
    # The most a page within the API's limit can hold: 100 items sharing the whole body.
    at_limit = {**SHAPES["small message"], "content": [{"type": "input_text", "text": ""}]}
    at_limit["content"][0]["text"] = "x" * ((args.mib << 20) // 100 - 120)
    shapes = {**SHAPES, "100 items (the API's max)": at_limit}
    for name, shape in shapes.items():
        body, count = page_body(shape, args.mib)
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(args.port)], stdin=subprocess.PIPE
        )
        try:
            assert server.stdin is not None
            server.stdin.write(body)
            server.stdin.close()
            peak, kept, seconds = asyncio.run(fetch(args.port, count, len(body)))
        finally:
            server.terminate()
            server.wait(timeout=10)
        mib = 1 << 20
        print(
            f"{name:24} {count:9d} {len(body) / mib:9.1f} {peak / mib:9.0f} "
            f"{peak / len(body):7.1f} {kept / mib:9.0f} {kept / len(body):7.1f} {seconds:8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
