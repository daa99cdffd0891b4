"""Measure how one huge request affects other clients of a served emulator (issue 14, item 11).

Not a test: run it by hand. It starts ``python -m conversations_sdk.emulator`` on a free loopback
port, then sends one request of ~14 MiB (400,000 content parts by default) while a second client
retrieves a conversation in a loop, and prints the second client's latencies during that time::

    PYTHONPATH=$PWD python tests/emulator/measure_big_body.py [parts]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import aiohttp

from tests._support.serve_process import ServedEmulator


async def measure(base_url: str, parts: int) -> dict[str, object]:
    content = [{"type": "input_text", "text": "x"}] * parts
    body = json.dumps({"items": [{"type": "message", "role": "user", "content": content}]}).encode()
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as big, aiohttp.ClientSession() as small:
        async with small.post(base_url + "/conversations", data=b"{}", headers=headers) as r:
            conversation = (await r.json())["id"]
        latencies: list[float] = []
        done = asyncio.Event()

        async def poll() -> None:
            while not done.is_set():
                started = time.perf_counter()
                async with small.get(f"{base_url}/conversations/{conversation}") as r:
                    await r.read()
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.005)

        poller = asyncio.create_task(poll())
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        async with big.post(
            f"{base_url}/conversations/{conversation}/items", data=body, headers=headers
        ) as r:
            status = r.status
            answer = (await r.read())[:200]
        big_seconds = time.perf_counter() - started
        done.set()
        await poller
    return {
        "body_mib": round(len(body) / 2**20, 2),
        "status": status,
        "answer": answer.decode(errors="replace"),
        "big_request_s": round(big_seconds, 3),
        "other_client_max_ms": round(max(latencies) * 1000, 1),
        "other_client_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "other_client_requests": len(latencies),
    }


def main() -> None:
    parts = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
    served = ServedEmulator(["--port", "0"])
    try:
        print(json.dumps(asyncio.run(measure(served.base_url, parts))))
    finally:
        served.stop()


if __name__ == "__main__":
    main()
