"""``serve --script FILE``: the stand-in model's replies from a JSON file."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from serve_process import ServedEmulator


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
