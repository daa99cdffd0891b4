"""Notebook display: conversations and items render as escaped HTML; plain repr stays one line."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conversations_sdk._display import MAX_TEXT_CHARS
from conversations_sdk.models import (
    Conversation,
    ConversationItemList,
    FunctionToolCallOutputResource,
    FunctionToolCallResource,
    InputFileContent,
    InputImageContent,
    InputTextContent,
    Message,
    OutputTextContent,
    RefusalContent,
    UnknownContent,
    UnknownItem,
)


def _html(obj: Any) -> str:
    fragment = obj._repr_html_()
    assert isinstance(fragment, str)
    return fragment


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _message(role: str, text: str, item_id: str = "msg_1") -> Message:
    if role == "assistant":
        part = OutputTextContent(text=text, annotations=[], logprobs=[])
        return Message(id=item_id, status="completed", role=role, content=[part])
    return Message(id=item_id, status="completed", role=role, content=[InputTextContent(text=text)])


def _no_live_markup(fragment: str) -> None:
    """No tag from the content survived as markup."""
    assert "<script" not in fragment.lower()
    assert "<img" not in fragment.lower()


def test_message_renders_role_and_text() -> None:
    """A Message shows its role and its text in Jupyter."""
    fragment = _html(_message("user", "Hello there"))
    assert ">user</b>" in fragment
    assert "Hello there" in fragment


def test_untrusted_content_is_escaped() -> None:
    """Markup inside content (a <script>, an onerror handler) comes out escaped, never live."""
    fragment = _html(_message("assistant", EVIL))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in fragment
    _no_live_markup(fragment)


def test_escaping_covers_roles_tool_calls_and_metadata() -> None:
    """Every string from the API is escaped: roles, tool names, arguments, ids, metadata."""
    call = FunctionToolCallResource(
        id="fc_1", call_id=EVIL, name=EVIL, arguments=EVIL, status="completed"
    )
    weird_role = _message(EVIL, "hi")
    conv = Conversation(id=EVIL, created_at=0, metadata={EVIL: EVIL})
    for fragment in (
        _html(call),
        _html(weird_role),
        _html(conv),
    ):
        _no_live_markup(fragment)
        assert "&lt;script&gt;" in fragment


def test_item_list_is_a_transcript() -> None:
    """A page of items shows every turn in order: messages, tool calls and tool outputs."""
    page = ConversationItemList(
        data=[
            _message("user", "What is the weather?", "msg_1"),
            FunctionToolCallResource(
                id="fc_1",
                call_id="call_1",
                name="get_weather",
                arguments='{"city": "Paris"}',
                status="completed",
            ),
            FunctionToolCallOutputResource(
                id="fco_1", call_id="call_1", output='{"temp": 21}', status="completed"
            ),
            _message("assistant", "It is 21 degrees.", "msg_2"),
            UnknownItem(type="brand_new_item", raw={"type": "brand_new_item", "id": "x_1"}),
        ],
        has_more=True,
        first_id="msg_1",
        last_id="x_1",
    )
    fragment = _html(page)
    text = re.sub(r"<[^>]+>", " ", fragment)
    order = [
        "user",
        "What is the weather?",
        "get_weather({&quot;city&quot;: &quot;Paris&quot;})",
        "{&quot;temp&quot;: 21}",
        "assistant",
        "It is 21 degrees.",
        "brand_new_item",
        "5 items",
        "more after x_1",
    ]
    positions = [text.find(piece) for piece in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)


def test_refusals_and_images_are_described_not_loaded() -> None:
    """A refusal is labelled; an image is named by its URL as text, never fetched with <img>."""
    msg = Message(
        id="msg_1",
        status="completed",
        role="assistant",
        content=[
            RefusalContent(refusal="I can't help with that"),
            InputImageContent(image_url="https://example.invalid/cat.png", detail="auto"),
        ],
    )
    fragment = _html(msg)
    assert "refused:" in fragment
    assert "I can&#x27;t help with that" in fragment
    assert "[image: https://example.invalid/cat.png]" in fragment
    assert "<img" not in fragment


def test_structured_output_files_and_unknown_parts_render() -> None:
    """Structured tool output shows as JSON; files and unknown content parts are named, escaped."""
    output = FunctionToolCallOutputResource(
        id="fco_1",
        call_id="call_1",
        output=[InputTextContent(text="<b>21</b> degrees")],
        status="completed",
    )
    fragment = _html(output)
    assert "tool output" in fragment
    assert "&lt;b&gt;21&lt;/b&gt; degrees" in fragment
    assert "_request_id" not in fragment
    msg = Message(
        id="msg_1",
        status="in_progress",
        role="user",
        content=[
            InputFileContent(filename="<report>.pdf"),
            UnknownContent(type="hologram", raw={"type": "hologram"}),
        ],
    )
    fragment = _html(msg)
    assert "[file: &lt;report&gt;.pdf]" in fragment
    assert "[hologram]" in fragment
    assert "in_progress" in fragment


def test_conversation_shows_id_time_and_metadata() -> None:
    """A Conversation shows its id, its creation time in UTC, and each metadata pair."""
    conv = Conversation(id="conv_123", created_at=1_700_000_000, metadata={"topic": "demo"})
    fragment = _html(conv)
    assert "conv_123" in fragment
    assert "2023-11-14T22:13:20+00:00" in fragment
    assert "topic" in fragment
    assert "demo" in fragment


def test_very_long_text_is_truncated() -> None:
    """A huge text part is cut, so displaying it cannot freeze the notebook."""
    fragment = _html(_message("user", "a" * (MAX_TEXT_CHARS + 500)))
    assert "500 more characters" in fragment
    assert len(fragment) < MAX_TEXT_CHARS + 2_000


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(_message("user", "line one\nline two"), id="message"),
        pytest.param(Conversation(id="conv_1", created_at=1, metadata={"a": "b"}), id="conv"),
    ],
)
def test_plain_repr_stays_a_one_liner(obj: object) -> None:
    """repr() is unchanged by the HTML display: one line, no markup."""
    text = repr(obj)
    assert "\n" not in text
    assert "<div" not in text
