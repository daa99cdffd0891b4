"""How fast and how heavy the emulator's inspector pages are, at the sizes issue 19 names.

A database is built with 10,000 conversations (metadata, one to five items each) and one
conversation of 1,000 items (messages, tool calls and outputs, reasoning), then an emulator serves
it on 127.0.0.1 and each page is fetched over HTTP, repeatedly; the figure is the wall time from
request to last byte (server rendering plus loopback), median and worst of the runs, and the size
of the HTML (raw and gzip-compressed, as a sense of its weight).

With ``--browser``, Debian's headless Chromium also loads the 1,000-item page and the list
(``--dump-dom``), and the time beyond loading an empty page (the browser's own start) is reported,
best of five (on a busy machine these vary by a second or more).

The Responses section is measured on 10,000 stored responses (one turn each: a user message in, an
assistant message out), 500 of them written to the long conversation, whose page lists them.

Run: ``python -m bench.inspector [--runs 20] [--browser]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from conversations_sdk.emulator import Emulator

CONVERSATIONS = 10_000
LONG_CONVERSATION_ITEMS = 1_000
RESPONSES = 10_000
LONG_CONVERSATION_RESPONSES = 500


def _item(index: int) -> dict[str, Any]:
    kind = index % 5
    text = f"Turn {index}: " + "a realistic sentence of a chat turn, with some words. " * 3
    if kind == 0:
        return {
            "id": f"msg_u{index:06d}",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }
    if kind == 1:
        return {
            "id": f"rs_{index:06d}",
            "type": "reasoning",
            "status": "completed",
            "summary": [{"type": "summary_text", "text": "Thinking about " + text}],
        }
    if kind == 2:
        return {
            "id": f"fc_{index:06d}",
            "type": "function_call",
            "status": "completed",
            "call_id": f"call_{index}",
            "name": "lookup",
            "arguments": json.dumps({"query": text[:60], "limit": 5}),
        }
    if kind == 3:
        return {
            "id": f"fco_{index:06d}",
            "type": "function_call_output",
            "status": "completed",
            "call_id": f"call_{index - 1}",
            "output": json.dumps({"results": [text[:40]] * 3}),
        }
    return {
        "id": f"msg_a{index:06d}",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def build_database(path: Path) -> str:
    """Fill ``path`` (already created by an emulator) and return the long conversation's id."""
    rng = random.Random(19)
    now = int(time.time())
    conversations = []
    items = []
    for n in range(CONVERSATIONS):
        conversation_id = f"conv_{n:048x}"
        metadata = {"user": f"user{n % 100}", "topic": rng.choice(["billing", "weather", "demo"])}
        conversations.append((conversation_id, now - rng.randrange(30 * 86_400), metadata))
        for k in range(1 + n % 5):
            item = _item(k)
            item["id"] = f"{item['id']}_{n}"
            items.append((item["id"], conversation_id, json.dumps(item)))
    long_id = "conv_" + "f" * 48
    conversations.append((long_id, now, {"user": "bench", "topic": "long"}))
    for k in range(LONG_CONVERSATION_ITEMS):
        item = _item(k)
        items.append((item["id"], long_id, json.dumps(item)))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO conversations (id, created_at, metadata) VALUES (?, ?, ?)",
            [(i, t, json.dumps(m)) for i, t, m in conversations],
        )
        conn.executemany("INSERT INTO items (id, conversation_id, body) VALUES (?, ?, ?)", items)
        _add_responses(conn, [c[0] for c in conversations[:-1]], long_id, now)
    conn.close()
    return long_id


def _add_responses(
    conn: sqlite3.Connection, conversation_ids: list[str], long_id: str, now: int
) -> None:
    """Store RESPONSES responses, the last LONG_CONVERSATION_RESPONSES of them in ``long_id``."""
    rows = []
    inputs = []
    for n in range(RESPONSES):
        response_id = f"resp_{n:048x}"
        in_long = n >= RESPONSES - LONG_CONVERSATION_RESPONSES
        conversation_id = long_id if in_long else conversation_ids[n % len(conversation_ids)]
        created = now - (RESPONSES - n)
        question = {
            "id": f"msg_in_{n}",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_text", "text": f"Question {n}: what is the weather?"}],
        }
        answer = {
            "id": f"msg_out_{n}",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [
                {
                    "type": "output_text",
                    "text": f"Emulated answer to question {n}. " * 8,
                    "annotations": [],
                    "logprobs": [],
                }
            ],
        }
        body = {
            "id": response_id,
            "object": "response",
            "created_at": created,
            "completed_at": created,
            "status": "completed",
            "model": "gpt-bench",
            "conversation": {"id": conversation_id},
            "instructions": "Answer briefly.",
            "metadata": {},
            "output": [answer],
            "usage": {"input_tokens": 20, "output_tokens": 60, "total_tokens": 80},
        }
        rows.append((response_id, created, "completed", conversation_id, json.dumps(body)))
        inputs.append((question["id"], response_id, json.dumps(question)))
    conn.executemany(
        "INSERT INTO responses (id, created_at, status, conversation_id, body)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.executemany(
        "INSERT INTO response_input_items (id, response_id, body) VALUES (?, ?, ?)", inputs
    )


async def _measure(session: aiohttp.ClientSession, url: str, runs: int) -> dict[str, Any]:
    times = []
    body = b""
    for _ in range(runs):
        start = time.perf_counter()
        async with session.get(url) as response:
            body = await response.read()
            assert response.status == 200, (url, response.status)
        times.append(time.perf_counter() - start)
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body)),
    }


def _browser_seconds(chromium: str, url: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-chromium-") as profile:
        start = time.perf_counter()
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        return time.perf_counter() - start


async def run(runs: int, browser: bool) -> dict[str, Any]:
    """Build the data, serve it, and measure every page."""
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-inspector-") as folder:
        db = Path(folder) / "inspector.db"
        async with Emulator(db=db):
            pass  # creates the schema
        long_id = build_database(db)
        async with Emulator(db=db) as emulator, aiohttp.ClientSession() as session:
            home = emulator.inspector_url
            assert home is not None
            conversation = f"{home}inspector/conversations/{long_id}"
            pages = {
                "list, first page (50 of 10,001)": home,
                "list, 100th page (before= cursor)": None,
                "list, metadata key+value filter": f"{home}?key=user&value=user42",
                "list, id prefix filter": f"{home}?id=conv_00000000000000000000000000000000000000000000012",
                "conversation, 100 items (default page)": conversation,
                "conversation, 1,000 items (?limit=1000)": f"{conversation}?limit=1000",
                "download, 1,000 items (JSONL)": f"{conversation}/export.jsonl",
                "stylesheet": f"{home}inspector/static/inspector.css",
                "responses, first page (50 of 10,000)": f"{home}inspector/responses",
                "responses, deep page (before= cursor at 5,000)": (
                    f"{home}inspector/responses?before={RESPONSES // 2}"
                ),
                "responses of one conversation (50 of 500)": (
                    f"{home}inspector/responses?conversation={long_id}"
                ),
                "one response (1 input, 1 output item)": (
                    f"{home}inspector/responses/resp_{RESPONSES - 1:048x}"
                ),
            }
            # A deep page: the cursor of the 5,000th newest conversation.
            with sqlite3.connect(db) as conn:
                created_at, rowid = conn.execute(
                    "SELECT created_at, rowid FROM conversations "
                    "ORDER BY created_at DESC, rowid DESC LIMIT 1 OFFSET 4999"
                ).fetchone()
            conn.close()
            pages["list, 100th page (before= cursor)"] = f"{home}?before={created_at}.{rowid}"
            for name, url in pages.items():
                assert url is not None
                figures[name] = await _measure(session, url, runs)
            if browser:
                chromium = shutil.which("chromium")
                if chromium is None:
                    figures["browser"] = "chromium not on PATH"
                else:
                    empty = f"{home}inspector/static/inspector.css"
                    base = min(
                        [
                            await asyncio.to_thread(_browser_seconds, chromium, empty)
                            for _ in range(5)
                        ]
                    )
                    for name, url in (
                        ("browser, list (50 rows)", home),
                        ("browser, conversation (1,000 items)", f"{conversation}?limit=1000"),
                    ):
                        best = min(
                            [
                                await asyncio.to_thread(_browser_seconds, chromium, url)
                                for _ in range(5)
                            ]
                        )
                        figures[name] = {"beyond_empty_page_ms": round((best - base) * 1000)}
                    figures["browser start (empty page)"] = {"ms": round(base * 1000)}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Inspector page timings and weights.")
    parser.add_argument("--runs", type=int, default=20, help="fetches per page (default 20)")
    parser.add_argument("--browser", action="store_true", help="also time headless Chromium")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.runs, args.browser))
    width = max(len(name) for name in figures)
    for name, values in figures.items():
        print(f"{name:<{width}}  {values}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
