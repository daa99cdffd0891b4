"""The shared transcript renderer (notebook and inspector) on wire JSON: every item type, any shape.

It renders what the API sends, so it is fed the payload corpus (tests/payloads/items: one file per
item type the spec knows) as plain JSON, plus malformed and hostile values.
"""

from __future__ import annotations

import html
import html.parser
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conversations_sdk._transcript import (
    KNOWN_ITEM_TYPES,
    MAX_RAW_CHARS,
    conversation_html,
    relative_time,
    transcript_html,
)

CORPUS = sorted((Path(__file__).parents[1] / "payloads" / "items").glob("*.json"))
EVIL = '<script>alert("x")</script><img src=x onerror="alert(1)">'


class _Tags(html.parser.HTMLParser):
    """The element names and attribute names a browser would see in a fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.add(tag)
        self.attributes.update(name for name, _ in attrs)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _poison(value: Any) -> Any:
    """The same JSON with markup appended to every string (keys and ``type`` tags excepted)."""
    if isinstance(value, dict):
        return {k: v if k == "type" else _poison(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v) for v in value]
    return value + EVIL if isinstance(value, str) else value


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_every_item_type_renders_with_its_speaker(path: Path) -> None:
    """Each type of the spec gets a labelled entry; the JSON toggle holds the item exactly."""
    item = json.loads(path.read_text(encoding="utf-8"))
    assert item["type"] in KNOWN_ITEM_TYPES
    fragment = transcript_html([item], raw_json=True, show_ids=True)
    label = re.search(r'<b class="cs-who [^"]+">([^<]*)</b>', fragment)
    assert label is not None
    speaker = html.unescape(label.group(1))
    assert speaker == item.get("role") or item["type"] in speaker or speaker == "reasoning"
    raw = re.findall(r"<details[^>]*><summary>JSON</summary><pre[^>]*>(.*?)</pre>", fragment, re.S)
    assert [json.loads(html.unescape(r)) for r in raw] == [item]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_markup_in_any_field_stays_text(path: Path) -> None:
    """Markup in every string of every item type comes out escaped, in both looks."""
    item = _poison(json.loads(path.read_text(encoding="utf-8")))
    for inline in (False, True):
        fragment = transcript_html(
            [item], inline=inline, raw_json=True, show_ids=True, anchors=True
        )
        assert "<script" not in fragment
        assert "<img" not in fragment
        tags = _Tags()
        tags.feed(fragment)
        assert tags.found <= {"div", "b", "span", "i", "pre", "details", "summary"}
        assert not [name for name in tags.attributes if name.startswith("on")]


def test_transcript_shows_what_was_said_and_done() -> None:
    """Messages, tool calls with arguments, outputs (text or content parts) and reasoning."""
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
        {"type": "function_call", "name": "f", "arguments": '{"a": 1}', "call_id": "c1"},
        {
            "type": "function_call_output",
            "call_id": "c1",
            "output": [{"type": "input_text", "text": "part output"}],
        },
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "hmm"}]},
        {"type": "custom_tool_call", "name": "grep", "input": "needle", "call_id": "c2"},
        {"type": "message", "role": "assistant", "content": "a plain string"},
    ]
    text = _text(transcript_html(items))
    for piece in ("user", "Hi", 'f({"a": 1})', "part output", "reasoning", "hmm", "grep(needle)"):
        assert piece in text
    assert "a plain string" in text


def test_blobs_are_summarised_not_dumped() -> None:
    """Encrypted reasoning and generated images show their size, not megabytes of base64."""
    blob = "A" * 50_000
    items = [
        {"type": "reasoning", "summary": [], "encrypted_content": blob},
        {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": blob},
    ]
    fragment = transcript_html(items)
    assert blob[:1000] not in fragment
    assert "[encrypted: 50,000 characters]" in fragment
    assert "[generated image: 50,000 characters of base64]" in fragment


def test_unknown_types_and_odd_shapes_render_as_json() -> None:
    """An unknown type is formatted JSON; non-objects and wrong field types never raise."""
    unknown = {"type": "hologram", "id": "h_1", "beam": {"angle": 42}}
    fragment = transcript_html(
        [
            unknown,
            "just a string",
            None,
            {"type": "message", "role": 7, "content": {"not": "a list"}},
            {"type": 3},
            {},
        ]
    )
    text = _text(fragment)
    assert "hologram" in text
    assert "unknown item type" in text
    assert '"angle": 42' in text  # indented JSON
    assert "just a string" in text
    assert "unknown role" in text


def test_raw_json_is_capped() -> None:
    """A huge item's JSON toggle is cut, saying how much more there is."""
    item = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "x" * (MAX_RAW_CHARS + 10)}],
    }
    fragment = transcript_html([item], raw_json=True)
    assert "more characters)" in fragment
    assert len(fragment) < 2 * MAX_RAW_CHARS


def test_conversation_summary_times_and_metadata() -> None:
    """UTC time (and how long ago), item count and each metadata pair, escaped."""
    fragment = conversation_html(
        {"id": "conv_1", "created_at": 1_700_000_000, "metadata": {EVIL: EVIL}},
        now=1_700_000_000 + 7_200,
        item_count=1234,
    )
    assert "2023-11-14 22:13:20 UTC" in fragment
    assert "2 hours ago" in fragment
    assert "1,234" in fragment
    assert "<script" not in fragment
    assert "&lt;script&gt;" in fragment


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (-5, "in the future"),
        (3, "just now"),
        (59, "59 seconds ago"),
        (61, "1 minute ago"),
        (86_400 * 3, "3 days ago"),
    ],
)
def test_relative_time(age: int, words: str) -> None:
    """Ages read as people say them."""
    assert relative_time(1_000_000, 1_000_000 + age) == words


def test_renderer_imports_no_sdk_module() -> None:
    """The emulator can use the renderer: it loads neither models, converter nor client."""
    script = (
        "import sys, conversations_sdk._transcript\n"
        "print(sorted(m for m in sys.modules if m.startswith('conversations_sdk.')))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "['conversations_sdk._transcript']"
