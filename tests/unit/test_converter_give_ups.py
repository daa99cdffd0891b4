"""The generated fast path is visible: give-ups are counted, and its source shows in tracebacks."""

from __future__ import annotations

import inspect
import json
import linecache
import pathlib
import traceback
from typing import Any

import pytest

from conversations_sdk import models as m
from conversations_sdk._converter import (
    CONVERTER,
    _FastPaths,
    fast_path_stats,
    make_converter,
    structure_response,
)

PAYLOADS = pathlib.Path(__file__).resolve().parents[1] / "payloads"
TARGETS: dict[str, Any] = {
    "items": m.ConversationItem,
    "content": m.MessageContent,
}
RESPONSES = {
    "conversation": m.Conversation,
    "conversation_deleted": m.ConversationDeletedResource,
    "conversation_null_metadata": m.Conversation,
    "error": m.ErrorResponse,
    "item_list": m.ConversationItemList,
}


def _corpus() -> list[tuple[Any, Any]]:
    """What the SDK reads from a server: items, content parts, responses. (Input items share the
    ``message`` tag among three classes, which the union tries in turn: those tries count.)"""
    cases = []
    for path in sorted(PAYLOADS.glob("*/*.json")):
        folder = path.parent.name
        if folder == "inputs":
            continue
        target = RESPONSES[path.stem] if folder == "responses" else TARGETS[folder]
        cases.append((json.loads(path.read_text(encoding="utf-8")), target))
    return cases


def _page(items: list[Any]) -> dict[str, Any]:
    return {"object": "list", "data": items, "first_id": "a", "last_id": "b", "has_more": False}


def _message(text: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def test_clean_corpus_never_gives_up() -> None:
    """Every well-formed corpus body, read leniently or strictly, is built by generated code alone."""
    converter = make_converter()
    corpus = _corpus()
    assert len(corpus) > 40  # the whole corpus, not an empty glob
    for body, target in corpus:
        structure_response(body, target, converter=converter)
        structure_response(body, target, converter=converter, strict=True)
    assert fast_path_stats(converter) == {}


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_broken_body_gives_up_and_says_where(strict: bool) -> None:
    """A wrong JSON type deep in a page is counted, by model and reason, without the value."""
    converter = make_converter()
    body = _page([_message("fine"), _message(12345)])
    if strict:
        with pytest.raises(Exception, match=r"\$\.data\[1\]\.content\[0\]\.text"):
            structure_response(body, m.ConversationItemList, converter=converter, strict=True)
    else:
        structure_response(body, m.ConversationItemList, converter=converter)
    stats = fast_path_stats(converter)
    reason = "OutputTextContent.text: unexpected value"
    assert stats[("ConversationItemList", reason)] == 1
    assert all(r == reason for _, r in stats)
    assert "12345" not in repr(stats)


def test_missing_required_key_is_named() -> None:
    """A missing required key gives up with the key's name as the reason."""
    converter = make_converter()
    body = {"id": "conv_1", "object": "conversation", "metadata": {}}  # no created_at
    structure_response(body, m.Conversation, converter=converter)
    assert fast_path_stats(converter) == {("Conversation", "missing 'created_at'"): 1}


def test_reset_clears_the_counts() -> None:
    """``reset=True`` returns the counts and starts again from zero."""
    converter = make_converter()
    structure_response(_page([_message(1)]), m.ConversationItemList, converter=converter)
    assert fast_path_stats(converter, reset=True)
    assert fast_path_stats(converter) == {}


def test_default_is_the_sdk_converter() -> None:
    """Without an argument the SDK's own converter's counts are read."""
    before = sum(fast_path_stats().values())
    structure_response(_page([_message(None)]), m.ConversationItemList)
    assert sum(fast_path_stats().values()) > before
    assert fast_path_stats(CONVERTER) == fast_path_stats()


def test_generated_source_is_in_linecache() -> None:
    """Generated functions have a pseudo-filename whose lines linecache and inspect can show."""
    function = _FastPaths(make_converter()).function(m.Conversation)
    filename = function.__code__.co_filename
    assert filename.startswith("<conversations_sdk fast path #")
    assert "Conversation" in filename
    source = inspect.getsource(function)
    assert source.startswith(f"def {function.__name__}(v):  # Conversation")
    linecache.checkcache()  # a cache check must not drop the entry (it has no mtime)
    assert linecache.getline(filename, 1) == source.splitlines(True)[0]


def test_traceback_shows_the_generated_line() -> None:
    """An exception raised in generated code shows the generated line in its traceback."""
    function = _FastPaths(make_converter()).function(m.Conversation)
    with pytest.raises(Exception) as info:  # noqa: PT011 - the give-up class is private
        function({"id": 1})
    text = "".join(traceback.format_exception(info.value))
    assert "fast path" in text
    assert "raise _GiveUp(" in text or "v['" in text


def test_two_converters_never_share_a_filename() -> None:
    """Each converter's generated code has its own file name, so linecache never mixes them."""
    first = _FastPaths(make_converter()).function(m.Conversation)
    second = _FastPaths(make_converter()).function(m.Conversation)
    assert first.__code__.co_filename != second.__code__.co_filename
