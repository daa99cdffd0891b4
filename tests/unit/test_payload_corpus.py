"""The payload corpus: one JSON body per item type, content part and response in the spec.

Each file is checked against the spec's own schema (so the corpus cannot drift from the spec),
structured to the class the table names, and unstructured back to the very same JSON text.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from conversations_sdk import models as m
from conversations_sdk._converter import make_converter
from tests._support.spec_instances import components
from tests._support.spec_validation import validate_schema

PAYLOADS = pathlib.Path(__file__).resolve().parents[1] / "payloads"
CONVERTER = make_converter()

# Item payload file -> the class it must become. Written out, not derived, so that a wrong
# dispatch in the converter cannot agree with itself.
ITEMS: dict[str, type[Any]] = {
    "additional_tools": m.AdditionalTools,
    "apply_patch_call": m.ApplyPatchToolCall,
    "apply_patch_call_create_file": m.ApplyPatchToolCall,
    "apply_patch_call_delete_file": m.ApplyPatchToolCall,
    "apply_patch_call_output": m.ApplyPatchToolCallOutput,
    "code_interpreter_call": m.CodeInterpreterToolCall,
    "compaction": m.CompactionBody,
    "computer_call": m.ComputerToolCall,
    "computer_call_output": m.ComputerToolCallOutputResource,
    "custom_tool_call": m.CustomToolCall,
    "custom_tool_call_output": m.CustomToolCallOutput,
    "file_search_call": m.FileSearchToolCall,
    "function_call": m.FunctionToolCallResource,
    "function_call_output": m.FunctionToolCallOutputResource,
    "function_call_output_string": m.FunctionToolCallOutputResource,
    "image_generation_call": m.ImageGenToolCall,
    "local_shell_call": m.LocalShellToolCall,
    "local_shell_call_output": m.LocalShellToolCallOutput,
    "mcp_approval_request": m.MCPApprovalRequest,
    "mcp_approval_response": m.MCPApprovalResponseResource,
    "mcp_call": m.MCPToolCall,
    "mcp_call_completed": m.MCPToolCall,
    "mcp_call_http_error": m.MCPToolCall,
    "mcp_call_tool_execution_error": m.MCPToolCall,
    "mcp_list_tools": m.MCPListTools,
    "message": m.Message,
    "message_user": m.Message,
    "program": m.Program,
    "program_output": m.ProgramOutput,
    "reasoning": m.ReasoningItem,
    "shell_call": m.FunctionShellCall,
    "shell_call_output": m.FunctionShellCallOutput,
    "tool_search_call": m.ToolSearchCall,
    "tool_search_output": m.ToolSearchOutput,
    "web_search_call": m.WebSearchToolCall,
    "web_search_call_find_in_page": m.WebSearchToolCall,
    "web_search_call_open_page": m.WebSearchToolCall,
}
CONTENT: dict[str, type[Any]] = {
    "computer_screenshot": m.ComputerScreenshotContent,
    "input_file": m.InputFileContent,
    "input_image": m.InputImageContent,
    "input_text": m.InputTextContent,
    "output_text": m.OutputTextContent,
    "reasoning_text": m.ReasoningTextContent,
    "refusal": m.RefusalContent,
    "summary_text": m.SummaryTextContent,
    "text": m.TextContent,
}
# Response payload -> (spec schema, class).
RESPONSES: dict[str, tuple[str, type[Any]]] = {
    "conversation": ("ConversationResource", m.Conversation),
    "conversation_deleted": ("DeletedConversationResource", m.ConversationDeletedResource),
    "conversation_null_metadata": ("ConversationResource", m.Conversation),
    "error": ("ErrorResponse", m.ErrorResponse),
    "item_list": ("ConversationItemList", m.ConversationItemList),
}
# Input payload -> (spec schema, class it becomes as an InputItem).
INPUTS: dict[str, tuple[str, type[Any]]] = {
    "additional_tools": ("AdditionalToolsItemParam", m.AdditionalToolsItemParam),
    "apply_patch_call": ("ApplyPatchToolCallItemParam", m.ApplyPatchToolCallItemParam),
    "apply_patch_call_output": (
        "ApplyPatchToolCallOutputItemParam",
        m.ApplyPatchToolCallOutputItemParam,
    ),
    "compaction_summary": ("CompactionSummaryItemParam", m.CompactionSummaryItemParam),
    "compaction_trigger": ("CompactionTriggerItemParam", m.CompactionTriggerItemParam),
    "computer_call_output": ("ComputerCallOutputItemParam", m.ComputerCallOutputItemParam),
    "custom_tool_call_output": ("CustomToolCallOutput", m.CustomToolCallOutput),
    "easy_message_parts": ("EasyInputMessage", m.EasyInputMessage),
    "easy_message_string": ("EasyInputMessage", m.EasyInputMessage),
    "function_call": ("FunctionToolCall", m.FunctionToolCall),
    "function_call_output": ("FunctionCallOutputItemParam", m.FunctionCallOutputItemParam),
    "input_message": ("InputMessage", m.InputMessage),
    "item_reference": ("ItemReferenceParam", m.ItemReferenceParam),
    "item_reference_untyped": ("ItemReferenceParam", m.ItemReferenceParam),
    "mcp_approval_response": ("MCPApprovalResponse", m.MCPApprovalResponse),
    "output_message": ("OutputMessage", m.OutputMessage),
    "program": ("ProgramItemParam", m.ProgramItemParam),
    "program_output": ("ProgramOutputItemParam", m.ProgramOutputItemParam),
    "reasoning": ("ReasoningItem", m.ReasoningItem),
    "shell_call": ("FunctionShellCallItemParam", m.FunctionShellCallItemParam),
    "shell_call_output": ("FunctionShellCallOutputItemParam", m.FunctionShellCallOutputItemParam),
    "tool_search_call": ("ToolSearchCallItemParam", m.ToolSearchCallItemParam),
    "tool_search_output": ("ToolSearchOutputItemParam", m.ToolSearchOutputItemParam),
}


def _load(folder: str, name: str) -> tuple[str, Any]:
    text = (PAYLOADS / folder / f"{name}.json").read_text(encoding="utf-8")
    return text, json.loads(text)


def _dump(value: Any) -> str:
    # The corpus files are written with this exact formatting, in spec field order.
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _structure(payload: Any, cl: Any) -> Any:
    # ``cl`` may be a union alias, which mypy does not accept as a ``type[T]``.
    return CONVERTER.structure(payload, cl)


def _content_refs() -> list[dict[str, str]]:
    return components()["Message"]["properties"]["content"]["items"]["oneOf"]  # type: ignore[no-any-return]


def _type_tag(schema_name: str) -> str:
    schema = components()[schema_name]
    parts = [
        components()[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
        for p in schema.get("allOf", [schema])
    ]
    tags: list[str] = [
        p["properties"]["type"]["enum"][0] for p in parts if "type" in p.get("properties", {})
    ]
    return tags[0]


def test_corpus_files_are_all_in_the_tables() -> None:
    """Every JSON file in the corpus is checked by a table below (none silently skipped)."""
    tables: dict[str, dict[str, Any]] = {
        "items": ITEMS,
        "content": CONTENT,
        "responses": RESPONSES,
        "inputs": INPUTS,
    }
    for folder, table in tables.items():
        assert sorted(p.stem for p in (PAYLOADS / folder).glob("*.json")) == sorted(table)


def test_corpus_covers_every_item_and_content_type() -> None:
    """Every item type of ConversationItem and every Message content type has a payload."""
    item_types = {json.loads((PAYLOADS / "items" / f"{n}.json").read_text())["type"] for n in ITEMS}
    spec_item_types = {
        _type_tag(ref["$ref"].rsplit("/", 1)[-1])
        for ref in components()["ConversationItem"]["oneOf"]
    }
    assert item_types == spec_item_types
    assert len(spec_item_types) == 28
    spec_content_types = {_type_tag(ref["$ref"].rsplit("/", 1)[-1]) for ref in _content_refs()}
    assert set(CONTENT) == spec_content_types


@pytest.mark.parametrize(("name", "cls"), list(ITEMS.items()), ids=list(ITEMS))
def test_item_payload(name: str, cls: type[Any]) -> None:
    """An item payload is spec-valid, becomes its class via ConversationItem, and round-trips."""
    text, payload = _load("items", name)
    validate_schema("ConversationItem", payload)
    item = _structure(payload, m.ConversationItem)
    assert type(item) is cls
    assert _dump(CONVERTER.unstructure(item)) == text


@pytest.mark.parametrize(("name", "cls"), list(CONTENT.items()), ids=list(CONTENT))
def test_content_payload(name: str, cls: type[Any]) -> None:
    """A content part is spec-valid, becomes its class via MessageContent, and round-trips."""
    text, payload = _load("content", name)
    validate_schema(cls.__name__, payload)  # content classes keep their schema's name
    part = _structure(payload, m.MessageContent)
    assert type(part) is cls
    assert _dump(CONVERTER.unstructure(part)) == text


@pytest.mark.parametrize(("name", "case"), list(RESPONSES.items()), ids=list(RESPONSES))
def test_response_payload(name: str, case: tuple[str, type[Any]]) -> None:
    """A whole response body is spec-valid, structures to its model, and round-trips."""
    schema, cls = case
    text, payload = _load("responses", name)
    validate_schema(schema, payload)
    obj = _structure(payload, cls)
    assert type(obj) is cls
    assert _dump(CONVERTER.unstructure(obj)) == text


@pytest.mark.parametrize(("name", "case"), list(INPUTS.items()), ids=list(INPUTS))
def test_input_payload(name: str, case: tuple[str, type[Any]]) -> None:
    """An input item is valid for its spec schema, becomes its class as an InputItem, round-trips."""
    schema, cls = case
    text, payload = _load("inputs", name)
    validate_schema(schema, payload)
    item = _structure(payload, m.InputItem)
    assert type(item) is cls
    assert _dump(CONVERTER.unstructure(item)) == text
