"""SIGKILL mid-load never corrupts the database nor loses an acknowledged write.

Each cycle starts ``python -m conversations_sdk.emulator --db FILE`` as a subprocess, runs
concurrent writers against it, kills it with SIGKILL while they are still writing, checks the file
with SQLite's integrity check, restarts and verifies that every write that got a 200 is there
(and in its writer's order). ``EMULATOR_KILL_CYCLES`` scales it (3 by default; the soak session
runs 30).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys

import aiohttp
import pytest

from tests._support.serve_process import ServedEmulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CYCLES = int(os.environ.get("EMULATOR_KILL_CYCLES", "3"))
WRITERS = 16
KILL_AFTER_ACKS = 40


async def _load_until_killed(
    served: ServedEmulator, conversation_id: str, cycle: int
) -> dict[str, list[str]]:
    """Append from WRITERS tasks; SIGKILL the server after KILL_AFTER_ACKS acks; return acked ids."""
    acked: dict[str, list[str]] = {}
    enough = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def writer(w: int) -> None:
            i = 0
            while True:
                text = f"c{cycle}w{w}i{i}"
                try:
                    async with session.post(
                        f"{served.base_url}/conversations/{conversation_id}/items",
                        json={"items": [{"role": "user", "content": text}]},
                    ) as response:
                        body = await response.json()
                        assert response.status == 200, body
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return  # the server is gone: this write was never acknowledged
                acked.setdefault(f"w{w}", []).append(body["data"][0]["id"])
                if sum(map(len, acked.values())) >= KILL_AFTER_ACKS:
                    enough.set()
                i += 1

        tasks = [asyncio.create_task(writer(w)) for w in range(WRITERS)]
        await enough.wait()
        # Kill while every writer still has a request in flight.
        served.process.send_signal(signal.SIGKILL)
        await asyncio.gather(*tasks)
    assert await asyncio.to_thread(served.process.wait, 30) == -signal.SIGKILL
    served.kill()  # reap and close the pipes
    return acked


async def _all_item_ids(base_url: str, conversation_id: str) -> list[str]:
    ids: list[str] = []
    after = None
    async with aiohttp.ClientSession() as session:
        while True:
            params = {"order": "asc", "limit": "100", **({"after": after} if after else {})}
            async with session.get(
                f"{base_url}/conversations/{conversation_id}/items", params=params
            ) as response:
                page = await response.json()
            ids += [item["id"] for item in page["data"]]
            if not page["has_more"]:
                return ids
            after = page["last_id"]


async def test_sigkill_never_corrupts_or_loses_acknowledged_writes(tmp_path) -> None:
    """Across kill/restart cycles: integrity ok, every acked item present once, per-writer order kept."""
    db = tmp_path / "crash.db"
    served = await asyncio.to_thread(ServedEmulator, ["--port", "0", "--db", str(db)])
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{served.base_url}/conversations", json={}) as response,
    ):
        conversation_id = (await response.json())["id"]
    all_acked: dict[str, list[str]] = {}
    total = 0
    for cycle in range(CYCLES):
        acked = await _load_until_killed(served, conversation_id, cycle)
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        for writer, ids in acked.items():
            all_acked.setdefault(f"c{cycle}{writer}", []).extend(ids)
        total += sum(map(len, acked.values()))
        served = await asyncio.to_thread(ServedEmulator, ["--port", "0", "--db", str(db)])
        stored = await _all_item_ids(served.base_url, conversation_id)
        assert len(stored) == len(set(stored))
        position = {item_id: n for n, item_id in enumerate(stored)}
        for ids in all_acked.values():
            assert all(i in position for i in ids), "an acknowledged write was lost"
            assert [position[i] for i in ids] == sorted(position[i] for i in ids)
    served.stop()
    print(f"\n{CYCLES} SIGKILL cycles, {total} acknowledged writes, none lost")
