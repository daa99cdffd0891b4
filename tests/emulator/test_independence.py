"""The emulator is a second opinion: its own JSON and validation, its own durable SQLite settings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import aiohttp
from aiohttp.test_utils import TestServer

from conversations_sdk.emulator import Emulator
from conversations_sdk.emulator._app import AppConfig, create_app
from conversations_sdk.emulator._faults import FaultInjector
from conversations_sdk.emulator._store import Store


def test_emulator_never_imports_the_sdks_converter_or_models() -> None:
    """Serving requests (conversations, a streamed response) loads neither conversations_sdk._converter nor conversations_sdk.models."""
    script = """
import asyncio, sys, urllib.request
from conversations_sdk.emulator import Emulator

async def main():
    async with Emulator() as emulator:
        request = urllib.request.Request(emulator.base_url + "/conversations", data=b'{"items": [{"role": "user", "content": "x"}]}', headers={"Content-Type": "application/json"}, method="POST")
        await asyncio.to_thread(lambda: urllib.request.urlopen(request).read())
        request = urllib.request.Request(emulator.base_url + "/responses", data=b'{"model": "m", "input": "x", "stream": true}', headers={"Content-Type": "application/json"}, method="POST")
        await asyncio.to_thread(lambda: urllib.request.urlopen(request).read())

asyncio.run(main())
leaked = sorted(m for m in sys.modules if m.startswith(("conversations_sdk._converter", "conversations_sdk.models")))
print(leaked)
"""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


async def test_file_database_is_wal_with_full_sync(tmp_path) -> None:
    """A file database is in WAL mode (durable, readers never block the writer)."""
    db = tmp_path / "settings.db"
    async with Emulator(db=db):
        with sqlite3.connect(db) as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        conn.close()
    assert mode == "wal"


async def test_host_check_is_off_when_not_bound_to_loopback() -> None:
    """Beyond loopback the Host allow-list does not apply (the API key protects the server)."""
    store = Store()
    await store.open()
    try:
        app = create_app(store, AppConfig(api_key="sk-k", loopback_only=False), FaultInjector())
        async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
            url = str(server.make_url("/v1/conversations"))
            headers = {"Host": "emulator.internal.example", "Authorization": "Bearer sk-k"}
            async with session.post(url, json={}, headers=headers) as response:
                assert response.status == 200
    finally:
        await store.close()
