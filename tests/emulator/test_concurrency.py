"""Many writers at once: every write lands exactly once, in order, with zero errors."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from conversations_sdk.emulator import Emulator
from tests._support.emulator_api import API, user_message

WRITERS = 64
WRITES_EACH = 5


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "file"])
async def test_64_concurrent_writers_append_to_one_conversation(tmp_path, on_disk: bool) -> None:
    """64 writers x 5 appends each: no errors, every item stored once, each writer's order kept."""
    db = tmp_path / "emu.db" if on_disk else None
    # One connection per writer, so the server really sees 64 concurrent requests.
    connector = aiohttp.TCPConnector(limit=0)
    async with Emulator(db=db) as emulator, aiohttp.ClientSession(connector=connector) as session:
        api = API(session, emulator.base_url)
        conversation = await api.create_conversation()
        start = asyncio.Event()

        async def writer(w: int) -> list[int]:
            await start.wait()
            statuses = []
            for i in range(WRITES_EACH):
                reply = await api.call(
                    "POST",
                    f"/conversations/{conversation['id']}/items",
                    json_body={"items": [user_message(f"{w}:{i}")]},
                )
                statuses.append(reply.status)
            return statuses

        tasks = [asyncio.create_task(writer(w)) for w in range(WRITERS)]
        began = time.perf_counter()
        start.set()
        statuses = [s for result in await asyncio.gather(*tasks) for s in result]
        elapsed = time.perf_counter() - began

        texts: list[str] = []
        after = None
        while True:
            params = {"order": "asc", "limit": "100", **({"after": after} if after else {})}
            page = (
                await api.call("GET", f"/conversations/{conversation['id']}/items", params=params)
            ).body
            texts += [item["content"][0]["text"] for item in page["data"]]
            if not page["has_more"]:
                break
            after = page["last_id"]
        assert await emulator.integrity_check() == "ok"

    print(
        f"\n{WRITERS * WRITES_EACH} appends by {WRITERS} writers ({'file' if on_disk else 'memory'}): {elapsed:.2f}s"
    )
    assert statuses == [200] * (WRITERS * WRITES_EACH)
    assert sorted(texts) == sorted(f"{w}:{i}" for w in range(WRITERS) for i in range(WRITES_EACH))
    for w in range(WRITERS):
        mine = [t for t in texts if t.startswith(f"{w}:")]
        assert mine == [f"{w}:{i}" for i in range(WRITES_EACH)]
