"""The inspector in a real browser: Debian's headless Chromium loads the pages over loopback
(conversations, and the responses the Responses flow stored).

Chromium parses each page as a user's browser would, runs whatever would run (nothing should), and
prints the resulting DOM (``--dump-dom``). The test then finds every item's text in it and no
element that a stored ``<script>`` or ``<img onerror>`` payload could have injected.

Needs ``chromium`` on PATH. The nox ``tests`` session installs it when missing (as root, with
apt-get) and then sets ``CONVERSATIONS_SDK_BROWSER=required``, which turns a missing browser into a
failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest

from conversations_sdk import Client
from conversations_sdk.emulator import ThreadedEmulator
from tests._support.inspector import EVIL, Dom, assert_nothing_injected, insert_raw_item

pytestmark = pytest.mark.slow

#: A payload that would rename the page if it ever ran; the dumped DOM shows the title.
RENAME = "<script>document.title='pwned'</script>"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is not None:
        return found
    if os.environ.get("CONVERSATIONS_SDK_BROWSER") == "required":
        pytest.fail("CONVERSATIONS_SDK_BROWSER=required but chromium is not on PATH")
    pytest.skip(
        "needs Debian's chromium on PATH (apt-get install chromium); the nox tests session "
        "installs it when it runs as root"
    )


def _dump_dom(chromium: str, url: str) -> Dom:
    """The page's DOM after Chromium loaded it (and ran any script it would run)."""
    with tempfile.TemporaryDirectory(prefix="inspector-chromium-") as profile:
        result = subprocess.run(  # noqa: S603 - a fixed command on a loopback URL
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<html" in result.stdout, result.stderr[-2000:]
    return Dom.parse(result.stdout)


def test_chromium_shows_the_items_and_runs_nothing_stored(tmp_path: Path) -> None:
    """The list and a conversation render with every item's text; no stored payload becomes an
    element or runs (the page title stays ours)."""
    chromium = _chromium()
    db = tmp_path / "browser.db"
    with (
        ThreadedEmulator(db=db) as emulator,
        Client(api_key="sk-local", base_url=emulator.base_url, max_retries=0) as client,
    ):
        conversation = client.conversations.create(
            metadata={"topic": EVIL, RENAME: "key"},
            items=[
                {"role": "user", "content": "Is it raining in Lyon? " + EVIL},
                {
                    "type": "function_call",
                    "call_id": "call_1",
                    "name": "get_weather",
                    "arguments": '{"city": "Lyon"} ' + RENAME,
                },
                {"type": "function_call_output", "call_id": "call_1", "output": "drizzle " + EVIL},
                {"role": "assistant", "content": "Light drizzle in Lyon. " + RENAME},
            ],
        )
        insert_raw_item(db, conversation.id, {"id": "x_1", "type": "beacon", "note": EVIL})
        home = emulator.inspector_url
        assert home is not None
        listing = _dump_dom(chromium, home)
        page = _dump_dom(chromium, f"{home}inspector/conversations/{conversation.id}")

    for dom in (listing, page):
        assert_nothing_injected(dom)
        titles = [e.text for e in dom.find("title")]
        assert len(titles) == 1
        assert "pwned" not in titles[0]
        assert titles[0].endswith("Conversations emulator")

    assert conversation.id in listing.text
    assert EVIL in listing.text  # the metadata value, as text

    entries = [e.text for e in page.find("div", class_="cs-entry")]
    assert len(entries) == 5
    assert "Is it raining in Lyon? " + EVIL in entries[0]
    assert 'get_weather({"city": "Lyon"} ' + RENAME + ")" in entries[1]
    assert "drizzle " + EVIL in entries[2]
    assert "Light drizzle in Lyon. " + RENAME in entries[3]
    assert "beacon" in entries[4]
    assert len(page.find("details", class_="cs-raw")) == 5


def test_chromium_shows_a_response_and_runs_nothing_stored() -> None:
    """The Responses list and a response's page render its input and output items and its
    conversation link; payloads in the input, instructions, metadata and the scripted output
    (text and tool call) become no element and run nothing."""
    chromium = _chromium()
    script = [
        {
            "output": [
                "Checking Lyon. " + RENAME,
                {"function_call": {"name": "get_weather", "arguments": {"city": "Lyon " + EVIL}}},
            ]
        }
    ]
    with (
        ThreadedEmulator(script=script) as emulator,
        Client(api_key="sk-local", base_url=emulator.base_url, max_retries=0) as client,
    ):
        conversation = client.conversations.create(metadata={"topic": "weather"})
        body = {
            "model": "gpt-test",
            "conversation": conversation.id,
            "instructions": "Be brief. " + RENAME,
            "metadata": {"case": EVIL},
            "input": [{"role": "user", "content": "Is it raining in Lyon? " + EVIL}],
        }
        request = urllib.request.Request(  # noqa: S310 - the emulator on loopback
            emulator.base_url + "/responses",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            response = json.loads(answer.read())
        home = emulator.inspector_url
        assert home is not None
        listing = _dump_dom(chromium, f"{home}inspector/responses")
        page = _dump_dom(chromium, f"{home}inspector/responses/{response['id']}")

    for dom in (listing, page):
        assert_nothing_injected(dom)
        titles = [e.text for e in dom.find("title")]
        assert len(titles) == 1
        assert "pwned" not in titles[0]
        assert titles[0].endswith("Conversations emulator")

    assert response["id"] in listing.text
    assert listing.find("a", href=f"/inspector/conversations/{conversation.id}")

    assert "Be brief. " + RENAME in page.text
    assert EVIL in page.text  # the metadata value
    entries = [e.text for e in page.find("div", class_="cs-entry")]
    assert len(entries) == 3
    assert "Is it raining in Lyon? " + EVIL in entries[0]
    assert "Checking Lyon. " + RENAME in entries[1]
    assert "get_weather(" in entries[2]
    assert "Lyon " + EVIL.replace('"', '\\"') in entries[2]
    assert page.find("a", href=f"/inspector/conversations/{conversation.id}")
    assert page.find("details", class_="response-json")
