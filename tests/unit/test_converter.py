"""The converter's promises: new types, fields and enum values survive; nulls and numbers are exact."""

from __future__ import annotations

import json
from typing import Any

import attrs
import cattrs
import pytest

from conversations_sdk import NOT_GIVEN, ResponseValidationError
from conversations_sdk import models as m
from conversations_sdk._converter import (
    CONVERTER,
    make_converter,
    structure_response,
    unstructure_body,
)

MESSAGE: dict[str, Any] = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "hi", "annotations": [], "logprobs": []}],
}


def _exact(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _round_trip(payload: Any, cl: Any) -> Any:
    obj = CONVERTER.structure(payload, cl)
    assert _exact(CONVERTER.unstructure(obj)) == _exact(payload)
    return obj


def test_make_converter_builds_independent_converters() -> None:
    """Each call builds a fresh converter, and the SDK's own is not cattrs' global one."""
    assert make_converter() is not make_converter()
    assert CONVERTER is not cattrs.global_converter


# -- unknown types ------------------------------------------------------------------------------

UNKNOWN_ITEMS = [
    pytest.param({"type": "hologram_call", "id": "hc_1", "beam": {"power": 3}}, id="new-type"),
    pytest.param({"id": "x_1", "status": "completed"}, id="no-type"),
    pytest.param({"type": 7, "id": "x_2"}, id="non-string-type"),
]


@pytest.mark.parametrize("payload", UNKNOWN_ITEMS)
def test_unknown_item_type_is_kept(payload: dict[str, Any]) -> None:
    """An item of a type the SDK does not know becomes UnknownItem holding the untouched payload."""
    item = _round_trip(payload, m.ConversationItem)
    assert type(item) is m.UnknownItem
    assert item.raw is payload
    assert item.type == (payload["type"] if isinstance(payload.get("type"), str) else None)
    assert item.id == payload["id"]


def test_unknown_item_in_a_list_page() -> None:
    """A page mixing known and unknown items structures fully and round-trips."""
    page = {
        "object": "list",
        "data": [MESSAGE, {"type": "future_item", "id": "fi_1"}],
        "has_more": True,
        "first_id": "msg_1",
        "last_id": "fi_1",
    }
    result = _round_trip(page, m.ConversationItemList)
    assert [type(i) for i in result.data] == [m.Message, m.UnknownItem]


def test_known_tag_with_broken_shape_is_an_error_not_unknown() -> None:
    """Strict: a known type with a bad body raises; it is never silently downgraded to UnknownItem."""
    with pytest.raises(ResponseValidationError):
        structure_response({"type": "message", "id": "msg_1"}, m.ConversationItem, strict=True)


def test_unknown_content_type_is_kept() -> None:
    """A content part of a new type becomes UnknownContent and round-trips inside its message."""
    hologram = {"type": "input_hologram", "hologram_id": "h_1", "depth": 3.5}
    payload = {**MESSAGE, "content": [*MESSAGE["content"], hologram]}
    message = _round_trip(payload, m.ConversationItem)
    unknown = message.content[1]
    assert type(unknown) is m.UnknownContent
    assert unknown.type == "input_hologram"
    assert unknown.raw == hologram


def test_unknown_nested_tag_is_kept() -> None:
    """A new annotation type (a nested tagged union) becomes UnknownObject, never an error."""
    part = {
        "type": "output_text",
        "text": "x",
        "annotations": [{"type": "video_citation", "url": "https://v.example", "at": 12}],
        "logprobs": [],
    }
    text = _round_trip(part, m.MessageContent)
    assert type(text.annotations[0]) is m.UnknownObject
    assert text.annotations[0].type == "video_citation"


# -- unknown fields and enum values ----------------------------------------------------------------


def test_unknown_fields_are_kept_in_extra() -> None:
    """Fields the SDK does not know land in ``extra`` (at every depth) and are sent back."""
    payload = {
        **MESSAGE,
        "priority": "high",
        "content": [{**MESSAGE["content"][0], "voice": {"id": "v1"}}],
    }
    message = _round_trip(payload, m.ConversationItem)
    assert message.extra == {"priority": "high"}
    assert message.content[0].extra == {"voice": {"id": "v1"}}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("role", "narrator", id="new-role"),
        pytest.param("status", "archived", id="new-status"),
        pytest.param("phase", "draft", id="new-phase"),
    ],
)
def test_unknown_enum_value_is_kept(field: str, value: str) -> None:
    """A new role, status or phase is accepted as a plain string and round-trips."""
    message = _round_trip({**MESSAGE, field: value}, m.ConversationItem)
    assert getattr(message, field) == value


def test_every_known_role_and_status() -> None:
    """The eight roles and three statuses of the spec all structure to a Message."""
    for role in (
        "unknown",
        "user",
        "assistant",
        "system",
        "critic",
        "discriminator",
        "developer",
        "tool",
    ):
        for status in ("in_progress", "completed", "incomplete"):
            message = _round_trip({**MESSAGE, "role": role, "status": status}, m.Message)
            assert (message.role, message.status) == (role, status)


# -- exactness -------------------------------------------------------------------------------------


def test_explicit_null_and_absent_optional_fields_both_round_trip() -> None:
    """An optional field sent as null comes back as null; one left out stays out."""
    with_null = _round_trip({**MESSAGE, "phase": None}, m.Message)
    without = _round_trip(MESSAGE, m.Message)
    assert with_null.phase is None
    assert without.phase is None
    assert with_null == without  # the difference is a wire detail, not a value
    assert "phase" not in CONVERTER.unstructure(without)


def test_required_nullable_field_is_always_sent() -> None:
    """A required field whose value is null (Conversation.metadata) is sent as null."""
    conversation = m.Conversation(id="conv_1", metadata=None, created_at=1)
    assert CONVERTER.unstructure(conversation) == {
        "id": "conv_1",
        "object": "conversation",
        "metadata": None,
        "created_at": 1,
    }


def test_numbers_keep_their_json_type() -> None:
    """An integral number in a float field stays an int (1 is not sent back as 1.0)."""
    top = {"token": "a", "logprob": -1, "bytes": [97]}
    assert _exact(CONVERTER.unstructure(CONVERTER.structure(top, m.TopLogProb))) == _exact(top)
    assert CONVERTER.structure(top, m.TopLogProb).logprob == -1


def test_recursive_filters_round_trip() -> None:
    """Compound filters nest (CompoundFilter inside CompoundFilter) and round-trip."""
    filters = {
        "type": "or",
        "filters": [
            {"type": "and", "filters": [{"type": "eq", "key": "a", "value": "x"}]},
            {"type": "nin", "key": "b", "value": [1, "two", 3.5]},
        ],
    }
    result = _round_trip(filters, m.Filters)
    assert type(result.filters[0]) is m.CompoundFilter


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        pytest.param({**MESSAGE, "id": 5}, "$.id", id="int-for-str"),
        pytest.param({**MESSAGE, "content": "hi"}, "$.content", id="str-for-array"),
        pytest.param(
            {**MESSAGE, "content": [{"type": "output_text", "text": "x", "logprobs": []}]},
            "$.content[0].annotations",
            id="missing-nested",
        ),
        pytest.param({**MESSAGE, "type": "message", "id": None}, "$.id", id="null-required"),
    ],
)
def test_bad_bodies_raise_response_validation_error_with_paths(
    payload: dict[str, Any], path: str
) -> None:
    """A body of the wrong shape raises ResponseValidationError naming the field's JSON path."""
    with pytest.raises(ResponseValidationError) as info:
        structure_response(payload, m.Message, request_id="req_1", strict=True)
    assert path in str(info.value)
    assert info.value.body is payload
    assert info.value.request_id == "req_1"


def test_error_message_stays_readable_for_a_broken_page() -> None:
    """A page of many broken items names the first ten problems and counts the rest."""
    page: dict[str, Any] = {
        "object": "list",
        "data": [{**MESSAGE, "id": i} for i in range(25)],
        "has_more": False,
        "first_id": "a",
        "last_id": "b",
    }
    with pytest.raises(ResponseValidationError) as info:
        structure_response(page, m.ConversationItemList, strict=True)
    message = str(info.value)
    assert "$.data[0].id" in message
    assert "$.data[9].id" in message
    assert "$.data[10].id" not in message
    assert message.endswith("and 15 more")


def test_values_are_not_coerced() -> None:
    """Strings are not turned into numbers (or booleans into anything): the JSON type must match."""
    with pytest.raises(ResponseValidationError, match="expected a boolean"):
        structure_response(
            {"object": "conversation.deleted", "deleted": "yes", "id": "c"},
            m.ConversationDeletedResource,
            strict=True,
        )


# -- input and request bodies ------------------------------------------------------------------


def test_typed_input_unstructures_to_the_spec_shape() -> None:
    """Typed input builds the JSON the API expects: short message form, defaults for tags."""
    items = [
        m.EasyInputMessage(role="user", content="Hello!"),
        m.EasyInputMessage(role="user", content=[m.InputTextContent(text="Hi")]),
        m.ItemReferenceParam(id="msg_1"),
        m.FunctionCallOutputItemParam(call_id="call_1", output="42"),
    ]
    assert CONVERTER.unstructure(items) == [
        {"role": "user", "content": "Hello!"},
        {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
        {"id": "msg_1"},
        {"call_id": "call_1", "type": "function_call_output", "output": "42"},
    ]


def test_input_extra_is_sent() -> None:
    """A field the SDK does not know yet can be sent through ``extra``."""
    message = m.EasyInputMessage(role="user", content="hi", extra={"new_flag": True})
    assert CONVERTER.unstructure(message) == {"role": "user", "content": "hi", "new_flag": True}


def test_request_body_drops_not_given_and_keeps_none() -> None:
    """``NOT_GIVEN`` leaves the key out; ``None`` is sent as null (update(metadata=None))."""
    assert unstructure_body({"metadata": None}) == {"metadata": None}
    assert unstructure_body({"metadata": NOT_GIVEN, "items": NOT_GIVEN}) == {}
    body = unstructure_body(
        {
            "metadata": {"k": "v"},
            "items": [
                m.EasyInputMessage(role="user", content="hi"),
                {"type": "message", "role": "user", "content": "raw"},
            ],
        }
    )
    assert body == {
        "metadata": {"k": "v"},
        "items": [
            {"role": "user", "content": "hi"},
            {"type": "message", "role": "user", "content": "raw"},
        ],
    }


def test_models_are_frozen_and_keyword_only() -> None:
    """Models are immutable and built by keyword, so a reordered spec cannot shift arguments."""
    text = m.InputTextContent(text="hi")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        text.text = "bye"  # type: ignore[misc]
    positional: Any = m.InputTextContent
    with pytest.raises(TypeError):
        positional("input_text", "hi")
    assert (
        repr(text) == "InputTextContent(type='input_text', text='hi', prompt_cache_breakpoint=None)"
    )
