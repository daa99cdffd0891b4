"""Narrowing an item union on its tag, the ways docs/models.md documents (0 errors in both checkers).

``item.type == "message"`` does not narrow: ``UnknownItem.type`` is any string the API sends, so
it could be ``"message"`` too, and the checkers rightly keep ``UnknownItem`` in the union. The
expectations on that line pin it: if a checker ever narrows there, the unused ignore fails CI and
the docs must be revisited.
"""

from __future__ import annotations

from conversations_sdk.models import (
    ConversationItem,
    FunctionToolCallResource,
    Message,
    MessageContent,
    OutputTextContent,
    UnknownItem,
)


def by_kind(item: ConversationItem) -> str:
    if item.kind == "message":
        return f"{item.role}: {len(item.content)} parts"
    if item.kind == "function_call":
        return f"call {item.name}({item.arguments})"
    if item.kind is None:
        return f"unknown {item.type!r}: {sorted(item.raw)}"
    return item.kind


def by_kind_match(item: ConversationItem) -> str:
    match item.kind:
        case "message":
            return item.role
        case "function_call_output":
            return item.output if isinstance(item.output, str) else "(parts)"
        case _:
            return str(item.kind)


def by_class(item: ConversationItem) -> str:
    if isinstance(item, Message):
        return item.role
    if isinstance(item, UnknownItem):
        return str(item.type)
    match item:
        case FunctionToolCallResource(name=name):
            return name
        case _:
            return item.kind


def content_by_kind(part: MessageContent) -> str:
    if part.kind == "output_text":
        return part.text
    return ""


def content_by_class(part: MessageContent) -> str:
    return part.text if isinstance(part, OutputTextContent) else ""


def by_type_does_not_narrow(item: ConversationItem) -> object:
    if item.type == "message":
        return item.role  # type: ignore[union-attr]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    return None


def serialise(item: ConversationItem) -> tuple[dict[str, object], str, int]:
    # to_dict / to_json on any member of the union, unknown ones included; every model hashes.
    return item.to_dict(), item.to_json(indent=2), hash(item)
