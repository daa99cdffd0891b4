"""Crash safety: SIGKILL the emulator process under write load, again and again, and restart it.

Each cycle runs ``python -m conversations_sdk.emulator --db FILE`` in a subprocess, drives
concurrent writers through the SDK's async client (no retries: a write is either acknowledged or
not), kills the process with SIGKILL while writes are in flight, checks the file with
``PRAGMA integrity_check`` and restarts on it. After every restart, every write acknowledged in
any cycle so far must be there, exactly once.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from conversations_sdk import APIConnectionError, AsyncClient, NotFoundError
from tests._support.reliability import FigureRecorder, count, id_of, text_of
from tests.conftest import API_KEY

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

WRITERS = 16
#: Acknowledged writes per cycle before the kill; the writers are all mid-request when it lands.
KILL_AFTER_ACKS = 48


async def _start(db: Path) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "conversations_sdk.emulator", "--port", "0", "--db", str(db)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    while line := (await process.stdout.readline()).decode():
        if line.startswith("http://127.0.0.1:"):
            return process, line.strip()
    await process.wait()
    raise RuntimeError(f"the emulator exited with {process.returncode} before serving")


class Acked:
    """Every write the server acknowledged, over all cycles."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}  # item id -> text
        self.conversations: list[str] = []


async def _load_then_kill(
    process: asyncio.subprocess.Process,
    base_url: str,
    conversation_id: str,
    cycle: int,
    acked: Acked,
) -> int:
    """Write from WRITERS coroutines, SIGKILL after KILL_AFTER_ACKS acks; return this cycle's acks."""
    enough = asyncio.Event()
    acks = 0
    async with AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0) as client:

        async def writer(w: int) -> None:
            nonlocal acks
            k = 0
            while True:
                try:
                    if w == 0:
                        created = await client.conversations.create(metadata={"cycle": str(cycle)})
                        acked.conversations.append(created.id)
                    else:
                        text = f"c{cycle}w{w}k{k}"
                        added = await client.conversations.items.create(
                            conversation_id, items=[{"role": "user", "content": text}]
                        )
                        acked.items[id_of(added.data[0])] = text
                except APIConnectionError:
                    return  # killed: this write was never acknowledged
                acks += 1
                if acks >= KILL_AFTER_ACKS:
                    enough.set()
                k += 1

        tasks = [asyncio.create_task(writer(w)) for w in range(WRITERS)]
        await enough.wait()
        process.send_signal(signal.SIGKILL)
        await asyncio.gather(*tasks)
    assert await process.wait() == -signal.SIGKILL
    return acks


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


async def _verify(base_url: str, conversation_id: str, acked: Acked) -> tuple[int, int]:
    """Return (acknowledged writes missing, items stored more than once)."""
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        stored = [
            item
            async for item in client.conversations.items.list(
                conversation_id, order="asc", limit=100
            )
        ]
        missing_conversations = 0
        for cid in acked.conversations:
            try:
                await client.conversations.retrieve(cid)
            except NotFoundError:
                missing_conversations += 1
    ids = {item.id for item in stored}
    texts = collections.Counter(text_of(item) for item in stored)
    missing = missing_conversations + sum(iid not in ids for iid in acked.items)
    return missing, sum(n - 1 for n in texts.values() if n > 1)


@pytest.mark.slow
async def test_sigkill_cycles_lose_no_acknowledged_write(
    tmp_path: Path, figure: FigureRecorder
) -> None:
    """30 SIGKILL/restart cycles under write load: integrity ok each time, 0 acknowledged writes lost."""
    cycles = count(30, 2)
    db = tmp_path / "crash.db"
    process, base_url = await _start(db)
    async with AsyncClient(api_key=API_KEY, base_url=base_url) as client:
        conversation_id = (await client.conversations.create()).id
    acked = Acked()
    verdicts: collections.Counter[str] = collections.Counter()
    lost = duplicated = 0
    try:
        for cycle in range(cycles):
            await _load_then_kill(process, base_url, conversation_id, cycle, acked)
            verdict = await asyncio.to_thread(_integrity, db)
            verdicts[verdict] += 1
            process, base_url = await _start(db)
            missing, doubled = await _verify(base_url, conversation_id, acked)
            lost = max(lost, missing)
            duplicated = max(duplicated, doubled)
            assert verdict == "ok", f"cycle {cycle}: integrity_check says {verdict!r}"
            assert missing == 0, f"cycle {cycle}: {missing} acknowledged writes lost"
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
    figure(
        cycles=cycles,
        integrity_ok=verdicts["ok"],
        acknowledged_writes=len(acked.items) + len(acked.conversations),
        acknowledged_writes_lost=lost,
        items_stored_twice=duplicated,
    )
    assert verdicts["ok"] == cycles
    assert lost == duplicated == 0
