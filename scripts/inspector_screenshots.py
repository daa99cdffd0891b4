"""Screenshots of the emulator's inspector for docs/emulator.md, taken by a real headless Chromium.

Starts an in-memory emulator on 127.0.0.1, fills it with a small demo (a weather-bot conversation
with a tool call, reasoning and an assistant answer, a message that tries to inject a script, and a
few more conversations for the list, and two turns of a train-booking app through
``POST /v1/responses`` with a scripted tool call), then runs Debian's ``chromium`` on the list, the
conversation page, the Responses list and a response's page::

    python scripts/inspector_screenshots.py            # writes docs/_static/inspector-*.png

Needs ``chromium`` on PATH (``apt-get install chromium``). Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from conversations_sdk import Client
from conversations_sdk.emulator import ThreadedEmulator

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    # Paint everything before the shot is taken (without it a busy machine can cut the page).
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=5000",
)


def seed(client: Client) -> str:
    """Create the demo conversations; return the id of the one to show."""
    for number, (topic, user) in enumerate(
        [("billing", "grace"), ("onboarding", "alan"), ("billing", "ada"), ("support", "linus")]
    ):
        client.conversations.create(
            metadata={"topic": topic, "user": user},
            items=[{"role": "user", "content": f"Question {number + 1} from {user}"}],
        )
    conversation = client.conversations.create(
        metadata={"topic": "weather", "user": "ada", "app": "demo-bot"},
        items=[
            {"role": "developer", "content": "You are a concise weather assistant."},
            {"role": "user", "content": "Do I need an umbrella in Paris tomorrow?"},
        ],
    )
    client.conversations.items.create(
        conversation.id,
        items=[
            {
                "type": "reasoning",
                "id": "rs_demo",
                "summary": [
                    {"type": "summary_text", "text": "Need tomorrow's forecast for Paris first."}
                ],
            },
            {
                "type": "function_call",
                "call_id": "call_42",
                "name": "get_forecast",
                "arguments": '{"city": "Paris", "day": "tomorrow"}',
            },
            {
                "type": "function_call_output",
                "call_id": "call_42",
                "output": '{"rain_probability": 0.8, "high_c": 14}',
            },
            {
                "role": "assistant",
                "content": "Yes: an 80 % chance of rain and 14 °C. Take the umbrella.",
            },
            {"role": "user", "content": "Thanks! <script>alert('still just text')</script>"},
        ],
    )
    return conversation.id


#: The stand-in model's replies to the two turns of the train-booking demo.
SCRIPT = [
    {
        "output": [
            "Let me look up the morning trains.",
            {
                "function_call": {
                    "name": "find_trains",
                    "arguments": {"from": "Paris", "to": "Lyon", "day": "tomorrow"},
                    "call_id": "call_trains",
                }
            },
        ]
    },
    "The 9:04 TGV arrives in Lyon at 11:00. Shall I book a seat?",
]


def seed_responses(client: Client, base_url: str) -> str:
    """Run two turns of a conversation through the Responses API; return the first response's id."""
    conversation = client.conversations.create(metadata={"app": "train-bot", "user": "grace"})

    def respond(body: dict[str, object]) -> dict[str, object]:
        request = urllib.request.Request(  # noqa: S310 - the emulator on loopback
            base_url + "/responses",
            data=json.dumps(
                {"model": "gpt-demo", "conversation": conversation.id, **body}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read())  # type: ignore[no-any-return]

    first = respond(
        {
            "instructions": "You book train tickets. Use the tools.",
            "input": "Find me a train from Paris to Lyon tomorrow morning.",
        }
    )
    respond(
        {
            "input": [
                {
                    "type": "function_call_output",
                    "call_id": "call_trains",
                    "output": '[{"train": "TGV 6603", "departs": "09:04", "arrives": "11:00"}]',
                }
            ]
        }
    )
    return str(first["id"])


def screenshot(chromium: str, url: str, out: pathlib.Path, width: int, height: int) -> None:
    """Save a PNG of ``url`` as Chromium renders it at ``width`` x ``height``."""
    with tempfile.TemporaryDirectory(prefix="inspector-chromium-") as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={out}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    if not out.is_file():
        raise RuntimeError(f"chromium wrote no screenshot for {url}")
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "_static")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not on PATH: apt-get install chromium", file=sys.stderr)
        return 1
    with (
        ThreadedEmulator(script=SCRIPT) as emulator,
        Client(api_key="sk-local", base_url=emulator.base_url) as client,
    ):
        response_id = seed_responses(client, emulator.base_url)
        conversation_id = seed(client)
        home = emulator.inspector_url
        assert home is not None  # noqa: S101 - an emulator without a key serves it
        page = f"{home}inspector/conversations/{conversation_id}"
        screenshot(chromium, home, args.out / "inspector-list.png", 1280, 560)
        screenshot(chromium, page, args.out / "inspector-conversation.png", 1280, 1180)
        screenshot(chromium, page, args.out / "inspector-conversation-phone.png", 390, 844)
        responses = f"{home}inspector/responses"
        screenshot(chromium, responses, args.out / "inspector-responses.png", 1280, 420)
        response = f"{responses}/{response_id}"
        screenshot(chromium, response, args.out / "inspector-response.png", 1280, 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
