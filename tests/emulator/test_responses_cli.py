"""The served emulator's responses: ``serve --script FILE`` and turns surviving a SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import aiohttp
import pytest

from tests._support.serve_process import ServedEmulator


def _create(base_url: str, body: object) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        base_url + "/responses",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_serve_answers_from_the_script_file_then_by_default(tmp_path) -> None:
    script = tmp_path / "replies.json"
    script.write_text(
        json.dumps(
            {
                "replies": [
                    "From the file.",
                    {"function_call": {"name": "lookup", "arguments": {"q": "x"}}},
                    {"error": {"status": 503, "message": "Down for a moment."}},
                ]
            }
        ),
        encoding="utf-8",
    )
    served = ServedEmulator(["--port", "0", "--script", str(script)])
    try:
        body = {"model": "m", "input": "hi"}
        status, first = _create(served.base_url, body)
        assert status == 200
        assert first["output"][0]["content"][0]["text"] == "From the file."
        assert _create(served.base_url, body)[1]["output"][0]["name"] == "lookup"
        status, error = _create(served.base_url, body)
        assert (status, error["error"]["message"]) == (503, "Down for a moment.")
        text = _create(served.base_url, body)[1]["output"][0]["content"][0]["text"]
        assert text == 'Emulated answer to "hi".'
    finally:
        assert served.stop() in (0, -signal.SIGTERM)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[", "not valid JSON"),
        ('[{"function_call": {"arguments": {}}}]', "script[0].function_call.name"),
        (None, "No such file"),
    ],
)
def test_a_bad_script_file_exits_2_saying_why(tmp_path, content: str | None, message: str) -> None:
    script = tmp_path / "replies.json"
    if content is not None:
        script.write_text(content, encoding="utf-8")
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "conversations_sdk.emulator",
            "--port",
            "0",
            "--script",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--script" in result.stderr
    assert message in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
async def test_sigkill_mid_turns_loses_no_acknowledged_turn_and_splits_none(tmp_path) -> None:
    """Turns acknowledged before a SIGKILL are all there after a restart, and every turn is whole:
    its input and its output were appended in one transaction."""
    db = tmp_path / "turns.db"
    served = ServedEmulator(["--port", "0", "--db", str(db)])
    acked: list[dict] = []
    enough = asyncio.Event()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async with session.post(f"{served.base_url}/conversations", json={}) as reply:
            conversation_id = (await reply.json())["id"]

        async def writer(w: int) -> None:
            for i in range(10_000):
                body = {"model": "m", "input": f"w{w} i{i}", "conversation": conversation_id}
                try:
                    async with session.post(f"{served.base_url}/responses", json=body) as reply:
                        response = await reply.json()
                        assert reply.status == 200, response
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return  # the server is gone: this turn was never acknowledged
                acked.append(response)
                if len(acked) >= 30:
                    enough.set()

        tasks = [asyncio.create_task(writer(w)) for w in range(8)]
        await asyncio.wait_for(enough.wait(), 60)
        served.process.send_signal(signal.SIGKILL)
        await asyncio.gather(*tasks)
    served.kill()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restarted = ServedEmulator(["--port", "0", "--db", str(db)])
    try:
        async with aiohttp.ClientSession() as session:
            items: list[dict] = []
            after = None
            while True:
                params = {"order": "asc", "limit": "100", **({"after": after} if after else {})}
                url = f"{restarted.base_url}/conversations/{conversation_id}/items"
                async with session.get(url, params=params) as reply:
                    page = await reply.json()
                items += page["data"]
                if not page["has_more"]:
                    break
                after = page["last_id"]
            for response in acked:
                async with session.get(f"{restarted.base_url}/responses/{response['id']}") as reply:
                    assert reply.status == 200
                    assert await reply.json() == response
    finally:
        restarted.stop()
    # Whole turns only: user, assistant, user, assistant, ... with each answer after its question.
    assert len(items) % 2 == 0
    for question, answer in zip(items[::2], items[1::2], strict=True):
        text = question["content"][0]["text"]
        assert answer["content"][0]["text"] == f'Emulated answer to "{text}".'
    stored_outputs = {item["id"] for item in items[1::2]}
    assert {r["output"][0]["id"] for r in acked} <= stored_outputs
